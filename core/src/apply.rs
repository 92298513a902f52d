//! Applying pulled changes to the local store. A page of the server's change feed
//! is applied in one transaction together with the cursor that follows it, so a
//! cut connection or a crash loses at most that page, and a page that cannot be
//! applied changes nothing.
//!
//! Remote changes are not local edits: they write neither outbox nor audit rows.
//! Descriptive entities merge per field by HLC stamp; workflow records (inspections,
//! hazards, reports) take the server's version unless this device still has an
//! unpushed operation on the record, in which case the next round brings it.

use std::collections::HashSet;

use rusqlite::params;
use serde_json::{Map, Value};

use crate::checklist::ChecklistTemplate;
use crate::clock::hlc::Hlc;
use crate::error::Result;
use crate::records::{Hazard, HazardEvent, Inspection, Op, Report};
use crate::store::{self, Store, Tx};
use crate::wire::{Change, EntityState};

/// device_meta key of the pull cursor (opaque, from the server).
pub(crate) const META_CURSOR: &str = "sync_cursor";
/// Set while a full re-pull runs that ends by dropping what the server lacks.
const META_REPULL: &str = "repull";

impl Store {
    /// Apply one page of pulled changes and save `cursor`, all in one transaction.
    /// Returns how many changes were applied (records with a pending local
    /// operation are skipped). Reference data is applied first within the page,
    /// so a record never fails only because its template or address came later
    /// in the same page.
    pub(crate) fn apply_page(&self, changes: &[Change], cursor: &str) -> Result<u64> {
        let mut ordered: Vec<&Change> = changes.iter().collect();
        ordered.sort_by_key(|c| rank(c)); // stable: same-kind changes keep feed order
        let page_grids: HashSet<&str> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Grid { grid } => Some(grid.code.as_str()),
                _ => None,
            })
            .collect();
        self.write(|t| {
            let repull = store::meta::meta_get(&t.tx, META_REPULL)?.is_some();
            let mut applied = 0u64;
            for c in ordered {
                if repull && let Some((entity, id)) = record_key(c) {
                    t.tx.prepare_cached(
                        "INSERT OR IGNORE INTO repull_seen (entity, entity_id) VALUES (?1, ?2)",
                    )?
                    .execute(params![entity, id])?;
                }
                if apply_change(t, c, &page_grids)? {
                    applied += 1;
                }
            }
            store::meta::meta_put(&t.tx, META_CURSOR, cursor)?;
            Ok(applied)
        })
    }

    /// Pull everything again from the start, and when that pull ends drop the
    /// records the server no longer has ([`Store::finish_repull`]).
    pub(crate) fn start_repull(&self) -> Result<()> {
        self.write(|t| {
            t.tx.execute("DELETE FROM device_meta WHERE key = ?1", [META_CURSOR])?;
            t.tx.execute("DELETE FROM repull_seen", [])?;
            store::meta::meta_put(&t.tx, META_REPULL, "1")
        })
    }

    /// After a complete re-pull: drop local records the server did not send,
    /// except what this device still needs — anything queued, drafts never sent,
    /// records the server refused (the worker must see them), and inspections a
    /// kept hazard came from. Their owners re-upload what the server lost.
    /// Returns how many records were dropped.
    pub(crate) fn finish_repull(&self) -> Result<u64> {
        if self
            .read(|c| store::meta::meta_get(c, META_REPULL))?
            .is_none()
        {
            return Ok(0);
        }
        self.write(|t| {
            let keep = |entity: &str| {
                format!(
                    "id NOT IN (SELECT entity_id FROM repull_seen WHERE entity = '{entity}')
                     AND id NOT IN (SELECT entity_id FROM outbox WHERE entity = '{entity}')"
                )
            };
            let mut dropped = 0;
            let gone_hazards = format!(
                "SELECT id FROM hazards WHERE {} AND delivery NOT IN ('local', 'rejected')",
                keep("hazard")
            );
            t.tx.execute(
                &format!("DELETE FROM hazard_events WHERE hazard_id IN ({gone_hazards})"),
                [],
            )?;
            dropped += t
                .tx
                .execute(&format!("DELETE FROM hazards WHERE id IN ({gone_hazards})"), [])?;
            dropped += t.tx.execute(
                &format!(
                    "DELETE FROM inspections WHERE {} AND delivery NOT IN ('local', 'rejected')
                     AND id NOT IN (SELECT source_inspection FROM hazards WHERE source_inspection IS NOT NULL)",
                    keep("inspection")
                ),
                [],
            )?;
            dropped += t.tx.execute(
                &format!(
                    "DELETE FROM reports WHERE {} AND delivery NOT IN ('local', 'rejected')",
                    keep("report")
                ),
                [],
            )?;
            for kind in crate::model::EntityKind::ALL {
                let k = kind.as_str();
                let gone = format!(
                    "SELECT id FROM {} WHERE {} AND id NOT IN
                       (SELECT entity_id FROM audit_log WHERE entity = '{k}' AND action = 'rejected')",
                    kind.table(),
                    keep(k)
                );
                t.tx.execute(
                    &format!(
                        "DELETE FROM field_versions WHERE entity = '{k}' AND entity_id IN ({gone})"
                    ),
                    [],
                )?;
                dropped += t.tx.execute(
                    &format!("DELETE FROM {} WHERE id IN ({gone})", kind.table()),
                    [],
                )?;
            }
            t.tx.execute("DELETE FROM repull_seen", [])?;
            t.tx.execute("DELETE FROM device_meta WHERE key = ?1", [META_REPULL])?;
            if dropped > 0 {
                t.audit(
                    "replica_reconciled",
                    "device",
                    &t.me.device_id,
                    Some(&serde_json::json!({ "dropped": dropped })),
                )?;
            }
            Ok(dropped as u64)
        })
    }

    /// The pull cursor saved with the last applied page.
    pub fn sync_cursor(&self) -> Result<Option<String>> {
        self.read(|c| store::meta::meta_get(c, META_CURSOR))
    }
}

/// The local record a change is about (reference data aside).
fn record_key(c: &Change) -> Option<(&'static str, &str)> {
    match c {
        Change::Entity { entity } => Some((entity.kind.as_str(), entity.id.as_str())),
        Change::Inspection { inspection } => Some(("inspection", inspection.id.as_str())),
        Change::Hazard { hazard, .. } => Some(("hazard", hazard.id.as_str())),
        Change::Report { report } => Some(("report", report.id.as_str())),
        Change::Grid { .. } | Change::Address { .. } | Change::Template { .. } => None,
    }
}

fn rank(c: &Change) -> u8 {
    match c {
        Change::Template { .. } => 0,
        Change::Grid { .. } => 1,
        Change::Address { .. } => 2,
        Change::Entity { .. } => 3,
        Change::Inspection { .. } => 4,
        Change::Hazard { .. } => 5,
        Change::Report { .. } => 6,
    }
}

/// Apply one change; false when it was skipped for a pending local operation.
fn apply_change(t: &mut Tx<'_>, c: &Change, page_grids: &HashSet<&str>) -> Result<bool> {
    match c {
        Change::Grid { grid: g } => {
            // The scope's root arrives with its parent's code, but the parent lies
            // outside this device's scope: keep the grid, without the dangling link.
            let parent = match g.parent_code.as_deref() {
                Some(p)
                    if page_grids.contains(p)
                        || t.tx
                            .prepare_cached("SELECT 1 FROM grids WHERE code = ?1")?
                            .exists([p])? =>
                {
                    Some(p)
                }
                _ => None,
            };
            t.tx.prepare_cached(
                "INSERT INTO grids (code, name, level, parent_code) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(code) DO UPDATE SET name=excluded.name, level=excluded.level, parent_code=excluded.parent_code",
            )?
            .execute(params![g.code, g.name, g.level, parent])?;
        }
        Change::Address { address: a } => {
            // A plate moved to another address: the older holder's update follows in
            // the feed; free the serial now so the unique index does not refuse the page.
            if let Some(serial) = &a.plate_serial {
                t.tx.prepare_cached("UPDATE addresses SET plate_serial = NULL WHERE plate_serial = ?1 AND code <> ?2")?
                    .execute(params![serial, a.code])?;
            }
            t.tx.prepare_cached(
                "INSERT INTO addresses (code, grid_code, full_text, street, number, building, unit, room, plate_serial, lat, lon, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT(code) DO UPDATE SET grid_code=excluded.grid_code, full_text=excluded.full_text,
                   street=excluded.street, number=excluded.number, building=excluded.building, unit=excluded.unit,
                   room=excluded.room, plate_serial=excluded.plate_serial, lat=excluded.lat, lon=excluded.lon,
                   updated_at=excluded.updated_at",
            )?
            .execute(params![
                a.code, a.grid_code, a.full_text, a.street, a.number, a.building, a.unit, a.room, a.plate_serial, a.lat,
                a.lon, t.now
            ])?;
        }
        Change::Template { body } => {
            let tpl = ChecklistTemplate::from_json(&body.to_string())?;
            store::templates::insert_template(&t.tx, &tpl)?;
        }
        Change::Entity { entity } => apply_entity(t, entity)?,
        Change::Inspection { inspection } => {
            if pending_local(t, "inspection", &inspection.id)? {
                return Ok(false);
            }
            upsert_inspection(t, inspection)?;
        }
        Change::Hazard { hazard, events } => {
            if pending_local(t, "hazard", &hazard.id)? {
                return Ok(false);
            }
            upsert_hazard(t, hazard, events)?;
        }
        Change::Report { report } => {
            if pending_local(t, "report", &report.id)? {
                return Ok(false);
            }
            upsert_report(t, report)?;
        }
    }
    Ok(true)
}

/// Whether the outbox still holds a local operation on this record.
fn pending_local(t: &Tx<'_>, entity: &str, id: &str) -> Result<bool> {
    Ok(t.tx
        .prepare_cached("SELECT 1 FROM outbox WHERE entity = ?1 AND entity_id = ?2 LIMIT 1")?
        .exists(params![entity, id])?)
}

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
fn apply_entity(t: &mut Tx<'_>, e: &EntityState) -> Result<()> {
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

/// `INSERT … ON CONFLICT(id) DO UPDATE SET` every column but the key.
fn upsert_sql(table: &str, cols: &[&str]) -> String {
    let names = cols.join(", ");
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let sets: Vec<String> = cols
        .iter()
        .skip(1)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} ({names}) VALUES ({}) ON CONFLICT({}) DO UPDATE SET {}",
        marks.join(", "),
        cols[0],
        sets.join(", ")
    )
}

const INSPECTION_COLS: &[&str] = &[
    "id",
    "template_id",
    "template_version",
    "address_code",
    "subject_kind",
    "subject_id",
    "inspector",
    "device_id",
    "started_at",
    "finished_at",
    "lat",
    "lon",
    "answers",
    "photos",
    "score",
    "passed",
    "vetoed",
    "review_status",
    "review_comment",
    "reviewed_by",
    "reviewed_at",
    "updated_at",
    "delivery",
];

fn upsert_inspection(t: &Tx<'_>, i: &Inspection) -> Result<()> {
    t.tx.prepare_cached(&upsert_sql("inspections", INSPECTION_COLS))?
        .execute(params![
            i.id,
            i.template_id,
            i.template_version,
            i.address_code,
            i.subject_kind.map(|k| k.as_str()),
            i.subject_id,
            i.inspector,
            i.device_id,
            i.started_at,
            i.finished_at,
            i.location.map(|l| l.lat),
            i.location.map(|l| l.lon),
            serde_json::to_string(&i.answers)?,
            serde_json::to_string(&i.photos)?,
            i.score,
            i.passed,
            i.vetoed,
            i.review_status.as_str(),
            i.review_comment,
            i.reviewed_by,
            i.reviewed_at,
            t.now,
            i.delivery.as_str(),
        ])?;
    Ok(())
}

const HAZARD_COLS: &[&str] = &[
    "id",
    "address_code",
    "category",
    "severity",
    "description",
    "status",
    "assignee",
    "deadline",
    "photos",
    "source_inspection",
    "source_item",
    "source_report",
    "reported_by",
    "created_at",
    "updated_at",
    "delivery",
];

const EVENT_COLS: &[&str] = &[
    "id",
    "hazard_id",
    "action",
    "from_status",
    "to_status",
    "actor",
    "device_id",
    "at",
    "note",
    "photos",
    "assignee",
    "deadline",
];

fn upsert_hazard(t: &Tx<'_>, h: &Hazard, events: &[HazardEvent]) -> Result<()> {
    // The inspection that raised a hazard may not be on this device (volunteers
    // never receive inspections); keep the hazard, drop the dangling link.
    let source_inspection = match &h.source_inspection {
        Some(id)
            if t.tx
                .prepare_cached("SELECT 1 FROM inspections WHERE id = ?1")?
                .exists([id])? =>
        {
            Some(id.as_str())
        }
        _ => None,
    };
    t.tx.prepare_cached(&upsert_sql("hazards", HAZARD_COLS))?
        .execute(params![
            h.id,
            h.address_code,
            h.category,
            h.severity.as_str(),
            h.description,
            h.status.as_str(),
            h.assignee,
            h.deadline,
            serde_json::to_string(&h.photos)?,
            source_inspection,
            h.source_item,
            h.source_report,
            h.reported_by,
            h.created_at,
            h.updated_at,
            h.delivery.as_str(),
        ])?;
    t.tx.prepare_cached("DELETE FROM hazard_events WHERE hazard_id = ?1")?
        .execute([&h.id])?;
    let mut st =
        t.tx.prepare_cached(&upsert_sql("hazard_events", EVENT_COLS))?;
    for e in events {
        st.execute(params![
            e.id,
            h.id,
            // The first event of a hazard is its report, stored as such (see store::insert_event).
            e.action.map(|a| a.as_str()).unwrap_or("report"),
            e.from_status.map(|s| s.as_str()),
            e.to_status.as_str(),
            e.actor,
            e.device_id,
            e.at,
            e.note,
            serde_json::to_string(&e.photos)?,
            e.assignee,
            e.deadline,
        ])?;
    }
    Ok(())
}

const REPORT_COLS: &[&str] = &[
    "id",
    "address_code",
    "address_text",
    "text",
    "photos",
    "reporter",
    "device_id",
    "status",
    "points",
    "decision_note",
    "hazard_id",
    "created_at",
    "updated_at",
    "delivery",
];

fn upsert_report(t: &Tx<'_>, r: &Report) -> Result<()> {
    t.tx.prepare_cached(&upsert_sql("reports", REPORT_COLS))?
        .execute(params![
            r.id,
            r.address_code,
            r.address_text,
            r.text,
            serde_json::to_string(&r.photos)?,
            r.reporter,
            r.device_id,
            r.status.as_str(),
            r.points,
            r.decision_note,
            r.hazard_id,
            r.created_at,
            t.now,
            r.delivery.as_str(),
        ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Severity;
    use crate::hazard::{HazardAction, HazardStatus};
    use crate::model::{Address, EntityKind, Grid, ReportStatus, ReviewStatus, Role};
    use crate::records::Delivery;
    use crate::store::db::DbKey;
    use crate::store::{Identity, NewHazard};
    use serde_json::json;

    const GRID: &str = "g1";
    const ADDR: &str = "a1";
    const T0: i64 = 1_700_000_000_000;

    fn store(dir: &std::path::Path) -> Store {
        let id = Identity {
            device_id: "dev1".into(),
            user: "张三".into(),
            role: Role::Worker,
            grid_scope: GRID.into(),
        };
        let mut s = Store::init(dir, &DbKey::generate().unwrap(), id).unwrap();
        s.set_clock(|| T0);
        s
    }

    fn grid(code: &str) -> Change {
        Change::Grid {
            grid: Grid {
                code: code.into(),
                name: "示范网格".into(),
                level: 3,
                parent_code: None,
            },
        }
    }

    fn address(code: &str) -> Change {
        Change::Address {
            address: Address {
                code: code.into(),
                grid_code: GRID.into(),
                full_text: "建设路12号3栋2单元501室".into(),
                street: Some("建设路".into()),
                number: Some("12号".into()),
                building: None,
                unit: None,
                room: None,
                plate_serial: Some(format!("P-{code}")),
                lat: None,
                lon: None,
            },
        }
    }

    fn stamp(wall: i64) -> String {
        Hlc {
            wall_ms: wall,
            counter: 0,
            node: "server".into(),
        }
        .to_string()
    }

    fn household(id: &str, fields: Value, stamps: Value) -> Change {
        Change::Entity {
            entity: EntityState {
                kind: EntityKind::Household,
                id: id.into(),
                address_code: ADDR.into(),
                fields: fields.as_object().unwrap().clone(),
                stamps: stamps.as_object().unwrap().clone(),
                deleted: false,
            },
        }
    }

    fn with_reference_data(s: &Store) {
        assert_eq!(s.apply_page(&[grid(GRID), address(ADDR)], "c0").unwrap(), 2);
    }

    #[test]
    fn page_with_grid_address_and_entity_applies() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        // Entity first, reference data after: the page is ordered before applying.
        let page = [
            household(
                "h1",
                json!({"head_name": "李四", "members": 3}),
                json!({"head_name": stamp(T0 - 5), "members": stamp(T0 - 5)}),
            ),
            address(ADDR),
            grid(GRID),
        ];
        assert_eq!(s.apply_page(&page, "c1").unwrap(), 3);
        assert_eq!(s.grid(GRID).unwrap().unwrap().name, "示范网格");
        assert_eq!(
            s.address(ADDR).unwrap().unwrap().plate_serial.as_deref(),
            Some("P-a1")
        );
        let e = s.entity(EntityKind::Household, "h1").unwrap().unwrap();
        assert_eq!(e.fields["head_name"], "李四");
        assert_eq!(e.fields["members"], 3);
        assert_eq!(s.sync_cursor().unwrap().as_deref(), Some("c1"));
        // Remote changes are not local edits.
        assert_eq!(s.outbox_len().unwrap(), 0);
        assert_eq!(s.audit_len().unwrap(), 0);
        // Searchable like imported addresses.
        assert_eq!(s.search_addresses("建设路12号", 5).unwrap().len(), 1);
    }

    #[test]
    fn a_grid_whose_parent_is_out_of_scope_keeps_no_dangling_link() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let child = Grid {
            code: "g1a".into(),
            name: "子网格".into(),
            level: 4,
            parent_code: Some(GRID.into()),
        };
        let root = Grid {
            code: GRID.into(),
            name: "示范网格".into(),
            level: 3,
            parent_code: Some("out-of-scope".into()),
        };
        // Child before its parent in the same page is fine; the root's parent is not here.
        let page = [
            Change::Grid {
                grid: child.clone(),
            },
            Change::Grid { grid: root },
        ];
        assert_eq!(s.apply_page(&page, "c1").unwrap(), 2);
        assert_eq!(s.grid(GRID).unwrap().unwrap().parent_code, None);
        assert_eq!(s.grid("g1a").unwrap().unwrap(), child);
        assert!(s.in_scope("g1a").unwrap());
    }

    #[test]
    fn a_pull_never_undoes_a_queued_field_but_takes_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        with_reference_data(&s);
        let mut f = Map::new();
        f.insert("head_name".into(), json!("本地名"));
        f.insert("members".into(), json!(2));
        let id = s
            .put_entity(EntityKind::Household, None, Some(ADDR), &f)
            .unwrap();
        assert_eq!(s.outbox_len().unwrap(), 1);
        // head_name and members are queued here: kept, whatever the incoming stamps
        // (the server judges them at the next push). phone is not queued → taken.
        let newer = T0 + 60_000;
        let page = [household(
            &id,
            json!({"head_name": "旧名", "members": 5, "phone": "13800000000"}),
            json!({"head_name": stamp(T0 - 60_000), "members": stamp(newer), "phone": stamp(T0 - 60_000)}),
        )];
        s.apply_page(&page, "c2").unwrap();
        let e = s.entity(EntityKind::Household, &id).unwrap().unwrap();
        assert_eq!(e.fields["head_name"], "本地名");
        assert_eq!(e.fields["members"], 2);
        assert_eq!(e.fields["phone"], "13800000000");
        let stored: String = s
            .read(|c| {
                Ok(c.query_row(
                    "SELECT hlc FROM field_versions WHERE entity='household' AND entity_id=?1 AND field='members'",
                    [&id],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert!(
            stored < stamp(newer),
            "the queued write keeps its own stamp"
        );
        // The incoming stamp was observed: the next local edit orders after it.
        let mut g = Map::new();
        g.insert("members".into(), json!(6));
        s.put_entity(EntityKind::Household, Some(&id), None, &g)
            .unwrap();
        let after: Hlc = s
            .read(|c| {
                Ok(c.query_row(
                    "SELECT hlc FROM field_versions WHERE entity='household' AND entity_id=?1 AND field='members'",
                    [&id],
                    |r| r.get::<_, String>(0),
                )?)
            })
            .unwrap()
            .parse()
            .unwrap();
        assert!(after > stamp(newer).parse().unwrap());
    }

    fn server_hazard(id: &str, status: HazardStatus) -> (Box<Hazard>, Vec<HazardEvent>) {
        let h = Hazard {
            id: id.into(),
            address_code: ADDR.into(),
            category: "fire_exit_blocked".into(),
            severity: Severity::High,
            description: "服务器版本".into(),
            status,
            assignee: Some("王五".into()),
            deadline: Some(T0 + 86_400_000),
            photos: vec![],
            source_inspection: Some("not-on-this-device".into()),
            source_item: None,
            source_report: None,
            reported_by: "张三".into(),
            created_at: T0,
            updated_at: T0 + 1000,
            delivery: Delivery::Server,
            overdue: false,
        };
        let ev = |eid: &str, action: Option<HazardAction>, to: HazardStatus| HazardEvent {
            id: eid.into(),
            hazard_id: id.into(),
            action,
            from_status: action.map(|_| HazardStatus::Reported),
            to_status: to,
            actor: "王五".into(),
            device_id: "srv".into(),
            at: T0 + 1000,
            note: None,
            photos: vec![],
            assignee: Some("王五".into()),
            deadline: None,
        };
        let events = vec![
            ev("e1", None, HazardStatus::Reported),
            ev("e2", Some(HazardAction::Assign), status),
        ];
        (Box::new(h), events)
    }

    #[test]
    fn hazard_with_pending_local_op_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        with_reference_data(&s);
        let id = s
            .create_hazard(&NewHazard {
                address_code: ADDR.into(),
                category: "fire_exit_blocked".into(),
                severity: Severity::Medium,
                description: "本机版本".into(),
                photos: vec![],
                deadline: None,
            })
            .unwrap();
        let (h, events) = server_hazard(&id, HazardStatus::Assigned);
        let page = [Change::Hazard {
            hazard: h.clone(),
            events: events.clone(),
        }];
        assert_eq!(s.apply_page(&page, "c3").unwrap(), 0);
        let local = s.hazard(&id).unwrap();
        assert_eq!(local.hazard.description, "本机版本");
        assert_eq!(local.hazard.status, HazardStatus::Reported);
        assert_eq!(local.hazard.delivery, Delivery::Local);
        assert_eq!(local.events.len(), 1);
        assert_eq!(s.sync_cursor().unwrap().as_deref(), Some("c3"));

        // Once pushed (outbox drained), the server's version replaces it, events too.
        s.write(|t| Ok(t.tx.execute("DELETE FROM outbox", [])?))
            .unwrap();
        assert_eq!(s.apply_page(&page, "c4").unwrap(), 1);
        let d = s.hazard(&id).unwrap();
        assert_eq!(d.hazard.description, "服务器版本");
        assert_eq!(d.hazard.status, HazardStatus::Assigned);
        assert_eq!(d.hazard.delivery, Delivery::Server);
        assert_eq!(d.hazard.source_inspection, None, "dangling link dropped");
        assert_eq!(
            d.events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["e1", "e2"]
        );
        assert_eq!(d.events[0].action, None);
        assert_eq!(d.events[1].action, Some(HazardAction::Assign));
    }

    #[test]
    fn reports_and_inspections_take_the_server_version() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        with_reference_data(&s);
        let tpl = crate::checklist::builtin_templates().remove(0);
        let insp = Inspection {
            id: "i1".into(),
            template_id: tpl.id.clone(),
            template_version: tpl.version,
            address_code: ADDR.into(),
            subject_kind: None,
            subject_id: None,
            inspector: "张三".into(),
            device_id: "dev2".into(),
            started_at: T0,
            finished_at: Some(T0 + 10),
            location: None,
            answers: Default::default(),
            photos: Default::default(),
            score: Some(90),
            passed: Some(true),
            vetoed: Some(false),
            review_status: ReviewStatus::Returned,
            review_comment: Some("补拍照片".into()),
            reviewed_by: Some("李组长".into()),
            reviewed_at: Some(T0 + 20),
            delivery: Delivery::Reviewed,
        };
        let report = Report {
            id: "r1".into(),
            address_code: ADDR.into(),
            address_text: "建设路12号".into(),
            text: "楼道堆放杂物".into(),
            photos: vec![],
            reporter: "志愿者".into(),
            device_id: "dev3".into(),
            status: ReportStatus::Accepted,
            points: 5,
            decision_note: None,
            hazard_id: None,
            created_at: T0,
            delivery: Delivery::Reviewed,
        };
        let page = [
            Change::Report {
                report: Box::new(report.clone()),
            },
            Change::Inspection {
                inspection: Box::new(insp.clone()),
            },
        ];
        assert_eq!(s.apply_page(&page, "c5").unwrap(), 2);
        assert_eq!(s.inspection("i1").unwrap(), insp);
        assert_eq!(s.reports().unwrap(), vec![report]);
    }

    #[test]
    fn failing_change_applies_nothing_and_keeps_the_cursor() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        with_reference_data(&s);
        assert_eq!(s.sync_cursor().unwrap().as_deref(), Some("c0"));
        let hlc_before: Option<String> = s
            .read(|c| store::meta::meta_get(c, store::meta::META_HLC))
            .unwrap();
        let bad = Inspection {
            id: "i-bad".into(),
            template_id: "no_such_template".into(),
            template_version: 1,
            address_code: ADDR.into(),
            subject_kind: None,
            subject_id: None,
            inspector: "张三".into(),
            device_id: "dev2".into(),
            started_at: T0,
            finished_at: None,
            location: None,
            answers: Default::default(),
            photos: Default::default(),
            score: None,
            passed: None,
            vetoed: None,
            review_status: ReviewStatus::Submitted,
            review_comment: None,
            reviewed_by: None,
            reviewed_at: None,
            delivery: Delivery::Server,
        };
        let page = [
            grid("g2"),
            household(
                "h9",
                json!({"head_name": "赵六"}),
                json!({"head_name": stamp(T0 + 3_600_000)}),
            ),
            Change::Inspection {
                inspection: Box::new(bad),
            },
            address("a2"),
        ];
        assert!(s.apply_page(&page, "c-next").is_err());
        assert_eq!(s.sync_cursor().unwrap().as_deref(), Some("c0"));
        assert!(s.grid("g2").unwrap().is_none());
        assert!(s.address("a2").unwrap().is_none());
        assert!(s.entity(EntityKind::Household, "h9").unwrap().is_none());
        // The clock did not move either.
        assert_eq!(
            s.read(|c| store::meta::meta_get(c, store::meta::META_HLC))
                .unwrap(),
            hlc_before
        );
    }

    #[test]
    fn a_template_in_the_same_page_comes_first() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        with_reference_data(&s);
        let mut tpl = crate::checklist::builtin_templates().remove(0);
        tpl.version = 99;
        let insp = Inspection {
            id: "i2".into(),
            template_id: tpl.id.clone(),
            template_version: 99,
            address_code: ADDR.into(),
            subject_kind: None,
            subject_id: None,
            inspector: "张三".into(),
            device_id: "dev2".into(),
            started_at: T0,
            finished_at: None,
            location: None,
            answers: Default::default(),
            photos: Default::default(),
            score: None,
            passed: None,
            vetoed: None,
            review_status: ReviewStatus::Submitted,
            review_comment: None,
            reviewed_by: None,
            reviewed_at: None,
            delivery: Delivery::Server,
        };
        let body: Value = serde_json::from_str(&tpl.to_json()).unwrap();
        let page = [
            Change::Inspection {
                inspection: Box::new(insp),
            },
            Change::Template { body },
        ];
        assert_eq!(s.apply_page(&page, "c6").unwrap(), 2);
        assert_eq!(s.template(&tpl.id, Some(99)).unwrap().version, 99);
        assert_eq!(s.inspection("i2").unwrap().template_version, 99);
    }
}
