//! The audit trail: who did what to which record, from which device. Rows are
//! appended, never changed; details carry codes and counts, no personal data.

use serde_json::Value;

use super::{Result, now_ms};
use crate::db::Tx;

pub fn audit(
    tx: &mut dyn Tx,
    actor: &str,
    device: Option<&str>,
    action: &str,
    kind: &str,
    id: &str,
    detail: Option<&Value>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO audit (at, actor, device_id, action, kind, entity_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[now_ms().into(), actor.into(), device.map(String::from).into(), action.into(), kind.into(), id.into(), detail.map(|d| d.to_string()).into()],
    )?;
    Ok(())
}
