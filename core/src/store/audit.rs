//! The audit log: who did what, where and when on this device, one row per
//! local action, written in the action's own transaction.

use rusqlite::{Connection, params};
use serde_json::Value;

use super::Tx;
use crate::error::Result;

/// Record `action` on `entity` `entity_id` by this device's user, now.
pub(crate) fn record(
    t: &Tx<'_>,
    action: &str,
    entity: &str,
    entity_id: &str,
    detail: Option<&Value>,
) -> Result<()> {
    t.tx.prepare_cached(
        "INSERT INTO audit_log (at, actor, device_id, action, entity, entity_id, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        t.now,
        t.me.user,
        t.me.device_id,
        action,
        entity,
        entity_id,
        detail.map(|d| d.to_string())
    ])?;
    Ok(())
}

pub(crate) fn len(c: &Connection) -> Result<u64> {
    Ok(c.query_row("SELECT count(*) FROM audit_log", [], |r| r.get::<_, i64>(0))? as u64)
}
