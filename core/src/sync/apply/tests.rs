//! Applying pulled pages: order within a page, scope, queued local edits kept,
//! server versions of workflow records, all-or-nothing pages.

use serde_json::{Map, Value};

use super::*;
use crate::checklist::Severity;
use crate::clock::hlc::Hlc;
use crate::hazard::{HazardAction, HazardStatus};
use crate::model::{Address, EntityKind, Grid, ReportStatus, ReviewStatus, Role};
use crate::records::Delivery;
use crate::records::{Hazard, HazardEvent, Inspection, Report};
use crate::store::db::DbKey;
use crate::store::{Identity, NewHazard};
use crate::wire::EntityState;
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
    assert_eq!(e.fields["phone"], "138****0000");
    assert_eq!(
        s.reveal_field(EntityKind::Household, &id, "phone").unwrap(),
        Some("13800000000".into())
    );
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
        location: None,
        id: id.into(),
        address_code: ADDR.into(),
        category: "fire.escape_blocked".into(),
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
            location: None,
            address_code: ADDR.into(),
            category: "fire.escape_blocked".into(),
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
        location: None,
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
        source: Default::default(),
        contact_phone: None,
        category: None,
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

/// Every column and stamp of the descriptive entities a store holds.
fn entity_rows(s: &Store) -> Vec<String> {
    s.read(|c| {
        let mut out = Vec::new();
        for kind in EntityKind::ALL {
            let mut st = c.prepare(&format!("SELECT * FROM {} ORDER BY id", kind.table()))?;
            let n = st.column_count();
            let rows = st.query_map([], |r| {
                (0..n)
                    .map(|i| Ok(format!("{:?}", r.get::<_, rusqlite::types::Value>(i)?)))
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|v| v.join("|"))
            })?;
            for r in rows {
                out.push(format!("{}: {}", kind.as_str(), r?));
            }
        }
        let mut st = c.prepare(
            "SELECT entity || '|' || entity_id || '|' || field || '|' || hlc FROM field_versions ORDER BY 1",
        )?;
        for r in st.query_map([], |r| r.get::<_, String>(0))? {
            out.push(r?);
        }
        Ok(out)
    })
    .unwrap()
}

/// The bootstrap's whole-row write of an entity (`Target::Build`) leaves what
/// the pull's field-by-field merge leaves in an empty store: every column of
/// every kind, the stamps, a later version of the same entity, a deletion.
#[test]
fn an_entity_built_whole_equals_one_merged_field_by_field() {
    let entity = |kind: EntityKind, id: &str, tag: &str, wall: i64, deleted: bool| {
        let mut fields = Map::new();
        let mut stamps = Map::new();
        for (i, spec) in kind.fields().iter().enumerate() {
            let v = if i % 3 == 2 {
                json!(i as i64 + wall % 7)
            } else {
                json!(format!("{tag}-{}", spec.name))
            };
            fields.insert(spec.name.into(), v);
            stamps.insert(spec.name.into(), json!(stamp(wall + i as i64)));
        }
        // A field of a newer server: ignored by both.
        fields.insert("from_the_future".into(), json!("x"));
        Change::Entity {
            entity: EntityState {
                kind,
                id: id.into(),
                address_code: ADDR.into(),
                fields,
                stamps,
                deleted,
            },
        }
    };
    let mut page = vec![grid(GRID), address(ADDR)];
    for kind in EntityKind::ALL {
        page.push(entity(
            kind,
            &format!("{}-1", kind.as_str()),
            "one",
            T0,
            false,
        ));
        page.push(entity(
            kind,
            &format!("{}-2", kind.as_str()),
            "two",
            T0 + 10,
            true,
        ));
    }
    // A later page brings the first of each again, changed.
    let later: Vec<Change> = EntityKind::ALL
        .into_iter()
        .map(|kind| {
            entity(
                kind,
                &format!("{}-1", kind.as_str()),
                "three",
                T0 + 20,
                false,
            )
        })
        .collect();
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (merged, built) = (store(d1.path()), store(d2.path()));
    merged.apply_page(&page, "c1").unwrap();
    merged.apply_page(&later, "c2").unwrap();
    for p in [&page, &later] {
        built.write(|t| apply_changes(t, p, Target::Build)).unwrap();
    }
    let want = entity_rows(&merged);
    assert_eq!(
        want.len(),
        8 + EntityKind::ALL
            .iter()
            .map(|k| 2 * k.fields().len())
            .sum::<usize>()
    );
    assert!(want.iter().any(|r| r.contains("three-")));
    assert_eq!(entity_rows(&built), want);
}
