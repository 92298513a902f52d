//! Descriptive entities at an address (一标多实: households, people, rental units,
//! businesses): a per-field merge of pushed edits against the stored state, with
//! every concurrent overwrite kept in the conflict log.

use gridfield_core::hlc::Hlc;
use gridfield_core::i18n::Lang;
use gridfield_core::merge;
use gridfield_core::model::{self, EntityKind};
use gridfield_core::record::RecordKind;
use gridfield_core::wire::EntityState;
use serde_json::{Map, Value, json};

use super::{
    DeviceCtx, Error, Merged, Result, now_ms, out_of_scope, refuse, reject, unknown_address,
};
use crate::db::records::{self, EntityDoc, PendingPuts, Record};
use crate::db::{RowExt, Tx};
use crate::messages::Msg;

/// One pushed entity write: its fields, what each replaced on the device
/// (`bases`), the stamp it is judged with and the stamp the device gave it.
pub(crate) struct FieldWrite<'a> {
    pub fields: &'a Map<String, Value>,
    pub bases: Option<&'a Map<String, Value>>,
    pub stamp: &'a Hlc,
    pub orig: &'a str,
}

/// `known`: the entity's stored state if the batch already read it (`Some(None)`:
/// not stored yet); `None` reads it here. With `pending` the new state is put there
/// for the caller to store with others (`PendingPuts::flush`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn upsert_entity(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    kind: EntityKind,
    id: &str,
    address_code: &str,
    write: FieldWrite<'_>,
    known: Option<Option<Record>>,
    mut pending: Option<&mut PendingPuts>,
) -> Result<Merged> {
    if !dev.role.may_edit_entities() {
        return Err(refuse(
            "not_permitted",
            Msg::EntityEditNotPermitted {
                role: dev.role,
                kind,
            },
        ));
    }
    let mut clean = Map::new();
    for (k, v) in write.fields {
        match model::validate_field(kind, k, v) {
            Ok(v) => {
                clean.insert(k.clone(), v);
            }
            Err(e) => {
                return Err(reject(
                    "invalid_field",
                    e.message(Lang::Zh),
                    e.message(Lang::En),
                ));
            }
        }
    }
    if id.is_empty() || id.len() > 64 {
        return Err(Error::invalid(
            "invalid_op",
            "entity_id must be 1–64 characters",
        ));
    }
    let id = id.to_string();
    let rkind = RecordKind::from(kind);
    let existing = match known {
        Some(known) => known,
        None => records::get(tx, rkind, &id)?,
    };
    let is_new = existing.is_none();
    let (path, mut doc) = match existing {
        Some(r) => (r.grid_path.clone(), r.doc::<EntityDoc>()?),
        None => {
            let Some(path) = records::address_path(tx, address_code)? else {
                return Err(unknown_address());
            };
            let state = EntityState {
                kind,
                id: id.clone(),
                address_code: address_code.to_string(),
                fields: Map::new(),
                stamps: Map::new(),
                deleted: false,
            };
            (
                path,
                EntityDoc {
                    state,
                    meta: Map::new(),
                },
            )
        }
    };
    if !dev.covers(&path) {
        return Err(out_of_scope());
    }
    let seq_now = tx.next_seq()?;
    let mut merged = Merged::default();
    let mut changed = false;
    for (field, value) in clean {
        let old_value = doc.state.fields.get(&field).cloned().unwrap_or(Value::Null);
        let old_stamp = doc
            .state
            .stamps
            .get(&field)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let old_meta = doc.meta.get(&field).cloned().unwrap_or(Value::Null);
        let old_device = old_meta
            .get("device")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let old_orig = old_meta.get("orig").and_then(|v| v.as_str());
        let base = match write.bases {
            Some(b) => b.get(&field).and_then(|v| v.as_str()),
            // An app older than the causal merge sends no bases: a device
            // overwriting its own value saw it; anyone else's it may not have.
            None if old_device == dev.device_id => Some(old_stamp.as_str()),
            None => None,
        };
        let current = merge::Current {
            stamp: &old_stamp,
            orig: old_orig,
        };
        let stored_stamp = match merge::judge(Some(current), base, &write.stamp.to_string()) {
            merge::Verdict::Successor => {
                let cur: Option<Hlc> = old_stamp.parse().ok();
                Some(merge::successor_stamp(cur.as_ref(), write.stamp))
            }
            merge::Verdict::Concurrent { incoming_wins } => {
                if old_value != value {
                    let incoming = (&value, write.stamp.to_string(), dev.device_id.as_str());
                    let stored = (&old_value, old_stamp.clone(), old_device.as_str());
                    let (kept, lost) = if incoming_wins {
                        (incoming, stored)
                    } else {
                        (stored, incoming)
                    };
                    tx.execute(
                        "INSERT INTO conflicts (kind, entity_id, field, kept_value, kept_hlc, kept_device, lost_value, lost_hlc, lost_device, grid_path, at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                        &[
                            kind.as_str().into(),
                            id.as_str().into(),
                            field.as_str().into(),
                            kept.0.to_string().into(),
                            kept.1.as_str().into(),
                            kept.2.into(),
                            lost.0.to_string().into(),
                            lost.1.as_str().into(),
                            lost.2.into(),
                            path.as_str().into(),
                            now_ms().into(),
                        ],
                    )?;
                    merged.conflicts.push(field.clone());
                    if !incoming_wins {
                        merged.lost.push(field.clone());
                    }
                }
                incoming_wins.then(|| write.stamp.clone())
            }
        };
        if let Some(st) = stored_stamp {
            if old_value != value
                && let Some(spec) = kind.field(&field)
            {
                merged.changes.push(change(spec, &old_value, &value));
            }
            let st = st.to_string();
            let mut meta = json!({ "device": dev.device_id, "seq": seq_now });
            if st != write.orig {
                meta["orig"] = json!(write.orig);
            }
            doc.state.fields.insert(field.clone(), value);
            doc.state.stamps.insert(field.clone(), Value::String(st));
            doc.meta.insert(field, meta);
            changed = true;
        }
    }
    if changed || is_new {
        let addr = doc.state.address_code.clone();
        let body = records::to_body(&doc)?;
        match pending.as_deref_mut() {
            Some(p) => p.put_at(seq_now, rkind, &id, &path, Some(&addr), &body),
            None => {
                records::put_at(tx, seq_now, rkind, &id, &path, Some(&addr), &body)?;
            }
        }
    }
    if !changed && !merged.lost.is_empty() {
        // The device still shows its losing value: send it the current one (an
        // edit of it still held back is stored first).
        if let Some(p) = pending {
            p.flush(tx)?;
        }
        records::touch(tx, rkind, &id)?;
    }
    Ok(merged)
}

/// One changed field as an audit row keeps it: the values only where the core's
/// `FieldSpec::audit_value` keeps them (identifiers masked, no personal text).
fn change(spec: &model::FieldSpec, from: &Value, to: &Value) -> Value {
    let mut c = json!({ "field": spec.name });
    if let (Some(f), Some(t)) = (spec.audit_value(from), spec.audit_value(to)) {
        c["from"] = f;
        c["to"] = t;
    }
    c
}

/// The value a concurrent write overwrote (a conflict log row), made current
/// again for the console user in `dev`: a new write through the same per-field
/// merge a device's edit takes, having seen the current value, stamped by the
/// server's clock, so every device in scope receives it at its next pull. Who
/// may: `Role::may_resolve_conflicts`, for a record inside their scope.
pub(crate) fn keep_other(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    conflict_id: i64,
    stamp: &Hlc,
) -> Result<(EntityKind, String, Merged)> {
    let row = tx.query_one(
        "SELECT kind, entity_id, field, lost_value, grid_path FROM conflicts WHERE id = $1",
        &[conflict_id.into()],
    )?;
    let Some(row) = row else {
        return Err(out_of_scope());
    };
    let (kind, id, field) = (row.text(0)?, row.text(1)?, row.text(2)?);
    if !dev.covers(&row.text(4)?) {
        return Err(out_of_scope());
    }
    let kind = EntityKind::parse(&kind).ok_or_else(out_of_scope)?;
    if !dev.role.may_resolve_conflicts() {
        let role = dev.role;
        return Err(refuse(
            "not_permitted",
            Msg::EntityEditNotPermitted { role, kind },
        ));
    }
    let value: Value = row
        .opt_text(3)
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or(Value::Null);
    let record = records::get(tx, kind.into(), &id)?.ok_or_else(out_of_scope)?;
    if !dev.covers(&record.grid_path) {
        return Err(out_of_scope());
    }
    let doc = record.doc::<EntityDoc>()?;
    let address = doc.state.address_code.clone();
    let mut fields = Map::new();
    fields.insert(field.clone(), value);
    let mut bases = Map::new();
    if let Some(seen) = doc.state.stamps.get(&field) {
        bases.insert(field.clone(), seen.clone());
    }
    let orig = stamp.to_string();
    let write = FieldWrite {
        fields: &fields,
        bases: Some(&bases),
        stamp,
        orig: &orig,
    };
    let merged = upsert_entity(tx, dev, kind, &id, &address, write, None, None)?;
    Ok((kind, id, merged))
}

/// A phone's record that it showed a full personal value (`Op::PersonalDataRevealed`):
/// judged by the core's `address::revealable` for the device's role, the entity
/// must be in the device's scope, and the reveal joins the audit trail as the
/// console's own reveals do (who, which record and field, when on the phone;
/// never the value).
pub(crate) fn record_reveal(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    kind: EntityKind,
    id: &str,
    field: &str,
    at: i64,
) -> Result<Merged> {
    let spec = gridfield_core::address::revealable(dev.role, kind, field).map_err(|e| {
        let code = if e.code() == "not_permitted" {
            "not_permitted"
        } else {
            "invalid_field"
        };
        reject(code, e.message(Lang::Zh), e.message(Lang::En))
    })?;
    let Some(record) = records::get(tx, kind.into(), id)? else {
        return Err(out_of_scope());
    };
    if !dev.covers(&record.grid_path) {
        return Err(out_of_scope());
    }
    super::audit::audit(
        tx,
        &dev.user,
        Some(&dev.device_id),
        "reveal",
        kind.as_str(),
        id,
        Some(&json!({ "field": spec.name, "at": at })),
    )?;
    Ok(Merged::default())
}

#[cfg(test)]
mod tests {
    use gridfield_core::role::Role;

    use super::*;
    use crate::db::Db;

    /// A store holding one logged conflict in grid `/a/b/` (its record absent:
    /// every refusal comes before the record is read).
    fn with_conflict() -> (tempfile::TempDir, Db, i64) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("s.db").display().to_string()).unwrap();
        let id = db
            .write_as(|tx| {
                tx.execute(
                    "INSERT INTO conflicts (kind, entity_id, field, kept_value, kept_hlc, kept_device, lost_value, lost_hlc, lost_device, grid_path, at)
                     VALUES ('person', 'p1', 'phone', '\"13700001111\"', 'h2', 'd2', '\"13912345678\"', 'h1', 'd1', '/a/b/', 1)",
                    &[],
                )?;
                let r = tx.query_one("SELECT id FROM conflicts", &[])?.unwrap();
                Ok::<_, Error>(r.int(0)?)
            })
            .unwrap();
        (dir, db, id)
    }

    fn keep(db: &Db, role: Role, path: &str, id: i64) -> Result<()> {
        let dev = DeviceCtx::console("u", role, "g", path);
        let stamp: Hlc = "0000000000001-000000-srv".parse().unwrap();
        db.write_as(|tx| keep_other(tx, &dev, id, &stamp).map(|_| ()))
    }

    fn code(r: Result<()>) -> &'static str {
        match r {
            Err(Error::Refused(r)) => r.code,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn only_supervisors_and_admins_of_the_grid_keep_the_other_value() {
        let (_dir, db, id) = with_conflict();
        for role in [Role::Volunteer, Role::Worker, Role::Department] {
            assert_eq!(
                code(keep(&db, role, "/a/", id)),
                "not_permitted",
                "{role:?}"
            );
        }
        for role in [Role::Supervisor, Role::Admin] {
            assert_eq!(
                code(keep(&db, role, "/a/c/", id)),
                "out_of_scope",
                "{role:?}"
            );
        }
        assert_eq!(
            code(keep(&db, Role::Supervisor, "/a/", id + 1)),
            "out_of_scope"
        );
        let written = db
            .read_as(|tx| {
                let n = tx.query_one("SELECT COUNT(*) FROM records", &[])?.unwrap();
                Ok::<_, Error>(n.int(0)?)
            })
            .unwrap();
        assert_eq!(written, 0, "a refusal writes nothing");
    }
}
