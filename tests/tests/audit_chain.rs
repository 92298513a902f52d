//! The tamper-evident audit trail on both stores: `admin audit verify` names an
//! edited, deleted or inserted row; rows already there are chained by the
//! migration; concurrent writers (several processes on one PostgreSQL) still make
//! one chain; `admin audit export` filters, neutralises formulas and is audited.

use std::process::{Command, Output};

use gridfield_tests::*;

fn admin_raw(store: &Store, args: &[&str]) -> Output {
    Command::new(bin("gridfield-server"))
        .args(["--db", &store.target, "admin"])
        .args(args)
        .output()
        .unwrap()
}

/// `admin audit verify`: Ok(stdout) when intact, Err(stderr) when broken.
fn verify(store: &Store) -> Result<String, String> {
    let out = admin_raw(store, &["audit", "verify"]);
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8(out.stderr).unwrap())
    }
}

fn one(store: &Store, sql: &str) -> String {
    store.query_lines(sql).remove(0)
}

fn tamper(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    for u in ["张伟", "李娜", "王芳", "刘洋"] {
        store.code(u, "worker", GRID_A);
    }
    let ok = verify(&store).expect("a fresh chain verifies");
    assert!(ok.contains("intact"), "{ok}");

    // An edited row is named.
    let id = one(
        &store,
        "SELECT CAST(id AS TEXT) FROM audit WHERE chain_seq = 2",
    );
    let actor = one(&store, "SELECT actor FROM audit WHERE chain_seq = 2");
    store.sql("UPDATE audit SET actor = 'mallory' WHERE chain_seq = 2");
    let err = verify(&store).expect_err("an edited row breaks the chain");
    assert!(
        err.contains(&format!("#{id} ")) && err.contains("edited"),
        "{err}"
    );
    store.sql(&format!(
        "UPDATE audit SET actor = '{actor}' WHERE chain_seq = 2"
    ));
    verify(&store).expect("put back, the chain verifies again");

    // A row written straight into the table is named.
    store.sql(
        "INSERT INTO audit (at, actor, action, kind, entity_id) VALUES (1, 'x', 'y', 'z', 'w')",
    );
    let err = verify(&store).expect_err("an inserted row breaks the chain");
    assert!(err.contains("not in the chain"), "{err}");
    store.sql("DELETE FROM audit WHERE chain_seq IS NULL");

    // A deleted row leaves a gap that is named.
    let next = one(
        &store,
        "SELECT CAST(id AS TEXT) FROM audit WHERE chain_seq = 4",
    );
    store.sql("DELETE FROM audit WHERE chain_seq = 3");
    let err = verify(&store).expect_err("a deleted row breaks the chain");
    assert!(
        err.contains("positions 3-3 were deleted") && err.contains(&format!("before row #{next}")),
        "{err}"
    );

    // The last row deleted: the head gives it away.
    let store = Store::new(backend);
    store.seed();
    store.code("张伟", "worker", GRID_A);
    store.code("李娜", "worker", GRID_A);
    store.sql("DELETE FROM audit WHERE chain_seq = (SELECT MAX(chain_seq) FROM audit)");
    let err = verify(&store).expect_err("a deleted last row breaks the chain");
    assert!(err.contains("the last rows were deleted"), "{err}");
}

#[test]
fn tamper_is_detected_sqlite() {
    tamper(Backend::Sqlite);
}

#[test]
fn tamper_is_detected_postgres() {
    tamper(Backend::Postgres);
}

/// A database from before the chain: its rows get chained by the migration.
/// (What later migrations added goes too, as it would not be there at version 5.)
fn migration(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.code("张伟", "worker", GRID_A);
    store.code("李娜", "worker", GRID_A);
    // Migration 017's triggers read columns dropped below: they go first.
    store.undo_coverage_tables();
    store.sql(
        "DROP INDEX audit_chain_seq; DROP INDEX audit_actor_at; DROP INDEX audit_action_at;
         DROP TABLE audit_head;
         ALTER TABLE audit DROP COLUMN chain_seq; ALTER TABLE audit DROP COLUMN prev_hash;
         ALTER TABLE audit DROP COLUMN hash;
         DROP TABLE blob_uploaders; DROP TABLE taxonomies;
         DROP TABLE case_finishes; DROP TABLE case_departments;
         DROP INDEX records_case_list; DROP INDEX records_case_kinds;
         ALTER TABLE records DROP COLUMN case_type;
         DROP INDEX records_case_owner; DROP INDEX records_case_handler;
         DROP INDEX records_case_due; DROP INDEX records_case_at;
         ALTER TABLE records DROP COLUMN case_status; ALTER TABLE records DROP COLUMN case_owner;
         ALTER TABLE records DROP COLUMN case_handler; ALTER TABLE records DROP COLUMN case_due;
         ALTER TABLE records DROP COLUMN case_at; ALTER TABLE users DROP COLUMN department;
         DROP TABLE case_routing; DROP TABLE departments;
         DROP TABLE template_drafts; DROP TABLE visit_rules;
        DROP INDEX records_visit_subject; DROP INDEX records_visit_by;
        ALTER TABLE records DROP COLUMN visit_subject; ALTER TABLE records DROP COLUMN visit_at;
        ALTER TABLE records DROP COLUMN visit_by; ALTER TABLE records DROP COLUMN visit_value;
        ALTER TABLE records DROP COLUMN visit_planned;
         DROP TABLE points_rules; DROP TABLE points_ledger; DROP TABLE shops;
         DROP TABLE vouchers; DROP TABLE voucher_double_spends; DROP TABLE points_opt_outs;
         DROP TABLE legacy_plates; DROP TABLE grid_boundaries;
         DROP INDEX records_located; ALTER TABLE records DROP COLUMN map_lat;
         ALTER TABLE records DROP COLUMN map_lon;
         DROP INDEX records_inspection_at; DROP INDEX records_inspection_status_at; DROP INDEX records_inspection_seq;
         DROP INDEX records_inspection_path; DROP INDEX records_hazard_at; DROP INDEX records_hazard_status_at;
         DROP INDEX records_hazard_seq; DROP INDEX records_hazard_path; DROP INDEX records_report_at;
         DROP INDEX records_report_status_at; DROP INDEX records_report_seq; DROP INDEX records_report_path;
         DROP INDEX records_hazard_due; DROP INDEX records_address_path;
         DROP INDEX records_hazard_closed;",
    );
    if store.is_postgres() {
        store.sql("UPDATE schema_version SET version = 5");
    } else {
        store.sql("PRAGMA user_version = 5");
    }
    let ok = verify(&store).expect("old rows are chained on upgrade");
    assert!(ok.contains("intact: 2 rows"), "{ok}");
    store.code("王芳", "worker", GRID_A);
    let ok = verify(&store).unwrap();
    assert!(ok.contains("intact: 3 rows"), "{ok}");
}

#[test]
fn migration_chains_old_rows_sqlite() {
    migration(Backend::Sqlite);
}

#[test]
fn migration_chains_old_rows_postgres() {
    migration(Backend::Postgres);
}

/// Several processes append at once (each its own connection, as several server
/// instances on one PostgreSQL do): one chain, nothing lost.
#[test]
fn concurrent_writers_make_one_chain_postgres() {
    let store = Store::new(Backend::Postgres);
    store.seed();
    let before: usize = one(&store, "SELECT COUNT(*) FROM audit").parse().unwrap();
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let target = store.target.clone();
            std::thread::spawn(move || {
                for i in 0..5 {
                    let out = Command::new(bin("gridfield-server"))
                        .args(["--db", &target, "admin", "enroll-code"])
                        .args(["--user", &format!("w{t}-{i}"), "--role", "worker"])
                        .args(["--grid", GRID_A])
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let ok = verify(&store).expect("concurrent appends form one chain");
    assert!(
        ok.contains(&format!("intact: {} rows", before + 30)),
        "{ok}"
    );
}

/// `admin audit export`: the filter's rows only, formula cells neutralised, and
/// the export itself audited (filter and count, not the rows).
fn export(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.code("=HYPERLINK(\"x\")", "worker", GRID_A);
    store.code("张伟", "worker", GRID_A);
    store.admin(&[
        "user-add", "--name", "李娜", "--role", "worker", "--grid", GRID_A,
    ]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("audit.csv");
    let printed = store.admin(&[
        "audit",
        "export",
        "--action",
        "enroll_code",
        "--since",
        "2020-01-01",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(printed.contains("exported 2 audit rows"), "{printed}");
    let mut rdr = csv::Reader::from_path(&out).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| &r[5] == "enroll_code"));
    assert_eq!(&rows[0][7], "'=HYPERLINK(\"x\")", "formula neutralised");
    assert_eq!(&rows[1][7], "张伟");

    let empty = store.admin(&[
        "audit",
        "export",
        "--until",
        "2020-01-01",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(empty.contains("exported 0 audit rows"), "{empty}");
    let logged =
        store.query_lines("SELECT detail FROM audit WHERE action = 'audit_export' ORDER BY id");
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert!(logged[0].contains("\"rows\":2") && logged[0].contains("enroll_code"));

    let bad = admin_raw(
        &store,
        &["audit", "export", "--since", "yesterday", "--out", "x.csv"],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("2026-03-01"));
    verify(&store).expect("exports are chained too");
}

#[test]
fn export_filters_and_is_audited_sqlite() {
    export(Backend::Sqlite);
}

#[test]
fn export_filters_and_is_audited_postgres() {
    export(Backend::Postgres);
}
