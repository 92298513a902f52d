//! Installations of one enrollment. A device's data directory copied to a second
//! phone (a restored backup, a phone swap) speaks with the same token; both
//! copies would act as one device and never be judged concurrent. Every request
//! carries the installation's id and its request counter; a counter value seen
//! twice, or far behind, comes from a second installation, which is refused
//! and must re-enroll. Nothing either copy queued is lost: the refused copy
//! keeps its outbox and pushes it under its new enrollment.

use serde_json::json;

use crate::db::{RowExt, Tx};
use crate::error::{ApiError, Result};
use crate::rules::audit::audit;
use crate::rules::{DeviceCtx, now_ms};

/// Request numbers this far behind the highest seen can only come from a copy
/// (one installation has at most a few requests in flight at once).
const WINDOW: u64 = 64;

/// `<install id>.<request seq>`.
fn parse(header: &str) -> Result<(&str, u64)> {
    let bad = || ApiError::bad_request("bad_install", "malformed installation header");
    let (id, seq) = header.trim().rsplit_once('.').ok_or_else(bad)?;
    if id.len() < 8 || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let seq: u64 = seq.parse().map_err(|_| bad())?;
    if seq == 0 || seq > i64::MAX as u64 {
        return Err(bad());
    }
    Ok((id, seq))
}

/// Where a request number falls against the highest seen (`max`) and the bitmap
/// of the `WINDOW` numbers below it (bit i: `max - i` seen). `None`: a repeat.
fn advance(max: u64, window: u64, seq: u64) -> Option<(u64, u64)> {
    if seq > max {
        let shift = seq - max;
        let moved = if shift >= WINDOW { 0 } else { window << shift };
        return Some((seq, moved | 1));
    }
    let back = max - seq;
    if back >= WINDOW || window & (1 << back) != 0 {
        return None;
    }
    Some((max, window | (1 << back)))
}

/// Record this request of `dev`'s installation, if it named one (inside the
/// write transaction a push or pull takes anyway: no round trip of its own);
/// `Ok(false)` when it comes from a second installation — the caller commits the
/// record of that and answers with [`cloned_error`].
pub fn check(tx: &mut dyn Tx, dev: &DeviceCtx) -> Result<bool> {
    let Some(header) = &dev.install else {
        return Ok(true);
    };
    let (install, seq) = parse(header)?;
    let row = tx
        .query_one(
            "SELECT install_id, req_seq, req_window FROM devices WHERE id = $1",
            &[dev.device_id.as_str().into()],
        )?
        .ok_or_else(|| ApiError::unauthorized("unauthorized", "unknown device"))?;
    let known = row.opt_text(0);
    let (max, window) = (row.int(1)? as u64, row.int(2)? as u64);
    let next = match &known {
        Some(k) if k != install => None,
        _ => advance(max, window, seq),
    };
    let Some((max, window)) = next else {
        tx.execute(
            "UPDATE devices SET cloned_at = COALESCE(cloned_at, $2) WHERE id = $1",
            &[dev.device_id.as_str().into(), now_ms().into()],
        )?;
        audit(
            tx,
            &dev.user,
            Some(&dev.device_id),
            "device_cloned",
            "device",
            &dev.device_id,
            Some(
                &json!({ "request_seq": seq, "highest_seq": max, "other_install": known.as_deref() != Some(install) }),
            ),
        )?;
        tracing::warn!(device = %dev.device_id, "a second installation used this device's token");
        return Ok(false);
    };
    tx.execute(
        "UPDATE devices SET install_id = $2, req_seq = $3, req_window = $4 WHERE id = $1",
        &[
            dev.device_id.as_str().into(),
            install.into(),
            (max as i64).into(),
            (window as i64).into(),
        ],
    )?;
    Ok(true)
}

/// The answer a second installation gets.
pub fn cloned_error() -> ApiError {
    ApiError::conflict(
        gridfield_core::wire::DEVICE_CLONED,
        crate::messages::Msg::DeviceCloned.wire(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_may_arrive_out_of_order_but_never_twice() {
        let (mut max, mut w) = (0, 0);
        for s in [1, 2, 4, 3, 5, 70, 69] {
            (max, w) = advance(max, w, s).unwrap_or_else(|| panic!("{s} refused"));
        }
        assert_eq!(max, 70);
        assert!(advance(max, w, 69).is_none(), "a repeat");
        assert!(advance(max, w, 5).is_none(), "far behind");
        assert!(advance(max, w, 68).is_some());
    }

    #[test]
    fn malformed_headers_are_refused() {
        for bad in [
            "",
            "abc.1",
            "0123456789abcdef",
            "0123456789abcdef.0",
            "zz23456789abcdef.1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse("0123456789abcdef.9").unwrap(),
            ("0123456789abcdef", 9)
        );
    }
}
