//! Descriptive entities from the server: taken field by field, except fields a
//! queued local write changes, which stay until the server has judged the write.

use std::collections::HashSet;

use rusqlite::params;
use serde_json::{Map, Value};

use super::pending_local;
use crate::clock::hlc::Hlc;
use crate::error::Result;
use crate::records::Op;
use crate::store::{self, Tx};
use crate::wire::EntityState;

/// Fields of this entity that queued local writes change.
fn pending_fields(t: &Tx<'_>, entity: &str, id: &str) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    if !pending_local(t, entity, id)? {
        return Ok(out);
    }
    let mut st =
        t.tx.prepare_cached("SELECT payload FROM outbox WHERE entity = ?1 AND entity_id = ?2")?;
    let payloads = st.query_map(params![entity, id], |r| r.get::<_, String>(0))?;
    for p in payloads {
        if let Op::EntityUpsert { fields, .. } = serde_json::from_str(&p?)? {
            out.extend(fields.keys().cloned());
        }
    }
    Ok(out)
}

/// The server's state is the truth, even where its stamp is lower (it corrects
/// stamps of phones with a wrong clock) — except for fields a queued local write
/// changes: that value stays, whatever the incoming stamp, until the server has
/// judged the write; the round after the push brings its outcome (and a write
/// that lost is reported as lost). A pull never silently undoes a queued edit.
pub(super) fn apply_entity(t: &mut Tx<'_>, e: &EntityState) -> Result<()> {
    let kind = e.kind;
    let pending = pending_fields(t, kind.as_str(), &e.id)?;
    t.tx.prepare_cached(&format!(
        "INSERT INTO {} (id, address_code, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT(id) DO NOTHING",
        kind.table()
    ))?
    .execute(params![e.id, e.address_code, t.now])?;
    for (name, value) in &e.fields {
        // A field this app version does not know (a newer server): ignore it, it
        // arrives again in full once the app is updated and re-pulls.
        if kind.field(name).is_none() {
            continue;
        }
        let incoming: Hlc = e
            .stamps
            .get(name)
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(Hlc::zero);
        t.observe(&incoming);
        if !pending.contains(name) {
            let mut one = Map::new();
            one.insert(name.clone(), value.clone());
            store::entities::apply_fields(&t.tx, kind, &e.id, &one, &incoming, t.now)?;
        }
    }
    t.tx.prepare_cached(&format!(
        "UPDATE {} SET deleted = ?2, updated_at = ?3 WHERE id = ?1 AND deleted <> ?2",
        kind.table()
    ))?
    .execute(params![e.id, e.deleted as i64, t.now])?;
    Ok(())
}
