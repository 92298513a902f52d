//! Personal data in the console, on SQLite and on PostgreSQL: ID numbers and
//! phones masked by default; a supervisor reveals one value with an audited POST
//! (the value never in the audit row); an administrator, a forged form and a
//! supervisor of another grid are refused and write nothing; entity exports are
//! whole or masked by role and audited; the audit trail page filters and exports
//! what it shows, and that export is audited too.

use gridfield_tests::console::{FORM, csrf, form, get, sign_in};
use gridfield_tests::*;

const PASSWORD: &str = "console-pass-1";
const ID_NUMBER: &str = "320583199006018820";
const ID_MASKED: &str = "3205**********8820";
const PHONE: &str = "13900000001";
const PHONE_MASKED: &str = "139****0001";

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

fn post(server: &ServerProc, cookie: &str, path: &str, pairs: &[(&str, &str)]) -> Reply {
    http(
        "POST",
        &format!("{}{path}", server.url),
        &[FORM, ("cookie", cookie)],
        Some(&form(pairs)),
    )
}

fn count(store: &Store, sql: &str) -> usize {
    store.query_lines(sql)[0].parse().unwrap()
}

fn privacy(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", GRID_A, PASSWORD);
    store.console_user("孙丽", "supervisor", GRID_B, PASSWORD);
    store.console_user("管理员", "admin", TOWN, PASSWORD);
    let server = ServerProc::start(&store);
    let w = Device::enrolled(&server, &store.code("张伟", "worker", GRID_A));
    w.sync();
    let person = w.json(&[
        "entity",
        "put",
        "person",
        "--address",
        ADDR_A,
        "name=王五",
        &format!("id_number={ID_NUMBER}"),
        &format!("phone={PHONE}"),
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    w.sync();
    let page_path = format!("/console/addresses/{ADDR_A}");
    let reveal_path = format!("{page_path}/reveal");
    let reveals = "SELECT CAST(COUNT(*) AS TEXT) FROM audit WHERE action = 'reveal'";

    // Masked by default, with a reveal button for a supervisor.
    let sup = sign_in(&server.url, "赵强", PASSWORD);
    let page = get(&server.url, &sup, &page_path);
    assert_eq!(page.status, 200);
    let body = text(&page);
    assert!(
        body.contains(ID_MASKED) && body.contains(PHONE_MASKED),
        "{body}"
    );
    assert!(!body.contains(ID_NUMBER) && !body.contains(PHONE));
    assert!(body.contains("王五"), "names stay as they were");
    assert!(body.contains(&reveal_path));
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));

    // A forged form (no CSRF token) is refused and writes nothing.
    let r = post(
        &server,
        &sup,
        &reveal_path,
        &[("kind", "person"), ("id", &person), ("field", "id_number")],
    );
    assert_eq!(r.status, 403);
    assert_eq!(count(&store, reveals), 0);

    // Reveal one value: shown whole, the other stays masked, one audit row
    // naming who, what and which field, and not the value.
    let token = csrf(&page);
    let r = post(
        &server,
        &sup,
        &reveal_path,
        &[
            ("csrf", &token),
            ("kind", "person"),
            ("id", &person),
            ("field", "id_number"),
        ],
    );
    assert_eq!(r.status, 200);
    let body = text(&r);
    assert!(
        body.contains(ID_NUMBER) && body.contains(PHONE_MASKED),
        "{body}"
    );
    assert!(!body.contains(PHONE));
    let rows = store.query_lines(
        "SELECT actor || '|' || kind || '|' || entity_id || '|' || detail FROM audit WHERE action = 'reveal'",
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].starts_with(&format!("赵强|person|{person}|")) && rows[0].contains("id_number"),
        "{rows:?}"
    );
    assert!(
        !rows[0].contains(ID_NUMBER),
        "the value never in the audit trail"
    );

    // A field that is not an identifier cannot be "revealed".
    let r = post(
        &server,
        &sup,
        &reveal_path,
        &[
            ("csrf", &token),
            ("kind", "person"),
            ("id", &person),
            ("field", "name"),
        ],
    );
    assert_eq!(r.status, 404);

    // A supervisor of another grid: not found, nothing written.
    let other = sign_in(&server.url, "孙丽", PASSWORD);
    let other_token = csrf(&get(&server.url, &other, "/console/addresses"));
    let r = post(
        &server,
        &other,
        &reveal_path,
        &[
            ("csrf", &other_token),
            ("kind", "person"),
            ("id", &person),
            ("field", "phone"),
        ],
    );
    assert_eq!(r.status, 404);

    // The administrator runs the system, not the residents: masked, no button, 403.
    let admin = sign_in(&server.url, "管理员", PASSWORD);
    let page = get(&server.url, &admin, &page_path);
    let body = text(&page);
    assert!(body.contains(ID_MASKED) && !body.contains(ID_NUMBER));
    assert!(!body.contains(&reveal_path));
    let admin_token = csrf(&get(&server.url, &admin, "/console/addresses"));
    let r = post(
        &server,
        &admin,
        &reveal_path,
        &[
            ("csrf", &admin_token),
            ("kind", "person"),
            ("id", &person),
            ("field", "id_number"),
        ],
    );
    assert_eq!(r.status, 403);
    assert!(!text(&r).contains(ID_NUMBER));
    assert_eq!(count(&store, reveals), 1, "refusals write no reveal");

    // Entity exports: whole for the supervisor, masked for the administrator;
    // both audited with the row count.
    let csv = get(&server.url, &sup, "/console/addresses/export.csv");
    assert_eq!(csv.status, 200);
    let body = text(&csv);
    assert!(body.contains(ID_NUMBER) && body.contains(PHONE), "{body}");
    let csv = text(&get(&server.url, &admin, "/console/addresses/export.csv"));
    assert!(
        csv.contains(ID_MASKED) && csv.contains(PHONE_MASKED),
        "{csv}"
    );
    assert!(!csv.contains(ID_NUMBER) && !csv.contains(PHONE));
    let exports = store.query_lines(
        "SELECT actor || '|' || detail FROM audit WHERE action = 'export' AND kind = 'entities' ORDER BY id",
    );
    assert_eq!(exports.len(), 2, "{exports:?}");
    assert!(exports[0].starts_with("赵强|") && exports[0].contains("\"full\":true"));
    assert!(exports[1].starts_with("管理员|") && exports[1].contains("\"full\":false"));
    assert!(
        exports.iter().all(|e| e.contains("\"rows\":1")),
        "{exports:?}"
    );

    // The list exports are audited too.
    assert_eq!(
        get(
            &server.url,
            &sup,
            "/console/export/hazards.csv?status=reported"
        )
        .status,
        200
    );
    let logged =
        store.query_lines("SELECT detail FROM audit WHERE action = 'export' AND kind = 'hazard'");
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0].contains("status=reported") && logged[0].contains("\"rows\":0"));

    // The audit trail page filters; its CSV export is exactly what it shows, and audited.
    let page = text(&get(&server.url, &admin, "/console/audit?action=reveal"));
    assert!(page.contains("reveal") && page.contains(&person), "{page}");
    assert!(!page.contains("console_login"), "the filter applies");
    let csv = get(
        &server.url,
        &admin,
        "/console/audit/export.csv?action=reveal",
    );
    assert_eq!(csv.status, 200);
    let mut rdr = csv::Reader::from_reader(csv.body.as_slice());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][1], "赵强");
    assert_eq!(&rows[0][5], person);
    let logged = store.query_lines("SELECT detail FROM audit WHERE action = 'audit_export'");
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0].contains("\"action\":\"reveal\"") && logged[0].contains("\"rows\":1"));

    // And the chain holds over all of it.
    drop(server);
    let out = store.admin(&["audit", "verify"]);
    assert!(out.contains("intact"), "{out}");
}

#[test]
fn console_privacy_sqlite() {
    privacy(Backend::Sqlite);
}

#[test]
fn console_privacy_postgres() {
    privacy(Backend::Postgres);
}
