//! Seeded randomness: one independent stream per purpose (so using one never
//! shifts another), and the small generated values (ID numbers, dates, stamps).

use crate::figures::*;

/// splitmix64: seeds the per-purpose streams so one stream's use never shifts another's.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) struct Rng(u64);
impl Rng {
    pub(crate) fn new(seed: u64, stream: u64) -> Rng {
        Rng(mix(seed ^ mix(stream)) | 1)
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub(crate) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    pub(crate) fn name(&mut self) -> String {
        format!("{}{}", self.pick(SURNAMES), self.pick(GIVEN))
    }
    pub(crate) fn phone(&mut self, prefix: &str) -> String {
        format!("{prefix}{:08}", self.below(100_000_000))
    }
    /// A UUIDv7, as a phone's `new_id` would make at `ms`.
    pub(crate) fn uuid7(&mut self, ms: i64) -> String {
        let mut b = [0u8; 10];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes()[..2]);
        uuid::Builder::from_unix_timestamp_millis(ms as u64, &b)
            .into_uuid()
            .to_string()
    }
}

/// A resident ID number (身份证号) with a valid check character (the core's rule).
pub(crate) fn id_number(rng: &mut Rng) -> String {
    let body = format!(
        "320583{}{:02}{:02}{:03}",
        1940 + rng.below(66),
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(1000)
    );
    let check = gridfield_core::person::id_number_check_char(&body).expect("17 digits");
    format!("{body}{check}")
}

pub(crate) fn date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3600 * 1000)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

pub(crate) fn stamp(ms: i64) -> String {
    format!("{ms:013}-{:06}-{STAMP_NODE}", 0)
}
