//! The server side of the domain rules, one module per concept. Each takes a
//! storage transaction (or the server state) and a typed input, and answers a
//! typed result or a `rules::Error`; HTTP lives in `api/`, SQL for records in `db/`.

pub mod audit;
pub mod case_facts;
pub mod cases;
pub mod checksum;
pub mod enrollment;
pub mod entities;
mod error;
pub mod grid_boundaries;
pub mod grids;
pub mod hazards;
pub mod inspections;
pub mod legacy_plates;
pub mod photos;
pub mod plates;
pub mod points;
pub mod pull;
pub mod push;
pub mod reports;
pub mod snapshot;
pub mod taxonomy;
pub mod templates;
pub mod visits;

use sha2::{Digest, Sha256};

pub use enrollment::DeviceCtx;
pub use error::{Error, Reject, Result};
pub(crate) use error::{out_of_scope, refuse, refused, reject, too_long, unknown_address};

/// Marks audit rows and hazard events written through the web console.
pub const CONSOLE_DEVICE: &str = "console";

pub fn now_ms() -> i64 {
    gridfield_core::store::now_ms()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) fn random_hex(n: usize) -> Result<String> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| Error::internal(e.to_string()))?;
    Ok(hex::encode(b))
}

/// What an applied op did to fields written concurrently: every field whose
/// value was judged against a write it had not seen (`conflicts`, logged), and of
/// those the ones where this op's value lost (`lost`).
#[derive(Debug, Default)]
pub struct Merged {
    pub conflicts: Vec<String>,
    pub lost: Vec<String>,
    /// The field values an entity write changed, as its audit row keeps them
    /// (`{"field", "from", "to"}` by the core's `FieldSpec::audit_value`).
    pub changes: Vec<serde_json::Value>,
}
