//! The due list (走访计划) on a worker's store: one grid of 650 door plates with
//! about 3,000 households, rental units and businesses, visit rules from the
//! city down, and 1,500 submitted visits. `visits_due` reads the entities, their
//! last visits and the grid chain and runs `visit::due_list` (target: under 20 ms).
//!
//! `cargo bench -p gridfield-core --bench visits`

use criterion::{Criterion, criterion_group, criterion_main};
use gridfield_core::checklist::{Answers, ItemPhotos};
use gridfield_core::model::{Address, EntityKind, Grid, Role};
use gridfield_core::store::NewInspection;
use gridfield_core::visit::{VisitRule, VisitRules, Window};
use gridfield_core::{DbKey, Identity, Store};
use serde_json::{Value, json};

const PLATES: usize = 650;
const VISITS: usize = 1_500;

fn grids() -> Vec<Grid> {
    let g = |code: &str, level, parent: Option<&str>| Grid {
        code: code.into(),
        name: format!("网格{code}"),
        level,
        parent_code: parent.map(String::from),
    };
    vec![
        g("320583", 1, None),
        g("320583001", 2, Some("320583")),
        g("320583001001", 3, Some("320583001")),
    ]
}

fn address(i: usize) -> Address {
    let (number, b, u, floor, room) = (
        1 + i / 48 * 2,
        i / 16 % 3 + 1,
        i / 8 % 2 + 1,
        i / 2 % 4 + 1,
        i % 2 + 1,
    );
    Address {
        code: format!("320583-001-{number:04}-{b:02}-{u:02}-{floor:02}{room:02}"),
        grid_code: "320583001001".into(),
        full_text: format!("江苏省昆山市建设路{number}号{b}栋{u}单元{floor}{room:02}室"),
        street: Some("建设路".into()),
        number: Some(format!("{number}号")),
        building: Some(format!("{b}栋")),
        unit: Some(format!("{u}单元")),
        room: Some(format!("{floor}{room:02}室")),
        plate_serial: None,
        lat: None,
        lon: None,
    }
}

fn rule(kind: EntityKind, only: &[&str], every: u32, template: &str) -> VisitRule {
    VisitRule {
        grid: "320583".into(),
        kind,
        only: only.iter().map(|s| s.to_string()).collect(),
        every_days: every,
        template: template.into(),
    }
}

fn build() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let key = DbKey::generate().unwrap();
    let store = Store::init(
        &tmp.path().join("device"),
        &key,
        Identity {
            device_id: "bench-device".into(),
            user: "bench-worker".into(),
            role: Role::Worker,
            grid_scope: "320583001001".into(),
        },
    )
    .unwrap();
    store.import_grids(&grids()).unwrap();
    let addresses: Vec<Address> = (0..PLATES).map(address).collect();
    store.import_addresses(&addresses).unwrap();
    store
        .keep_visit_rules(&VisitRules {
            version: 1,
            effective_from: 0,
            rules: vec![
                rule(EntityKind::RentalUnit, &["high"], 30, "rental_fire_safety"),
                rule(EntityKind::RentalUnit, &[], 91, "rental_fire_safety"),
                rule(EntityKind::Household, &[], 365, "household_visit"),
                rule(EntityKind::Business, &[], 91, "household_visit"),
            ],
            ancestors: vec![],
        })
        .unwrap();
    let mut households = Vec::new();
    for (i, a) in addresses.iter().enumerate() {
        let put = |kind, fields: Value| {
            let Value::Object(m) = fields else {
                unreachable!()
            };
            store.put_entity(kind, None, Some(&a.code), &m).unwrap()
        };
        for _ in 0..3 {
            households.push((
                put(EntityKind::Household, json!({"members": 3})),
                a.code.clone(),
            ));
        }
        put(
            EntityKind::RentalUnit,
            json!({ "risk_level": (["low", "medium", "high"][i % 3]) }),
        );
        if i % 3 == 0 {
            put(
                EntityKind::Business,
                json!({"name": "便民超市", "kind": "shop"}),
            );
        }
    }
    let mut answers = Answers::new();
    answers.insert("residents_present".into(), json!("yes"));
    answers.insert("population_change".into(), json!("none"));
    for (id, code) in households.iter().take(VISITS) {
        let new = NewInspection {
            template_id: "household_visit".into(),
            template_version: None,
            address_code: code.clone(),
            subject_kind: Some(EntityKind::Household),
            subject_id: Some(id.clone()),
            location: None,
        };
        let i = store.start_inspection(&new).unwrap();
        store
            .save_answers(&i, &answers, &ItemPhotos::new())
            .unwrap();
        store.submit_inspection(&i, None).unwrap();
    }
    (tmp, store)
}

fn bench_due(c: &mut Criterion) {
    eprintln!("[setup] {PLATES} plates, their entities and {VISITS} visits …");
    let (_tmp, store) = build();
    let all = store.visits_due(Window::All).unwrap();
    eprintln!("[setup] {} planned entities", all.len());
    assert!(all.len() > 2_500);
    let mut group = c.benchmark_group("visits");
    group.bench_function("due_today_worker_grid", |b| {
        b.iter(|| store.visits_due(Window::Today).unwrap())
    });
    group.bench_function("due_all_worker_grid", |b| {
        b.iter(|| store.visits_due(Window::All).unwrap())
    });
    group.bench_function("at_one_address", |b| {
        b.iter(|| store.visits_at(&all[0].address_code).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_due);
criterion_main!(benches);
