//! Fault injection on the device store: a full disk in the middle of a worker's
//! day must give a clear error, lose nothing already saved, and leave the store
//! usable once space is freed.

use gridfield_core::model::{Address, EntityKind, Grid, Role};
use gridfield_core::{DbKey, Error, Identity, Lang, Store};
use serde_json::{Map, Value};

fn store(dir: &std::path::Path) -> Store {
    let s = Store::init(
        dir,
        &DbKey::generate().unwrap(),
        Identity {
            device_id: "dev-1".into(),
            user: "张网格员".into(),
            role: Role::Worker,
            grid_scope: "g".into(),
        },
    )
    .unwrap();
    s.import_grids(&[Grid {
        code: "g".into(),
        name: "第一网格".into(),
        level: 3,
        parent_code: None,
    }])
    .unwrap();
    s.import_addresses(&[Address {
        code: "a1".into(),
        grid_code: "g".into(),
        full_text: "江苏省昆山市玉山镇建设路12号3栋2单元501室".into(),
        street: None,
        number: None,
        building: None,
        unit: None,
        room: None,
        plate_serial: None,
        lat: None,
        lon: None,
    }])
    .unwrap();
    s
}

fn household(note: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("head_name".into(), "王秀英".into());
    m.insert("note".into(), note.into());
    m
}

#[test]
fn full_disk_is_a_clear_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    // Cap the database at its current size plus a little: SQLite then answers
    // SQLITE_FULL exactly as it does when the phone's storage is full.
    let pages: i64 = s
        .read(|c| Ok(c.query_row("PRAGMA page_count", [], |r| r.get(0))?))
        .unwrap();
    s.read(|c| {
        Ok(
            c.query_row(&format!("PRAGMA max_page_count = {}", pages + 4), [], |r| {
                r.get::<_, i64>(0)
            })?,
        )
    })
    .unwrap();

    let note = "走访记录".repeat(120);
    let mut saved = Vec::new();
    let err = loop {
        match s.put_entity(EntityKind::Household, None, Some("a1"), &household(&note)) {
            Ok(id) => saved.push(id),
            Err(e) => break e,
        }
        assert!(saved.len() < 10_000, "the cap never bit");
    };
    assert!(matches!(err, Error::DiskFull), "{err:?}");
    assert!(err.message(Lang::Zh).contains("存储空间已满"));
    assert!(!saved.is_empty());

    // Everything acknowledged before the failure is intact, each with its outbox entry.
    assert_eq!(s.outbox_len().unwrap(), saved.len() as u64);
    for id in &saved {
        assert!(s.entity(EntityKind::Household, id).unwrap().is_some());
    }

    // Space comes back: the store carries on.
    s.read(|c| {
        Ok(c.query_row("PRAGMA max_page_count = 1073741823", [], |r| {
            r.get::<_, i64>(0)
        })?)
    })
    .unwrap();
    s.put_entity(EntityKind::Household, None, Some("a1"), &household("ok"))
        .unwrap();
    assert_eq!(s.outbox_len().unwrap(), saved.len() as u64 + 1);
}
