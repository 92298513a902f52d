//! The supervisor console over HTTP against a real server, on SQLite and on
//! PostgreSQL: sign-in and its brake on guessing, CSRF refusal, grid scope on record URLs and
//! exports, a review that reaches the device, door-plate search.

use gridfield_tests::console::{self, FORM, csrf, form, percent, session};
use gridfield_tests::*;

const FAIL_ANSWERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/fire_safety_fail.json"
);
const PASSWORD: &str = "console-pass-1";

fn console_user(store: &Store, name: &str, grid: &str) {
    store.console_user(name, "supervisor", grid, PASSWORD);
}

fn login(server: &ServerProc, user: &str, password: &str) -> Reply {
    console::login(&server.url, user, password)
}

fn get(server: &ServerProc, cookie: &str, path: &str) -> Reply {
    console::get(&server.url, cookie, path)
}

fn console_scenario(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    console_user(&store, "赵强", GRID_A);
    console_user(&store, "孙丽", GRID_B);
    let server = ServerProc::start(&store);
    let w = Device::enrolled(&server, &store.code("张伟", "worker", GRID_A));
    w.sync();
    w.ok(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_A,
        "--answers",
        FAIL_ANSWERS,
    ]);
    w.sync();
    let id = w.json(&["inspections"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Pages need a session.
    let r = get(&server, "", "/console/inspections");
    assert_eq!(r.status, 303);
    assert!(r.header("location").unwrap().starts_with("/console/login"));

    // Wrong passwords brake this client for this account, even against the right
    // one (the throttle itself is tested in console_doors.rs).
    for _ in 0..3 {
        assert_eq!(login(&server, "赵强", "nope").status, 401);
    }
    let braked = login(&server, "赵强", PASSWORD);
    assert_eq!(braked.status, 429);
    assert!(String::from_utf8_lossy(&braked.body).contains("秒后再试"));
    let wait: u64 = braked.header("retry-after").unwrap().parse().unwrap();
    // An unknown user gets the same answer as a wrong password.
    assert_eq!(login(&server, "nobody", PASSWORD).status, 401);

    // Grid B's supervisor signs in; grid A's inspection is not theirs to see.
    let b = session(&login(&server, "孙丽", PASSWORD));
    let r = get(&server, &b, &format!("/console/inspections/{id}"));
    assert_eq!(r.status, 404);
    assert!(!String::from_utf8_lossy(&r.body).contains(&id));
    let queue = get(&server, &b, "/console/inspections");
    assert!(!String::from_utf8_lossy(&queue.body).contains(&id));
    let csv = get(
        &server,
        &b,
        "/console/export/inspections.csv?status=submitted",
    );
    assert_eq!(csv.status, 200);
    assert!(!String::from_utf8_lossy(&csv.body).contains(&id));
    // Reviewing it by a forged POST is refused the same way and changes nothing.
    let page = get(&server, &b, "/console/inspections");
    let token = csrf(&page);
    let r = http(
        "POST",
        &format!("{}/console/inspections/{id}/review", server.url),
        &[FORM, ("cookie", &b)],
        Some(&form(&[("csrf", &token), ("decision", "approve")])),
    );
    assert_eq!(r.status, 404);

    // Search and the address page stay in scope too.
    let r = get(
        &server,
        &b,
        &format!("/console/addresses?q={}", percent("建设路12号")),
    );
    assert!(!String::from_utf8_lossy(&r.body).contains(ADDR_A));
    assert_eq!(
        get(&server, &b, &format!("/console/addresses/{ADDR_A}")).status,
        404
    );
    let b_addr = "320583-001-0008-02-01-0302";
    let r = get(
        &server,
        &b,
        &format!("/console/addresses?q={}", percent("0008-02")),
    );
    assert!(
        String::from_utf8_lossy(&r.body).contains(b_addr),
        "trigram search finds B's plate"
    );

    // A POST without the session's CSRF token is refused.
    let r = http(
        "POST",
        &format!("{}/console/inspections/{id}/review", server.url),
        &[FORM, ("cookie", &b)],
        Some(&form(&[("csrf", "0000"), ("decision", "approve")])),
    );
    assert_eq!(r.status, 403);

    // Past the delay the right password works; grid A's supervisor returns the inspection.
    let dir = tempfile::tempdir().unwrap();
    std::thread::sleep(std::time::Duration::from_secs(wait));
    let a = session(&login(&server, "赵强", PASSWORD));
    let page = get(&server, &a, &format!("/console/inspections/{id}"));
    assert_eq!(page.status, 200);
    let token = csrf(&page);
    let review = |pairs: &[(&str, &str)]| {
        http(
            "POST",
            &format!("{}/console/inspections/{id}/review", server.url),
            &[FORM, ("cookie", &a)],
            Some(&form(pairs)),
        )
    };
    let r = review(&[("csrf", &token), ("decision", "return"), ("comment", "  ")]);
    assert_eq!(r.status, 422);
    assert!(String::from_utf8_lossy(&r.body).contains("退回时必须填写意见"));
    store.admin(&["export", "--out", dir.path().to_str().unwrap()]);
    let exported = std::fs::read_to_string(dir.path().join("inspection.jsonl")).unwrap();
    assert!(
        exported.contains("\"review_status\":\"submitted\""),
        "{exported}"
    );
    let r = review(&[
        ("csrf", &token),
        ("decision", "return"),
        ("comment", "请补拍照片"),
    ]);
    assert_eq!(r.status, 303);
    w.sync();
    let i = &w.json(&["inspections"])[0];
    assert_eq!(i["review_status"], "returned");
    assert_eq!(i["review_comment"], "请补拍照片");

    // The XLSX export is a zip archive with the sheet.
    let x = get(&server, &a, "/console/export/inspections.xlsx");
    assert_eq!(x.status, 200);
    assert_eq!(&x.body[..4], b"PK\x03\x04");
    let xs = String::from_utf8_lossy(&x.body);
    assert!(xs.contains("xl/worksheets/sheet1.xml"));

    // The dashboard draws its charts from the same scope.
    let d = get(&server, &a, "/console");
    assert_eq!(d.status, 200);
    assert!(String::from_utf8_lossy(&d.body).contains("<svg"));
}

/// A photo of grid B's record is not grid A's to see, even by its hash; the
/// index that answers this (`record_photos`) is rebuilt by migration 003 from
/// the stored records.
fn photo_scope(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    console_user(&store, "赵强", GRID_A);
    console_user(&store, "孙丽", GRID_B);
    let mut server = ServerProc::start(&store);
    let w = Device::enrolled(&server, &store.code("张伟", "worker", GRID_A));
    w.sync();
    w.ok(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_A,
        "--answers",
        FAIL_ANSWERS,
    ]);
    w.sync();
    let a_photo = w.json(&["inspections"])[0]["photos"]["ebike_indoor"][0]
        .as_str()
        .unwrap()
        .to_string();
    // A volunteer in grid B reports with a photo of its own (other bytes).
    let dir = tempfile::tempdir().unwrap();
    let b_png = dir.path().join("b.png");
    let mut bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/tests/fixtures/ebike.png"
    ))
    .unwrap();
    bytes.extend_from_slice(b"grid-b");
    std::fs::write(&b_png, bytes).unwrap();
    let v = Device::enrolled(&server, &store.code("王芳", "volunteer", GRID_B));
    v.sync();
    v.ok(&[
        "report",
        "--address",
        ADDR_B,
        "--text",
        "楼道堆物",
        "--photo",
        b_png.to_str().unwrap(),
    ]);
    v.sync();
    let b_photo = v.json(&["points"])["reports"][0]["photos"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(a_photo, b_photo);

    let check = |server: &ServerProc| {
        let a = session(&login(server, "赵强", PASSWORD));
        let b = session(&login(server, "孙丽", PASSWORD));
        let own = get(server, &a, &format!("/console/photos/{a_photo}"));
        assert_eq!(own.status, 200);
        assert_eq!(own.header("content-type").as_deref(), Some("image/png"));
        let r = get(server, &a, &format!("/console/photos/{b_photo}"));
        assert_eq!(r.status, 404, "grid A must not fetch grid B's photo");
        assert!(!r.body.starts_with(b"\x89PNG"));
        assert_eq!(
            get(server, &b, &format!("/console/photos/{b_photo}")).status,
            200
        );
        assert_eq!(
            get(server, &b, &format!("/console/photos/{a_photo}")).status,
            404
        );
        // A hash nobody refers to is the same 404 as one out of scope.
        let none = "0".repeat(64);
        assert_eq!(
            get(server, &a, &format!("/console/photos/{none}")).status,
            404
        );
    };
    check(&server);

    // Back to schema 2 without the index: migration 003 rebuilds it from records.
    // (What later migrations added goes too, as it would not be there at version 2.)
    server.kill();
    let undo_005_006 = "DROP TABLE restores; ALTER TABLE devices DROP COLUMN install_id;
        ALTER TABLE devices DROP COLUMN req_seq; ALTER TABLE devices DROP COLUMN req_window;
        ALTER TABLE devices DROP COLUMN cloned_at;
        DROP INDEX audit_chain_seq; DROP INDEX audit_actor_at; DROP INDEX audit_action_at;
        DROP TABLE audit_head; ALTER TABLE audit DROP COLUMN chain_seq;
        ALTER TABLE audit DROP COLUMN prev_hash; ALTER TABLE audit DROP COLUMN hash;";
    let undo_007_008 = "DROP TABLE blob_uploaders; DROP TABLE taxonomies;";
    let undo_011 = "DROP TABLE case_finishes; DROP TABLE case_departments;
        DROP INDEX records_case_list; DROP INDEX records_case_kinds;
        ALTER TABLE records DROP COLUMN case_type;";
    let undo_010 = "DROP INDEX records_case_owner; DROP INDEX records_case_handler;
        DROP INDEX records_case_due; DROP INDEX records_case_at;
        ALTER TABLE records DROP COLUMN case_status; ALTER TABLE records DROP COLUMN case_owner;
        ALTER TABLE records DROP COLUMN case_handler; ALTER TABLE records DROP COLUMN case_due;
        ALTER TABLE records DROP COLUMN case_at; ALTER TABLE users DROP COLUMN department;
        DROP TABLE case_routing; DROP TABLE departments; DROP TABLE template_drafts; DROP TABLE visit_rules;
        DROP INDEX records_visit_subject; DROP INDEX records_visit_by;
        ALTER TABLE records DROP COLUMN visit_subject; ALTER TABLE records DROP COLUMN visit_at;
        ALTER TABLE records DROP COLUMN visit_by; ALTER TABLE records DROP COLUMN visit_value;
        ALTER TABLE records DROP COLUMN visit_planned;";
    let undo_015 = "DROP TABLE legacy_plates; DROP TABLE grid_boundaries;
        DROP INDEX records_located; ALTER TABLE records DROP COLUMN map_lat;
        ALTER TABLE records DROP COLUMN map_lon;";
    let undo_018 = "DROP INDEX records_inspection_at; DROP INDEX records_inspection_status_at; DROP INDEX records_inspection_seq;
        DROP INDEX records_inspection_path; DROP INDEX records_hazard_at; DROP INDEX records_hazard_status_at;
        DROP INDEX records_hazard_seq; DROP INDEX records_hazard_path; DROP INDEX records_report_at;
        DROP INDEX records_report_status_at; DROP INDEX records_report_seq; DROP INDEX records_report_path;
        DROP INDEX records_hazard_due; DROP INDEX records_address_path;
        DROP INDEX records_hazard_closed;";
    let undo_014 = "DROP TABLE points_rules; DROP TABLE points_ledger; DROP TABLE shops;
        DROP TABLE vouchers; DROP TABLE voucher_double_spends; DROP TABLE points_opt_outs;";
    store.undo_coverage_tables();
    if store.is_postgres() {
        store.sql(&format!(
            "DROP TABLE record_photos; {undo_005_006} {undo_007_008} {undo_011} {undo_010} {undo_014} {undo_015} {undo_018} UPDATE schema_version SET version = 2"
        ));
    } else {
        store.sql(&format!(
            "DROP TABLE record_photos; {undo_005_006} {undo_007_008} {undo_011} {undo_010} {undo_014} {undo_015} {undo_018} PRAGMA user_version = 2"
        ));
    }
    let server = ServerProc::start(&store);
    check(&server);
}

fn post(server: &ServerProc, cookie: &str, path: &str, pairs: &[(&str, &str)]) -> Reply {
    http(
        "POST",
        &format!("{}{path}", server.url),
        &[FORM, ("cookie", cookie)],
        Some(&form(pairs)),
    )
}

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// The report inbox: accept (points by the rules; one as a hazard), dismiss with a reason;
/// each decision reaches the volunteer's phone, the hazard reaches the worker's.
fn report_inbox(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    console_user(&store, "赵强", GRID_A);
    let server = ServerProc::start(&store);
    let w = Device::enrolled(&server, &store.code("张伟", "worker", GRID_A));
    let v = Device::enrolled(&server, &store.code("王芳", "volunteer", GRID_A));
    w.sync();
    v.sync();
    let file = |text: &str| {
        v.json(&["report", "--address", ADDR_A, "--text", text])["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (as_hazard, plain, dismissed) = (file("楼道堆放杂物"), file("路灯不亮"), file("重复上报"));
    v.sync();
    let a = session(&login(&server, "赵强", PASSWORD));
    let inbox = get(&server, &a, "/console/reports?status=pending");
    for id in [&as_hazard, &plain, &dismissed] {
        assert!(text(&inbox).contains(id.as_str()), "{id} in the inbox");
    }
    let token = csrf(&get(&server, &a, &format!("/console/reports/{as_hazard}")));
    let decide = |id: &str, pairs: &[(&str, &str)]| {
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(pairs);
        post(&server, &a, &format!("/console/reports/{id}/decide"), &all)
    };

    // Dismissing without a reason is refused on the page and changes nothing.
    let r = decide(&dismissed, &[("decision", "dismiss"), ("note", "   ")]);
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("不采纳时必须填写原因"), "{}", text(&r));
    let page = get(&server, &a, &format!("/console/reports/{dismissed}"));
    assert!(text(&page).contains("decide"), "still open for a decision");
    v.sync();
    let mine = v.json(&["points"]);
    let status_of = |mine: &serde_json::Value, id: &str| {
        mine["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} on the volunteer's device"))
            .clone()
    };
    assert_eq!(status_of(&mine, &dismissed)["status"], "pending");
    assert_eq!(mine["points"], 0);

    // Accept with points, one of them as a hazard; dismiss the third with a reason.
    let r = decide(
        &as_hazard,
        &[
            ("decision", "accept"),
            ("level", "medium"),
            ("make_hazard", "1"),
            ("category", "fire.escape_blocked"),
            ("severity", "high"),
        ],
    );
    assert_eq!(r.status, 303, "{}", text(&r));
    // The points rules price it (low: 2 by the default rules), adjusted with a reason.
    let r = decide(
        &plain,
        &[
            ("decision", "accept"),
            ("level", "low"),
            ("adjust", "1"),
            ("adjust_reason", "线索清楚"),
        ],
    );
    assert_eq!(r.status, 303, "{}", text(&r));
    let r = decide(
        &dismissed,
        &[("decision", "dismiss"), ("note", "已有人上报")],
    );
    assert_eq!(r.status, 303, "{}", text(&r));
    // A decided report cannot be decided again.
    let r = decide(&dismissed, &[("decision", "accept"), ("points", "9")]);
    assert_eq!(r.status, 422);

    v.sync();
    let mine = v.json(&["points"]);
    assert_eq!(mine["points"], 8, "{mine}");
    let h = status_of(&mine, &as_hazard);
    assert_eq!(h["status"], "accepted");
    assert_eq!(h["points"], 5);
    let hazard_id = h["hazard_id"].as_str().expect("hazard id").to_string();
    assert_eq!(status_of(&mine, &plain)["status"], "accepted");
    assert!(status_of(&mine, &plain)["hazard_id"].is_null());
    let d = status_of(&mine, &dismissed);
    assert_eq!(d["status"], "dismissed");
    assert_eq!(d["decision_note"], "已有人上报");
    assert_eq!(d["points"], 0);
    let shown = v.ok(&["points"]);
    assert!(shown.contains('8'), "{shown}");

    // The worker's phone has the new hazard after its next sync.
    w.sync();
    let hazards = w.json(&["hazard", "list"]);
    let hz = hazards
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == hazard_id.as_str())
        .unwrap_or_else(|| panic!("hazard {hazard_id} on the worker's device: {hazards}"));
    assert_eq!(hz["category"], "fire.escape_blocked");
    assert_eq!(hz["severity"], "high");
    assert_eq!(hz["status"], "reported");
    assert_eq!(hz["source_report"], as_hazard.as_str());
    assert_eq!(
        get(&server, &a, &format!("/console/hazards/{hazard_id}")).status,
        200
    );
}

/// End of 2024-01-01 and 2024-02-01 in China Standard Time (the CLI's deadlines).
const JAN_1_2024: i64 = 1_704_124_799_999;
const FEB_1_2024: i64 = 1_706_803_199_999;

/// Overdue hazards escalate one grid level up once `--escalate-after-hours` past
/// their deadline: the town's supervisor sees the one past it, not the other.
fn escalation(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    console_user(&store, "赵强", GRID_A);
    console_user(&store, "陈镇长", TOWN);
    // The threshold falls a week after the later deadline: the hazard due on
    // 1 February is overdue but not escalated, the one due on 1 January is
    // escalated exactly one level (to the town), whatever today's date.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let hours = (now - FEB_1_2024) / 3_600_000 + 7 * 24;
    let hours_s = hours.to_string();
    let server = ServerProc::start_with(&store.target, &["--escalate-after-hours", &hours_s]);
    let w = Device::enrolled(&server, &store.code("张伟", "worker", GRID_A));
    w.sync();
    let new = |desc: &str, deadline: &str| {
        w.json(&[
            "hazard",
            "new",
            "--address",
            ADDR_A,
            "--category",
            "fire.escape_blocked",
            "--description",
            desc,
            "--deadline",
            deadline,
        ])["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let late = new("逾期已久", "2024-01-01");
    let recent = new("刚逾期", "2024-02-01");
    let sync = w.sync();
    assert_eq!(sync["rejected"].as_array().map(Vec::len), Some(0), "{sync}");
    let deadline = |id: &str| w.json(&["hazard", "show", id])["hazard"]["deadline"].clone();
    assert_eq!(deadline(&late), JAN_1_2024);
    assert_eq!(deadline(&recent), FEB_1_2024);

    let town = session(&login(&server, "陈镇长", PASSWORD));
    let escalated = text(&get(&server, &town, "/console/hazards?escalated=1"));
    assert!(escalated.contains(&late), "{escalated}");
    assert!(!escalated.contains(&recent), "not yet past the threshold");
    assert!(escalated.contains("已升级至玉山镇"), "{escalated}");
    let overdue = text(&get(&server, &town, "/console/hazards?overdue=1"));
    assert!(overdue.contains(&late) && overdue.contains(&recent));
    let page = text(&get(&server, &town, &format!("/console/hazards/{late}")));
    assert!(page.contains("逾期未整改，已升级至：玉山镇"), "{page}");
    let page = text(&get(&server, &town, &format!("/console/hazards/{recent}")));
    assert!(!page.contains("已升级至"));

    // The grid's own supervisor sees the same filter within the grid.
    let a = session(&login(&server, "赵强", PASSWORD));
    let escalated = text(&get(&server, &a, "/console/hazards?escalated=1"));
    assert!(escalated.contains(&late) && !escalated.contains(&recent));
}
on_both_backends!(console_scenario, photo_scope, report_inbox, escalation);
