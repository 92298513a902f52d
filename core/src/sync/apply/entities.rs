//! Descriptive entities from the server: taken field by field, except fields a
//! queued local write changes, which stay until the server has judged the write.

use std::collections::HashSet;
use std::sync::LazyLock;

use rusqlite::params;
use rusqlite::types::Value as Column;
use serde_json::{Map, Value};

use super::pending_local;
use crate::address::EntityKind;
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

/// An entity into a replica being built from the snapshot (`Target::Build`):
/// there is nothing local to merge with, so the row is written whole in one
/// statement, with one stamp row per field; a later page's version of the same
/// entity (it changed while the snapshot was served) replaces it whole, as the
/// server's state is complete. Unknown fields are ignored as in `apply_entity`.
pub(super) fn insert_entity(t: &mut Tx<'_>, e: &EntityState) -> Result<()> {
    let kind = e.kind;
    let specs = kind.fields();
    let mut row: Vec<Column> = Vec::with_capacity(specs.len() + 4);
    row.push(Column::Text(e.id.clone()));
    row.push(Column::Text(e.address_code.clone()));
    row.push(Column::Integer(e.deleted as i64));
    row.push(Column::Integer(t.now));
    row.extend(specs.iter().map(|spec| {
        e.fields
            .get(spec.name)
            .map_or(Column::Null, store::entities::column_value)
    }));
    let sql = WHOLE_ROW
        .iter()
        .find_map(|(k, sql)| (*k == kind).then_some(sql.as_str()))
        .expect("every kind");
    t.tx.prepare_cached(sql)?
        .execute(rusqlite::params_from_iter(row))?;
    let stamps: Vec<(&str, Hlc)> = e
        .fields
        .keys()
        .filter_map(|name| kind.field(name))
        .map(|spec| {
            let hlc = e
                .stamps
                .get(spec.name)
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(Hlc::zero);
            (spec.name, hlc)
        })
        .collect();
    for (_, hlc) in &stamps {
        t.observe(hlc);
    }
    let mut st = t.tx.prepare_cached(
        "INSERT OR REPLACE INTO field_versions (entity, entity_id, field, hlc) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (name, hlc) in stamps {
        st.execute(params![kind.as_str(), e.id, name, hlc.to_string()])?;
    }
    Ok(())
}

/// Each kind's `whole_row_sql`, written once per process.
static WHOLE_ROW: LazyLock<Vec<(EntityKind, String)>> = LazyLock::new(|| {
    EntityKind::ALL
        .into_iter()
        .map(|k| (k, whole_row_sql(k)))
        .collect()
});

/// `INSERT OR REPLACE` of an entity's whole row: key, address, deleted,
/// updated_at, then every field column in `kind.fields()` order.
fn whole_row_sql(kind: EntityKind) -> String {
    let names: Vec<&str> = kind.fields().iter().map(|f| f.name).collect();
    let marks = vec!["?"; names.len() + 4].join(", ");
    format!(
        "INSERT OR REPLACE INTO {} (id, address_code, deleted, updated_at, \"{}\") VALUES ({marks})",
        kind.table(),
        names.join("\", \"")
    )
}
