//! Cases (事件) in the console over HTTP against a real server, on SQLite and on
//! PostgreSQL: a case a device pushed lands in its level's 受理台, is accepted
//! and dispatched to a department from the console, the department user works
//! it from their inbox, sees nothing else, and the dashboard counts the settled
//! dispute at its tier. Departments and the department user are made with SQL
//! (the admin commands for them are another part of the work).

use gridfield_core::case::CaseRefusal;
use gridfield_core::i18n::Lang;
use gridfield_tests::console::{self, FORM, csrf, form};
use gridfield_tests::*;
use serde_json::json;

const PASSWORD: &str = "console-pass-1";
const TOWN_PATH: &str = "/320583/320583001/";
const GRID_A_PATH: &str = "/320583/320583001/320583001003/";
const JUSTICE: &str = "320583001-justice";
/// Hangs off grid B: it does not serve the town's queue.
const FAR: &str = "320583001004-police";

fn new_case(id: &str, case_type: &str, worker: &str) -> serde_json::Value {
    let mut op = case_op(id, case_type, worker);
    op["case"]["parties"] =
        json!([{ "name": "王五", "phone": "13900000001", "role": "applicant" }]);
    op
}

fn case_op(id: &str, case_type: &str, worker: &str) -> serde_json::Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    json!({
        "type": "case_create",
        "case": {
            "id": id, "case_type": case_type, "severity": "low", "source": "worker",
            "grid_path": GRID_A_PATH, "owner_path": GRID_A_PATH,
            "description": "楼上漏水影响楼下住户", "status": "reported",
            "reported_by": worker, "created_at": now, "updated_at": now, "delivery": "local"
        },
        "handle_myself": false
    })
}

fn body(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

fn step(server: &ServerProc, cookie: &str, id: &str, fields: &[(&str, &str)]) -> Reply {
    let page = console::get(&server.url, cookie, &format!("/console/cases/{id}"));
    assert_eq!(page.status, 200, "{}", body(&page));
    let token = csrf(&page);
    let mut pairs = vec![("csrf", token.as_str())];
    pairs.extend_from_slice(fields);
    http(
        "POST",
        &format!("{}/console/cases/{id}/step", server.url),
        &[FORM, ("cookie", cookie)],
        Some(&form(&pairs)),
    )
}

fn case_row(store: &Store, id: &str) -> String {
    store
        .query_lines(&format!(
            "SELECT case_status || ' ' || COALESCE(case_handler, '-') FROM records WHERE id = '{id}'"
        ))
        .join("")
}

fn scenario(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.sql(&format!(
        "INSERT INTO departments (code, kind, zh, en, level_path, created_at) VALUES
         ('{JUSTICE}', 'justice', '玉山镇司法所', 'Yushan justice office', '{TOWN_PATH}', 0),
         ('{FAR}', 'police', '第四网格警务室', 'Grid four police room',
          '/320583/320583001/320583001004/', 0)"
    ));
    store.console_user("镇综治", "supervisor", TOWN, PASSWORD);
    // A department user: made as a console user, then given its role and department.
    store.console_user("司法所李", "supervisor", TOWN, PASSWORD);
    store.sql(&format!(
        "UPDATE users SET role = 'department', department = '{JUSTICE}' WHERE name = '司法所李'"
    ));
    let server = ServerProc::start(&store);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    let results = push_ops(
        &server,
        &w.token(),
        &[
            raw_op(
                "op-c1",
                "case-c1",
                new_case("case-c1", "dispute.property", "张伟"),
            ),
            raw_op("op-c2", "case-c2", case_op("case-c2", "livelihood", "张伟")),
            // A neighbour dispute goes to the grid's worker (owned by grid A).
            raw_op(
                "op-c3",
                "case-c3",
                case_op("case-c3", "dispute.neighbor", "张伟"),
            ),
        ],
    );
    for r in &results {
        assert_eq!(r["status"], "applied", "{r}");
    }

    // The town's 受理台 holds both, newest first.
    let town = console::sign_in(&server.url, "镇综治", PASSWORD);
    let intake = console::get(&server.url, &town, "/console/cases/intake");
    assert_eq!(intake.status, 200);
    let text = body(&intake);
    assert!(text.contains("/console/cases/case-c1"), "{text}");
    assert!(text.contains("物业纠纷"), "{text}");
    assert!(!text.contains("case-c3"), "owned by the grid, not the town");

    // The case page: parties with the phone masked.
    let page = body(&console::get(&server.url, &town, "/console/cases/case-c1"));
    assert!(
        page.contains("王五") && page.contains("139****0001"),
        "{page}"
    );
    assert!(!page.contains("13900000001"));
    // In English, the page's own words are English.
    let en = body(&console::get(
        &server.url,
        &town,
        "/console/cases/case-c1?lang=en",
    ));
    assert!(en.contains("Owning level") && en.contains("Property management dispute"));
    assert!(!en.contains("所属层级") && !en.contains("待受理"), "{en}");

    // The export follows the filter and carries no parties.
    let csv = console::get(
        &server.url,
        &town,
        "/console/cases/export/cases.csv?type=dispute",
    );
    assert_eq!(csv.status, 200);
    let csv = body(&csv);
    assert!(csv.contains("case-c1") && csv.contains("case-c3"), "{csv}");
    assert!(!csv.contains("case-c2"), "not a dispute");
    assert!(!csv.contains("王五") && !csv.contains("13900000001"));
    let xlsx = console::get(&server.url, &town, "/console/cases/export/cases.xlsx");
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.body.starts_with(b"PK"));

    // 督办: grid A's case past its deadline appears in the town's list; the town
    // sets a new deadline, then takes it over into its own queue.
    assert!(!body(&console::get(&server.url, &town, "/console/cases/overdue")).contains("case-c3"));
    store.sql(if store.is_postgres() {
        "UPDATE records SET body = jsonb_set(body::jsonb, '{case,deadline}', '1000')::text WHERE id = 'case-c3'"
    } else {
        "UPDATE records SET body = json_set(body, '$.case.deadline', 1000) WHERE id = 'case-c3'"
    });
    let overdue = body(&console::get(&server.url, &town, "/console/cases/overdue"));
    assert!(overdue.contains("/console/cases/case-c3"), "{overdue}");
    let no_note = step(
        &server,
        &town,
        "case-c3",
        &[("action", "supervise"), ("deadline", "2099-12-31")],
    );
    assert_eq!(no_note.status, 422);
    assert!(body(&no_note).contains(&CaseRefusal::NoteRequired.message(Lang::Zh)));
    let sup = step(
        &server,
        &town,
        "case-c3",
        &[
            ("action", "supervise"),
            ("deadline", "2099-12-31"),
            ("note", "请尽快调解"),
        ],
    );
    assert_eq!(sup.status, 303, "{}", body(&sup));
    assert!(!body(&console::get(&server.url, &town, "/console/cases/overdue")).contains("case-c3"));
    assert_eq!(
        step(&server, &town, "case-c3", &[("action", "take_over")]).status,
        303
    );
    assert_eq!(
        store.query_lines("SELECT case_owner FROM records WHERE id = 'case-c3'"),
        vec![TOWN_PATH.to_string()]
    );

    // Accept; then a dispatch to a department that does not serve the town is
    // refused in Chinese and changes nothing.
    assert_eq!(
        step(&server, &town, "case-c1", &[("action", "accept")]).status,
        303
    );
    assert_eq!(case_row(&store, "case-c1"), "accepted -");
    let far = step(
        &server,
        &town,
        "case-c1",
        &[("action", "dispatch"), ("to", &format!("department:{FAR}"))],
    );
    assert_eq!(far.status, 422);
    assert!(
        body(&far).contains(&CaseRefusal::DepartmentOutsideLevel.message(Lang::Zh)),
        "{}",
        body(&far)
    );
    assert_eq!(case_row(&store, "case-c1"), "accepted -");
    let ok = step(
        &server,
        &town,
        "case-c1",
        &[
            ("action", "dispatch"),
            ("to", &format!("department:{JUSTICE}")),
        ],
    );
    assert_eq!(ok.status, 303, "{}", body(&ok));
    assert_eq!(case_row(&store, "case-c1"), format!("dispatched {JUSTICE}"));

    // Nothing settled yet: no settled-per-tier share on the dashboard.
    let dash = body(&console::get(&server.url, &town, "/console"));
    assert!(dash.contains("矛盾纠纷化解层级"), "{dash}");
    assert!(!dash.contains("，平均"), "{dash}");

    // The department user: its inbox has the case; nothing else is theirs.
    let dept = console::sign_in(&server.url, "司法所李", PASSWORD);
    let inbox = body(&console::get(&server.url, &dept, "/console/cases/inbox"));
    assert!(inbox.contains("/console/cases/case-c1"), "{inbox}");
    assert!(!inbox.contains("case-c2"));
    assert!(
        !inbox.contains("/console/hazards"),
        "nav shows the inbox only"
    );
    assert_eq!(
        console::get(&server.url, &dept, "/console/cases/case-c2").status,
        404
    );
    assert_eq!(
        console::get(&server.url, &dept, "/console/hazards").status,
        404
    );
    assert_eq!(
        console::get(&server.url, &dept, "/console/cases/intake").status,
        404
    );
    assert_eq!(console::get(&server.url, &dept, "/console").status, 303);
    assert_eq!(
        step(&server, &dept, "case-c1", &[("action", "receive")]).status,
        303
    );
    let finish = step(
        &server,
        &dept,
        "case-c1",
        &[("action", "finish"), ("note", "双方达成和解")],
    );
    assert_eq!(finish.status, 303, "{}", body(&finish));
    assert_eq!(case_row(&store, "case-c1"), format!("finished {JUSTICE}"));

    // The dashboard counts the dispute settled at the town.
    let dash = body(&console::get(&server.url, &town, "/console"));
    assert!(dash.contains("100% (1/1)，平均"), "{dash}");
    let page = body(&console::get(&server.url, &town, "/console/cases/case-c1"));
    assert!(page.contains("双方达成和解") && page.contains("玉山镇司法所"));

    // A dispatch the department gives back leaves its inbox, not its list: it
    // keeps seeing every case ever dispatched to it (`case::visible_to`).
    let ok = step(
        &server,
        &town,
        "case-c2",
        &[
            ("action", "dispatch"),
            ("to", &format!("department:{JUSTICE}")),
        ],
    );
    assert_eq!(ok.status, 303, "{}", body(&ok));
    let back = step(
        &server,
        &dept,
        "case-c2",
        &[("action", "return"), ("note", "不属于本所职责")],
    );
    assert_eq!(back.status, 303, "{}", body(&back));
    assert_eq!(case_row(&store, "case-c2"), "accepted -");
    let inbox = body(&console::get(&server.url, &dept, "/console/cases/inbox"));
    assert!(!inbox.contains("case-c2"), "{inbox}");
    let list = body(&console::get(&server.url, &dept, "/console/cases"));
    assert!(
        list.contains("/console/cases/case-c2") && list.contains("/console/cases/case-c1"),
        "{list}"
    );
    assert!(!list.contains("case-c3"), "never dispatched to it");
}

#[test]
fn console_cases_sqlite() {
    scenario(Backend::Sqlite);
}

#[test]
fn console_cases_postgres() {
    scenario(Backend::Postgres);
}
