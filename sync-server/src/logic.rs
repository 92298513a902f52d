//! Transitional: the paths and signatures the console used before `rules/` (a
//! refusal nested as `Ok(Err(Reject))`, storage errors as `ApiError`). Removed
//! once the console calls `rules` directly.

use gridfield_core::hazard::{HazardAction, StepInput};
use gridfield_core::plate::PlateIssuer;
use serde_json::Value;

use crate::db::Tx;
pub use crate::db::records::Record;
use crate::db::records::{self, RecordKind};
use crate::error::Result;
pub use crate::rules::hazards::HazardDoc;
pub use crate::rules::photos::{BlobState, MAX_BLOB_BYTES};
pub use crate::rules::reports::{MAX_REPORT_POINTS, ReportDecision};
use crate::rules::{self, Merged};
pub use crate::rules::{CONSOLE_DEVICE, DeviceCtx, Reject, now_ms, sha256_hex};
pub use crate::server::Server;

/// A decision's result as the console matches it.
pub type Outcome = Result<std::result::Result<Merged, Reject>>;

fn outcome(r: rules::Result<Merged>) -> Outcome {
    match r.map_err(rules::Error::refusal) {
        Ok(m) => Ok(Ok(m)),
        Err(Ok(reject)) => Ok(Err(reject)),
        Err(Err(e)) => Err(e.into()),
    }
}

pub fn audit(
    tx: &mut dyn Tx,
    actor: &str,
    device: Option<&str>,
    action: &str,
    kind: &str,
    id: &str,
    detail: Option<&Value>,
) -> Result<()> {
    Ok(rules::audit::audit(
        tx, actor, device, action, kind, id, detail,
    )?)
}

pub fn grid_path(tx: &mut dyn Tx, code: &str) -> Result<Option<String>> {
    Ok(rules::grids::grid_path(tx, code)?)
}

pub fn get_record(tx: &mut dyn Tx, kind: &str, id: &str) -> Result<Option<Record>> {
    match RecordKind::parse(kind) {
        Some(k) => records::get(tx, k, id),
        None => Ok(None),
    }
}

pub fn issuer(tx: &mut dyn Tx) -> Result<PlateIssuer> {
    Ok(rules::plates::issuer(tx)?)
}

pub fn review_inspection(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    id: &str,
    approve: bool,
    comment: Option<&str>,
    at: i64,
) -> Outcome {
    outcome(rules::inspections::review_inspection(
        tx, dev, id, approve, comment, at,
    ))
}

pub fn hazard_step(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    id: &str,
    event_id: &str,
    action: HazardAction,
    input: &StepInput,
    at: i64,
) -> Outcome {
    outcome(rules::hazards::hazard_step(
        tx, dev, id, event_id, action, input, at,
    ))
}

pub fn decide_report(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    id: &str,
    d: &ReportDecision,
    at: i64,
) -> Outcome {
    outcome(rules::reports::decide_report(tx, dev, id, d, at))
}

pub fn put_blob_chunk(
    tx: &mut dyn Tx,
    hash: &str,
    offset: u64,
    total: u64,
    mime: &str,
    chunk: &[u8],
) -> Result<BlobState> {
    Ok(rules::photos::put_blob_chunk(
        tx, hash, offset, total, mime, chunk,
    )?)
}

pub fn photo_in_scope(tx: &mut dyn Tx, hash: &str, grid_path: &str) -> Result<bool> {
    Ok(rules::photos::photo_in_scope(tx, hash, grid_path)?)
}

pub fn get_blob(tx: &mut dyn Tx, hash: &str) -> Result<Option<(String, Vec<u8>)>> {
    Ok(rules::photos::get_blob(tx, hash)?)
}
