//! The tables the coverage page reads (migration 017) stay equal to what the
//! records say, on both stores: the planned entities (`visit_entities`) and the
//! first and last visit per entity, checklist and month (`last_visits`), after
//! inspections submitted in another month, a late sync of an older visit after
//! a newer one, entity edits, an entity deleted, an inspection edited to
//! another month and an inspection removed; an edit of nothing they are kept
//! from writes neither them nor a dirty mark. And the coverage figures kept per
//! grid path between page loads (migration 019) equal a fresh count after every
//! sync of a seeded random mix of entities, visits and edits.

use std::collections::BTreeMap;

use gridfield_core::visit;
use gridfield_tests::*;

const PASS_ANSWERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/fire_safety_pass.json"
);
const A_501: &str = "320583-001-0012-03-02-0501";
const A_502: &str = "320583-001-0012-03-02-0502";
const DAY_MS: i64 = 86_400_000;

fn put(w: &Device, kind: &str, address: &str, fields: &[&str]) -> String {
    let mut args = vec!["entity", "put", kind, "--address", address];
    args.extend_from_slice(fields);
    w.json(&args)["id"].as_str().unwrap().to_string()
}

/// Inspect `unit` on a phone whose clock is `days` behind.
fn inspect(w: &Device, unit: &str, address: &str, days: i64) {
    let subject = format!("rental_unit:{unit}");
    let mut c = w.command(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        address,
        "--subject",
        &subject,
        "--answers",
        PASS_ANSWERS,
    ]);
    c.env("GRIDFIELD_CLOCK_SKEW_MS", (-days * DAY_MS).to_string());
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Both tables against the records, recounted here (months by the core's day).
fn assert_tables_right(store: &Store) {
    let entities = store.query_lines(
        "SELECT kind || '|' || id || '|' || grid_path || '|' || COALESCE(address_code, '')
           || '|' || COALESCE(visit_value, '') FROM visit_entities",
    );
    let want = store.query_lines(
        "SELECT kind || '|' || id || '|' || grid_path || '|' || COALESCE(address_code, '')
           || '|' || COALESCE(visit_value, '') FROM records WHERE visit_planned = 1",
    );
    assert_eq!(sorted(entities), sorted(want));

    let held = store.query_lines(
        "SELECT subject || '|' || template || '|' || CAST(month AS TEXT) || '|'
           || CAST(first_at AS TEXT) || '|' || CAST(last_at AS TEXT) FROM last_visits",
    );
    let visits = store.query_lines(
        "SELECT visit_subject || '|' || category || '|' || CAST(visit_at AS TEXT)
         FROM records WHERE visit_subject IS NOT NULL",
    );
    let mut months: BTreeMap<(String, String, i64), (i64, i64)> = BTreeMap::new();
    for v in &visits {
        let parts: Vec<&str> = v.split('|').collect();
        let at: i64 = parts[2].parse().unwrap();
        let day = visit::day_text(visit::day_of(at)); // YYYY-MM-DD
        let month: i64 = format!("{}{}", &day[0..4], &day[5..7]).parse().unwrap();
        let e = months
            .entry((parts[0].into(), parts[1].into(), month))
            .or_insert((at, at));
        e.0 = e.0.min(at);
        e.1 = e.1.max(at);
    }
    let want: Vec<String> = months
        .iter()
        .map(|((s, t, m), (f, l))| format!("{s}|{t}|{m}|{f}|{l}"))
        .collect();
    assert_eq!(sorted(held), sorted(want));
}

fn the_coverage_tables_follow_the_records(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    let mut server = ServerProc::start(&store);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    let late = synced_worker(&store, &server, "李娜", GRID_A);
    let r1 = put(&w, "rental_unit", A_501, &["risk_level=high"]);
    let r2 = put(&w, "rental_unit", A_502, &["risk_level=low"]);
    let h = put(&w, "household", A_501, &["members=3"]);
    w.sync();
    late.sync();
    assert_tables_right(&store);
    assert_eq!(
        store
            .query_lines("SELECT CAST(COUNT(*) AS TEXT) FROM visit_entities")
            .first()
            .map(String::as_str),
        Some("3")
    );

    // Today, then 70 days ago on the same phone (another month).
    inspect(&w, &r1, A_501, 0);
    inspect(&w, &r2, A_502, 70);
    w.sync();
    assert_tables_right(&store);

    // A visit made 40 days ago on another phone arrives after the newer one;
    // and one on the same day as the newest, in the same month.
    inspect(&late, &r1, A_501, 40);
    inspect(&late, &r1, A_501, 0);
    late.sync();
    assert_tables_right(&store);
    assert_eq!(
        store
            .query_lines(&format!(
                "SELECT CAST(COUNT(*) AS TEXT) FROM last_visits WHERE subject = '{r1}'"
            ))
            .first()
            .map(String::as_str),
        Some("2"),
        "40 days apart are two months"
    );

    // An entity edit changes what a rule's `only` matches.
    let mut c = w.command(&[
        "entity",
        "put",
        "rental_unit",
        "--id",
        &r2,
        "risk_level=high",
    ]);
    assert!(c.output().unwrap().status.success());
    w.sync();
    assert_tables_right(&store);
    assert!(
        store
            .query_lines(&format!(
                "SELECT visit_value FROM visit_entities WHERE id = '{r2}'"
            ))
            .contains(&"high".to_string())
    );

    // An edit of nothing the tables are kept from (a note) leaves them, and the
    // grid's kept figures, alone: no dirty mark (migration 021). A risk change
    // marks the grid again.
    let dirty = || store.query_lines("SELECT grid_path FROM coverage_dirty ORDER BY grid_path");
    store.sql("DELETE FROM coverage_dirty");
    for (kind, id) in [("household", &h), ("rental_unit", &r2)] {
        let mut c = w.command(&["entity", "put", kind, "--id", id, "note=走访时无人在家"]);
        assert!(c.output().unwrap().status.success());
    }
    assert_eq!(w.sync()["pushed"].as_u64(), Some(2));
    assert_tables_right(&store);
    assert_eq!(
        dirty(),
        Vec::<String>::new(),
        "a note edit marked a grid dirty"
    );
    let mut c = w.command(&[
        "entity",
        "put",
        "rental_unit",
        "--id",
        &r2,
        "risk_level=low",
    ]);
    assert!(c.output().unwrap().status.success());
    w.sync();
    assert_tables_right(&store);
    assert_eq!(dirty().len(), 1, "a risk change marks its grid");

    // Edits straight on the records: the unit deleted, one inspection moved to
    // another month, another removed.
    server.kill();
    let (moved, removed) = {
        let ids = store.query_lines(&format!(
            "SELECT id FROM records WHERE kind = 'inspection' AND visit_subject = '{r1}' ORDER BY id"
        ));
        (ids[0].clone(), ids[1].clone())
    };
    let earlier = now() - 100 * DAY_MS;
    if store.is_postgres() {
        store.sql(&format!(
            "UPDATE records SET body = jsonb_set(body::jsonb, '{{state,deleted}}', 'true')::text
               WHERE kind = 'rental_unit' AND id = '{r2}';
             UPDATE records SET body = jsonb_set(body::jsonb, '{{finished_at}}', to_jsonb({earlier}::bigint))::text
               WHERE kind = 'inspection' AND id = '{moved}';
             DELETE FROM records WHERE kind = 'inspection' AND id = '{removed}';"
        ));
    } else {
        store.sql(&format!(
            "UPDATE records SET body = json_set(body, '$.state.deleted', json('true'))
               WHERE kind = 'rental_unit' AND id = '{r2}';
             UPDATE records SET body = json_set(body, '$.finished_at', {earlier})
               WHERE kind = 'inspection' AND id = '{moved}';
             DELETE FROM records WHERE kind = 'inspection' AND id = '{removed}';"
        ));
    }
    assert_tables_right(&store);
    assert!(
        store
            .query_lines(&format!("SELECT id FROM visit_entities WHERE id = '{r2}'"))
            .is_empty()
    );
    assert!(
        !store
            .query_lines("SELECT CAST(first_at AS TEXT) FROM last_visits")
            .is_empty()
    );
    assert!(
        store
            .query_lines("SELECT CAST(first_at AS TEXT) FROM last_visits")
            .contains(&earlier.to_string())
    );
}

/// The figures the coverage page shows for both grids and the worker, this month
/// and this quarter.
fn page_figures(server: &ServerProc, cookie: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for period in ["month", "quarter"] {
        let r = console::get(
            &server.url,
            cookie,
            &format!("/console/coverage?period={period}"),
        );
        let html = String::from_utf8_lossy(&r.body).to_string();
        assert_eq!(r.status, 200, "{html}");
        for (attr, key) in [
            ("data-grid", GRID_A),
            ("data-grid", GRID_B),
            ("data-worker", "张伟"),
        ] {
            rows.push(console::row_cells(&html, attr, key));
        }
    }
    rows
}

/// A tiny seeded generator (the same sequence on every run of one seed).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn kept_coverage_equals_a_fresh_count(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", TOWN, "console-pass-1");
    let server = ServerProc::start(&store);
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules.csv");
    std::fs::write(
        &rules,
        format!(
            "grid,kind,only,every,template\n\
             {TOWN},rental_unit,high,monthly,rental_fire_safety\n\
             {TOWN},rental_unit,,quarterly,rental_fire_safety\n\
             {TOWN},household,,yearly,household_visit\n"
        ),
    )
    .unwrap();
    let from = visit::day_text(visit::day_of(now()) - 40);
    store.admin(&[
        "visit-rules",
        "load",
        rules.to_str().unwrap(),
        "--effective-from",
        &from,
    ]);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let b = synced_worker(&store, &server, "王芳", GRID_B);
    let cookie = console::sign_in(&server.url, "赵强", "console-pass-1");
    // Kept from here on: every later load recounts only what a write marked.
    let empty = page_figures(&server, &cookie);
    assert_eq!(empty[0][1..], ["0", "0", "0", "—", "0", "0"], "{empty:?}");
    let fresh = || {
        store.sql("DELETE FROM coverage_figures; DELETE FROM coverage_periods;");
        page_figures(&server, &cookie)
    };

    let seed = std::env::var("GRIDFIELD_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(19u64);
    let mut rng = Lcg(seed);
    let grid_a = [
        A_501,
        A_502,
        "320583-001-0012-03-01-0101",
        "320583-001-0014-01-01-0201",
    ];
    let mut units: Vec<(String, &str)> = Vec::new();
    let mut visits = 0;
    for step in 0..10 {
        let (w, address) = if rng.below(4) == 0 {
            (&b, ADDR_B)
        } else {
            (&a, grid_a[rng.below(grid_a.len())])
        };
        match rng.below(4) {
            0 | 1 if units.len() < 6 => {
                let risk = ["risk_level=high", "risk_level=low"][rng.below(2)];
                units.push((put(w, "rental_unit", address, &[risk]), address));
            }
            0 => {
                put(w, "household", address, &["members=2"]);
            }
            2 if !units.is_empty() => {
                let (unit, at) = units[rng.below(units.len())].clone();
                let w = if at == ADDR_B { &b } else { &a };
                inspect(w, &unit, at, [0, 3, 20, 45, 70][rng.below(5)] as i64);
                visits += 1;
            }
            _ if !units.is_empty() => {
                let (unit, at) = units[rng.below(units.len())].clone();
                let w = if at == ADDR_B { &b } else { &a };
                let risk = ["risk_level=high", "risk_level=low"][rng.below(2)];
                let o = w
                    .command(&["entity", "put", "rental_unit", "--id", &unit, risk])
                    .output()
                    .unwrap();
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            }
            _ => {
                put(w, "household", address, &["members=4"]);
            }
        }
        w.sync();
        let kept = page_figures(&server, &cookie);
        assert_eq!(kept, fresh(), "step {step} (GRIDFIELD_TEST_SEED={seed})");
    }
    assert!(!units.is_empty() && visits > 0, "the mix made no visit");
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

on_both_backends!(
    the_coverage_tables_follow_the_records,
    kept_coverage_equals_a_fresh_count
);
