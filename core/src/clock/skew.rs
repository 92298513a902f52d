//! A device's clock error at push, and the stamps it corrects: the server measures
//! how far the device's clock was off when it pushed and moves the stamps of the
//! pushed ops by as much. Device times are the device's word: any i64 may arrive.

/// A device clock this far off at push has changed since it stamped the ops (it
/// corrects itself from every answer): their stamps are corrected by the skew.
pub const SKEW_TOLERANCE_MS: i64 = 60_000;

/// How far ahead of `now_ms` the device's clock was at push (negative: behind),
/// or 0 within tolerance or when the device did not say.
pub fn push_skew(device_time: Option<i64>, now_ms: i64) -> i64 {
    device_time
        .map(|t| t.saturating_sub(now_ms))
        .filter(|s| s.unsigned_abs() > SKEW_TOLERANCE_MS.unsigned_abs())
        .unwrap_or(0)
}

/// A stamp's wall time corrected by `skew_ms`: never before the epoch, never
/// after `now_ms` (the server's clock, not before the epoch itself).
pub fn corrected_wall(wall_ms: i64, skew_ms: i64, now_ms: i64) -> i64 {
    wall_ms.saturating_sub(skew_ms).clamp(0, now_ms.max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_767_225_600_000;

    #[test]
    fn small_errors_are_ignored_and_large_ones_measured() {
        assert_eq!(push_skew(None, NOW), 0);
        assert_eq!(push_skew(Some(NOW + SKEW_TOLERANCE_MS), NOW), 0);
        assert_eq!(push_skew(Some(NOW - 86_400_000), NOW), -86_400_000);
        assert_eq!(corrected_wall(NOW - 5_000, -86_400_000, NOW), NOW);
        assert_eq!(
            corrected_wall(NOW + 86_395_000, 86_400_000, NOW),
            NOW - 5_000
        );
    }

    // Found with the push-body fuzz target (core/fuzz): a device_time of
    // i64::MIN overflowed the subtraction and the server answered 500.
    #[test]
    fn any_device_time_and_stamp_is_corrected_without_overflow() {
        assert_eq!(push_skew(Some(i64::MIN), NOW), i64::MIN);
        assert_eq!(push_skew(Some(i64::MAX), NOW), i64::MAX - NOW);
        assert_eq!(push_skew(Some(i64::MIN), -NOW), i64::MIN + NOW);
        assert_eq!(corrected_wall(9_999_999_999_999, i64::MIN, NOW), NOW);
        assert_eq!(corrected_wall(-999_999_999_999, i64::MAX, NOW), 0);
        assert_eq!(corrected_wall(0, 0, -1), 0);
    }
}
