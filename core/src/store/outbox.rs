//! The outbox: every local change queued for push, in order, each with its HLC
//! stamp and the clock offset it was made under. Written in the same transaction
//! as the change itself, so a change is never saved without being queued.

use rusqlite::{Connection, params};

use super::{Tx, new_id};
use crate::clock::hlc::Hlc;
use crate::error::Result;
use crate::records::{Op, OutboxEntry};

/// Queue an operation for push, stamped with `hlc`. Its texts are checked
/// against the limits the server applies first: a phone never queues what the
/// server will refuse, and the refused write rolls back with it.
pub(crate) fn queue(
    t: &Tx<'_>,
    entity: &str,
    entity_id: &str,
    op: &Op,
    hlc: &Hlc,
) -> Result<String> {
    crate::text::check_op(op)?;
    let op_id = new_id();
    t.tx
        .prepare_cached(
            "INSERT INTO outbox (op_id, kind, entity, entity_id, payload, hlc, created_at, clock_offset)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            op_id,
            op.type_name(),
            entity,
            entity_id,
            serde_json::to_string(op)?,
            hlc.to_string(),
            t.now,
            t.offset
        ])?;
    Ok(op_id)
}

/// The oldest `limit` queued operations.
pub(crate) fn list(c: &Connection, limit: u32) -> Result<Vec<OutboxEntry>> {
    let mut st = c.prepare_cached(
        "SELECT seq, op_id, entity, entity_id, hlc, created_at, attempts, last_error, payload
         FROM outbox ORDER BY seq LIMIT ?1",
    )?;
    let rows = st.query_map([limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, i64>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, String>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, op_id, entity, entity_id, hlc, created_at, attempts, last_error, payload) = row?;
        out.push(OutboxEntry {
            seq,
            op_id,
            entity,
            entity_id,
            hlc,
            created_at,
            attempts,
            last_error,
            op: serde_json::from_str(&payload)?,
        });
    }
    Ok(out)
}

pub(crate) fn len(c: &Connection) -> Result<u64> {
    Ok(c.query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))? as u64)
}
