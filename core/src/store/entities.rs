//! Descriptive entities at an address (households, units, people...): field-level
//! edits with a causal base per field, so two workers editing different fields of
//! one household never overwrite each other, and the typed row mapping. What is
//! read for people shows personal identifiers masked; one value is revealed only
//! by an explicit, audited call.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

use super::addresses::address_in_scope;
use super::{Tx, new_id};
use crate::clock::hlc::Hlc;
use crate::error::{Action, Error, Input, Invalid, Result};
use crate::model::{Entity, EntityKind, FieldType, Role};
use crate::records::Op;

/// Who may edit, and the fields checked against their declared types: done
/// before the write transaction opens.
pub(crate) fn check_put(
    role: Role,
    kind: EntityKind,
    fields: &Map<String, Value>,
) -> Result<Map<String, Value>> {
    if !role.may_edit_entities() {
        return Err(Error::NotPermitted(Action::EditEntity(kind)));
    }
    let mut clean = Map::new();
    for (name, value) in fields {
        let spec = kind
            .field(name)
            .ok_or_else(|| Error::not_a_field(kind, name))?;
        clean.insert(name.clone(), crate::address::check_field(spec, value)?);
    }
    Ok(clean)
}

/// Create (no `id`) or update an entity with already checked fields; only the
/// fields whose value changes are stamped and queued.
pub(crate) fn put(
    t: &mut Tx<'_>,
    kind: EntityKind,
    id: Option<&str>,
    address_code: Option<&str>,
    clean: Map<String, Value>,
) -> Result<String> {
    let (id, address_code, existing) = match id {
        Some(id) => {
            let e = load_entity(&t.tx, kind, id)?.ok_or_else(|| Error::not_found(kind, id))?;
            if let Some(a) = address_code
                && a != e.address_code
            {
                return Err(Error::invalid(Input::Address, Invalid::CannotMoveAddress));
            }
            (id.to_string(), e.address_code.clone(), Some(e))
        }
        None => {
            let a = address_code
                .ok_or_else(|| Error::invalid(Input::Address, Invalid::RequiredForNew))?;
            address_in_scope(t, a)?;
            (new_id(), a.to_string(), None)
        }
    };
    for (name, v) in &clean {
        if let FieldType::Ref(target) = kind.field(name).map(|s| s.ty).unwrap_or(FieldType::Text)
            && let Some(rid) = v.as_str()
            && load_entity(&t.tx, target, rid)?.is_none()
        {
            return Err(Error::not_found(target, rid));
        }
    }
    let changed: Map<String, Value> = match &existing {
        Some(e) => clean
            .into_iter()
            .filter(|(k, v)| e.fields.get(k).unwrap_or(&Value::Null) != v)
            .collect(),
        None => clean,
    };
    if existing.is_some() && changed.is_empty() {
        return Ok(id);
    }
    // What each written field replaces here: the write's causal base.
    let mut bases = Map::new();
    if existing.is_some() {
        let mut st = t.tx.prepare_cached(
            "SELECT hlc FROM field_versions WHERE entity = ?1 AND entity_id = ?2 AND field = ?3",
        )?;
        for name in changed.keys() {
            if let Some(b) = st
                .query_row(params![kind.as_str(), id, name], |r| r.get::<_, String>(0))
                .optional()?
            {
                bases.insert(name.clone(), Value::String(b));
            }
        }
    }
    let hlc = t.stamp();
    if existing.is_none() {
        t.tx.execute(
            &format!(
                "INSERT INTO {} (id, address_code, updated_at) VALUES (?1, ?2, ?3)",
                kind.table()
            ),
            params![id, address_code, t.now],
        )?;
    }
    apply_fields(&t.tx, kind, &id, &changed, &hlc, t.now)?;
    let op = Op::EntityUpsert {
        kind,
        address_code: address_code.clone(),
        fields: changed.clone(),
        bases: Some(bases),
    };
    t.outbox(kind.as_str(), &id, &op, &hlc)?;
    let names: Vec<&String> = changed.keys().collect();
    t.audit(
        if existing.is_some() {
            "update"
        } else {
            "create"
        },
        kind.as_str(),
        &id,
        Some(&serde_json::json!({ "fields": names })),
    )?;
    Ok(id)
}

fn entity_columns(kind: EntityKind) -> String {
    kind.fields()
        .iter()
        .map(|f| format!("\"{}\"", f.name))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn load_entities(
    c: &Connection,
    kind: EntityKind,
    where_: &str,
    arg: &str,
) -> Result<Vec<Entity>> {
    let sql = format!(
        "SELECT id, address_code, deleted, updated_at, {} FROM {} WHERE {where_}",
        entity_columns(kind),
        kind.table()
    );
    let mut st = c.prepare_cached(&sql)?;
    let rows = st.query_map([arg], |r| {
        let mut fields = Map::new();
        for (i, f) in kind.fields().iter().enumerate() {
            let v: rusqlite::types::Value = r.get(4 + i)?;
            let j = match v {
                rusqlite::types::Value::Null => continue,
                rusqlite::types::Value::Integer(n) => Value::from(n),
                rusqlite::types::Value::Real(x) => Value::from(x),
                rusqlite::types::Value::Text(s) => Value::String(s),
                rusqlite::types::Value::Blob(_) => continue,
            };
            fields.insert(f.name.to_string(), j);
        }
        Ok(Entity {
            kind,
            id: r.get(0)?,
            address_code: r.get(1)?,
            deleted: r.get::<_, i64>(2)? != 0,
            updated_at: r.get(3)?,
            fields,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn load_entity(c: &Connection, kind: EntityKind, id: &str) -> Result<Option<Entity>> {
    Ok(load_entities(c, kind, "id = ?1", id)?.pop())
}

/// Write field values and their HLC stamps. Shared by local edits and sync merges.
/// A field's JSON value as its column holds it.
pub(crate) fn column_value(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Number(n) => rusqlite::types::Value::Integer(n.as_i64().unwrap_or(0)),
        Value::String(s) => rusqlite::types::Value::Text(s.clone()),
        other => rusqlite::types::Value::Text(other.to_string()),
    }
}

pub(crate) fn apply_fields(
    c: &Connection,
    kind: EntityKind,
    id: &str,
    fields: &Map<String, Value>,
    hlc: &Hlc,
    now: i64,
) -> Result<()> {
    let stamp = hlc.to_string();
    for (name, v) in fields {
        let spec = kind
            .field(name)
            .ok_or_else(|| Error::not_a_field(kind, name))?;
        let sql = format!(
            "UPDATE {} SET \"{}\" = ?2, updated_at = ?3 WHERE id = ?1",
            kind.table(),
            spec.name
        );
        c.prepare_cached(&sql)?
            .execute(params![id, column_value(v), now])?;
        c.prepare_cached(
            "INSERT INTO field_versions (entity, entity_id, field, hlc) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc",
        )?
        .execute(params![kind.as_str(), id, name, stamp])?;
    }
    Ok(())
}

/// An entity as `role` may see it (None if hidden or absent), identifiers masked.
pub(crate) fn for_role(
    c: &Connection,
    role: Role,
    kind: EntityKind,
    id: &str,
) -> Result<Option<Entity>> {
    Ok(load_entity(c, kind, id)?
        .and_then(|e| e.redacted_for(role))
        .map(shown))
}

/// The entity as shown before anyone reveals a value: every personal
/// identifier (ID number, phone) masked by the core's one rule (`FieldSpec::shown`).
pub(crate) fn shown(mut e: Entity) -> Entity {
    let kind = e.kind;
    for (name, v) in e.fields.iter_mut() {
        if let (Some(spec), Value::String(s)) = (kind.field(name), &*v)
            && spec.identifier().is_some()
        {
            *v = Value::String(spec.shown(s));
        }
    }
    e
}

/// One field's full value, for a role that may see personal data, with an audit
/// row naming who revealed which field of which entity (never the value).
/// None when the field is unset.
pub(crate) fn reveal(
    t: &mut Tx<'_>,
    kind: EntityKind,
    id: &str,
    field: &str,
) -> Result<Option<String>> {
    let role = t.me.role;
    let spec = crate::address::revealable(role, kind, field)?;
    let e = load_entity(&t.tx, kind, id)?
        .and_then(|e| e.redacted_for(role))
        .ok_or_else(|| Error::not_found(kind, id))?;
    let value = match e.fields.get(spec.name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    };
    t.audit(
        "reveal",
        kind.as_str(),
        id,
        Some(&serde_json::json!({ "field": spec.name })),
    )?;
    // The same record goes to the server's audit trail with the next sync.
    let op = crate::op::Op::PersonalDataRevealed {
        kind,
        field: spec.name.to_string(),
        at: t.now,
    };
    let hlc = t.stamp();
    super::outbox::queue(t, kind.as_str(), id, &op, &hlc)?;
    Ok(value)
}
