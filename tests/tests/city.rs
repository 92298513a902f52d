//! The benchmark city (`gridfield-city`): the same seed gives the
//! same records, and what it writes is what devices can pull and verify, on both
//! server stores.

use gridfield_tests::{Backend, Device, ServerProc, Store, on_both_backends};
use serde_json::Value;

const SCALE: &str = "0.003";

/// `gridfield-city` into the store, with the arguments after `--db`.
fn city(store: &Store, args: &[&str]) -> std::process::Output {
    std::process::Command::new(gridfield_tests::bin("gridfield-city"))
        .args(["--db", &store.target])
        .args(args)
        .output()
        .unwrap()
}

fn gen_city(store: &Store, seed: &str) -> Value {
    let out = city(store, &["--seed", seed, "--scale", SCALE, "--json"]);
    assert!(
        out.status.success(),
        "gridfield-city: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("gridfield-city --json prints its summary")
}

/// Every record of a SQLite server file. Grids and templates are written by the
/// server's own functions, which stamp the wall clock into `updated_at`.
/// kind, id, grid_path, address_code, seq, body, updated_at
type RecordRow = (String, String, String, Option<String>, i64, String, i64);

fn records(path: &str) -> Vec<RecordRow> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut st = c
        .prepare(
            "SELECT kind, id, grid_path, address_code, seq, body,
                    CASE WHEN kind IN ('grid', 'template') THEN 0 ELSE updated_at END
             FROM records ORDER BY seq",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn the_same_seed_gives_the_same_city() {
    let (a, b, c) = (
        Store::new(Backend::Sqlite),
        Store::new(Backend::Sqlite),
        Store::new(Backend::Sqlite),
    );
    let sa = gen_city(&a, "7");
    let sb = gen_city(&b, "7");
    gen_city(&c, "8");
    assert_eq!(sa, sb);
    let (ra, rb, rc) = (records(&a.target), records(&b.target), records(&c.target));
    let shipped = gridfield_core::checklist::builtin_templates();
    assert_eq!(
        ra.len() as u64,
        sa["records"].as_u64().unwrap() + shipped.len() as u64,
        "plus the shipped templates"
    );
    assert!(ra == rb, "same seed, different records");
    let differ = ra.iter().zip(&rc).filter(|(x, y)| x.5 != y.5).count();
    assert!(
        differ > ra.len() / 2,
        "another seed changed only {differ} records"
    );

    // The shape of the city: every kind, about 650 plates per grid.
    for kind in [
        "address",
        "household",
        "person",
        "rental_unit",
        "business",
        "inspection",
        "hazard",
        "report",
    ] {
        assert!(
            sa["by_kind"][kind].as_u64().unwrap_or(0) > 0,
            "no {kind}: {sa}"
        );
    }
    // Businesses are inspected with the enterprise and venue checklists for
    // their kind, and the score is the template's.
    for t in shipped.iter().filter(|t| !t.business_kinds.is_empty()) {
        let done: Vec<Value> = ra
            .iter()
            .filter(|r| r.0 == "inspection")
            .map(|r| serde_json::from_str::<Value>(&r.5).unwrap())
            .filter(|b| b["template_id"] == t.id.as_str())
            .collect();
        assert!(!done.is_empty(), "no inspection with {}", t.id);
        assert!(done.iter().all(|b| b["subject_kind"] == "business"));
        assert!(
            done.iter()
                .any(|b| b["score"] == 100 && b["passed"] == true),
            "{}",
            t.id
        );
    }
    let plates = sa["by_kind"]["address"].as_u64().unwrap();
    let leaves = ra
        .iter()
        .filter(|r| r.0 == "grid" && r.1.len() == 15)
        .count() as u64;
    assert!(
        (500..=800).contains(&(plates / leaves)),
        "{plates} plates over {leaves} grids"
    );
    // A second run into a populated database is refused rather than mixed in.
    let out = city(&a, &["--scale", SCALE]);
    assert!(!out.status.success());
}

/// A worker and a supervisor enroll against the generated city and pull their
/// scopes; their replicas verify against the server's checksums.
fn the_city_syncs_to_devices(backend: Backend) {
    let store = Store::new(backend);
    let s = gen_city(&store, "3");
    let server = ServerProc::start(&store);
    // The bulk load leaves the records' indexes a migrated server has, no more:
    // each one more is maintained by every edit a benchmark then measures.
    let indexes = |s: &Store| {
        s.query_lines(if s.is_postgres() {
            "SELECT indexname FROM pg_indexes WHERE tablename = 'records' ORDER BY 1"
        } else {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' ORDER BY 1"
        })
    };
    let fresh = Store::new(backend);
    drop(ServerProc::start(&fresh));
    assert_eq!(indexes(&store), indexes(&fresh));
    let grid = s["worker_grid"].as_str().unwrap();
    let worker = Device::enrolled(&server, &store.code("城市网格员", "worker", grid));
    let r = worker.sync();
    assert_eq!(r["verified"], true, "{r}");
    assert!(r["pulled"].as_u64().unwrap() > 1000, "{r}");
    let plates = worker.count("SELECT count(*) FROM addresses");
    assert!(
        (400..=1000).contains(&plates),
        "{plates} plates in one grid"
    );
    for table in [
        "households",
        "persons",
        "rental_units",
        "inspections",
        "hazards",
    ] {
        assert!(
            worker.count(&format!("SELECT count(*) FROM {table}")) > 0,
            "no {table}"
        );
    }
    assert_eq!(
        worker.count(&format!(
            "SELECT count(*) FROM addresses WHERE grid_code <> '{grid}'"
        )),
        0,
        "plates of other grids reached the worker"
    );
    // Hazards arrive with their steps, and the year left some open past their deadline.
    assert!(
        worker.count("SELECT count(*) FROM hazard_events")
            > worker.count("SELECT count(*) FROM hazards")
    );
    let now = gridfield_core::store::now_ms();
    assert!(
        worker.count(&format!(
            "SELECT count(*) FROM hazards WHERE status <> 'closed' AND deadline < {now}"
        )) > 0
    );

    // Every grid has a polygon inside its parent's, and the worker's plates lie
    // inside their grid's.
    let one = |sql: &str| store.query_lines(sql)[0].clone();
    assert_eq!(
        one("SELECT CAST(COUNT(*) AS TEXT) FROM grid_boundaries"),
        one("SELECT CAST(COUNT(*) AS TEXT) FROM grids")
    );
    assert_eq!(
        one(
            "SELECT CAST(COUNT(*) AS TEXT) FROM grid_boundaries c JOIN grids g ON g.code = c.grid_code
             JOIN grid_boundaries p ON p.grid_code = g.parent_code
             WHERE c.min_lat <= p.min_lat OR c.max_lat >= p.max_lat
                OR c.min_lon <= p.min_lon OR c.max_lon >= p.max_lon"
        ),
        "0"
    );
    let b: Vec<f64> = one(&format!(
        "SELECT min_lat || ',' || min_lon || ',' || max_lat || ',' || max_lon
         FROM grid_boundaries WHERE grid_code = '{grid}'"
    ))
    .split(',')
    .map(|x| x.parse().unwrap())
    .collect();
    assert_eq!(
        worker.count(&format!(
            "SELECT count(*) FROM addresses WHERE NOT (lat > {} AND lon > {} AND lat < {} AND lon < {})",
            b[0], b[1], b[2], b[3]
        )),
        0,
        "plates outside their grid's polygon"
    );

    let town = s["subtrees"][0]["code"].as_str().unwrap();
    let sup = Device::enrolled(&server, &store.code("城市网格长", "supervisor", town));
    let r = sup.sync();
    assert_eq!(r["verified"], true, "{r}");
    // The town's records, plus its grids and the shipped templates.
    assert!(
        r["pulled"].as_u64().unwrap() > s["subtrees"][0]["records"].as_u64().unwrap() + 7,
        "{r}"
    );
}

on_both_backends!(the_city_syncs_to_devices);
