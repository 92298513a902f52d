//! The hazard taxonomy is data: categories and severities live on the server,
//! reach devices by sync, and are judged by one core rule on the phone (before
//! queueing) and on the server (per operation). Fields the server derives (a
//! report's address text) come from its own register, never from the phone.

use gridfield_tests::*;
use serde_json::{Value, json};

const REGISTER_TEXT_A: &str = "江苏省昆山市玉山镇建设路12号3栋2单元501室";

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// Push one op as the device holding `token`; the raw answer.
fn push_raw(server: &ServerProc, token: &str, op_id: &str, entity_id: &str, op: Value) -> Reply {
    let body = json!({ "ops": [raw_op(op_id, entity_id, op)] }).to_string();
    push_body(server, Some(token), body.as_bytes())
}

fn push_one(server: &ServerProc, token: &str, op_id: &str, entity_id: &str, op: Value) -> Value {
    push_ops(server, token, &[raw_op(op_id, entity_id, op)]).remove(0)
}

/// Every exported record of one kind.
fn exported(store: &Store, kind: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    store.admin(&["export", "--out", dir.path().to_str().unwrap()]);
    std::fs::read_to_string(dir.path().join(format!("{kind}.jsonl")))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect()
}

fn hazard_op(id: &str, category: &str, severity: &str) -> Value {
    let t = now_ms() as i64;
    json!({ "type": "hazard_create", "hazard": {
        "id": id, "address_code": ADDR_A, "category": category, "severity": severity,
        "description": "楼道内电动车充电", "status": "reported", "assignee": null,
        "deadline": null, "photos": [], "source_inspection": null, "source_item": null,
        "source_report": null, "reported_by": "x", "created_at": t, "updated_at": t,
        "delivery": "local" } })
}

/// A report's address text is the register's, whatever the phone sent.
fn forged_address_text_is_replaced(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let v = Device::enrolled(&server, &store.code("王芳", "volunteer", GRID_A));
    v.sync();
    let t = now_ms() as i64;
    let res = push_one(
        &server,
        &v.token(),
        "forged-text",
        "rep-forged",
        json!({ "type": "report_create", "report": {
            "id": "rep-forged", "address_code": ADDR_A, "address_text": "北京市天安门广场1号",
            "text": "楼道堆放杂物", "photos": [], "reporter": "someone", "device_id": "d",
            "status": "accepted", "points": 99, "decision_note": null, "hazard_id": null,
            "created_at": t, "delivery": "reviewed" } }),
    );
    assert_eq!(res["status"], "applied", "{res}");
    let reports = exported(&store, "report");
    let r = reports.iter().find(|r| r["id"] == "rep-forged").unwrap();
    assert_eq!(r["address_text"], REGISTER_TEXT_A, "{r}");
    assert_eq!(r["reporter"], "王芳", "{r}");
    assert_eq!(r["points"], 0, "{r}");
    // The volunteer's own phone gets the register's text back.
    v.sync();
    let mine = v.store().reports().unwrap();
    let r = mine.iter().find(|r| r.id == "rep-forged").unwrap();
    assert_eq!(r.address_text, REGISTER_TEXT_A);
}

/// Unknown categories are refused on the phone (nothing queued) and by the server
/// (per op, with a reason); an unknown severity is a clear error that stores nothing.
fn unknown_categories_and_severities_are_refused(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    let out = w.run(&[
        "hazard",
        "new",
        "--address",
        ADDR_A,
        "--category",
        "made.up-category",
        "--description",
        "楼道内电动车充电",
    ]);
    assert!(!out.status.success(), "an unknown category was queued");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("隐患类别"), "{err}");
    assert_eq!(w.count("SELECT COUNT(*) FROM outbox"), 0);

    let res = push_one(
        &server,
        &w.token(),
        "made-up",
        "hz-made-up",
        hazard_op("hz-made-up", "made.up-category", "high"),
    );
    assert_eq!(res["status"], "rejected", "{res}");
    assert_eq!(res["code"], "unknown_category", "{res}");
    assert!(
        res["message"].as_str().unwrap().contains("隐患类别"),
        "{res}"
    );

    let r = push_raw(
        &server,
        &w.token(),
        "made-up-sev",
        "hz-made-up-sev",
        hazard_op("hz-made-up-sev", "fire.ebike_charging", "apocalyptic"),
    );
    r.assert_error(422, "invalid_body");
    assert!(exported(&store, "hazard").is_empty());

    // A known category is still accepted.
    let res = push_one(
        &server,
        &w.token(),
        "known",
        "hz-known",
        hazard_op("hz-known", "fire.ebike_charging", "high"),
    );
    assert_eq!(res["status"], "applied", "{res}");
}

/// A category added on the server reaches the phone by sync and is then accepted
/// offline; one retired on the server is refused on the phone after the next sync.
fn server_taxonomy_reaches_devices(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    let new = [
        "hazard",
        "new",
        "--address",
        ADDR_A,
        "--category",
        "fire.lithium_storage",
        "--description",
        "楼道内堆放锂电池",
    ];
    assert!(
        !w.run(&new).status.success(),
        "unknown before the server adds it"
    );

    store.admin(&[
        "taxonomy",
        "add",
        "--kind",
        "hazard",
        "--code",
        "fire.lithium_storage",
        "--zh",
        "锂电池违规存放",
        "--en",
        "Lithium batteries stored unsafely",
    ]);
    store.admin(&[
        "taxonomy",
        "retire",
        "--kind",
        "hazard",
        "--code",
        "gas.safety",
    ]);
    let listed = store.admin(&["taxonomy", "list", "--kind", "hazard"]);
    assert!(listed.contains("fire.lithium_storage"), "{listed}");
    assert!(listed.contains("锂电池违规存放"), "{listed}");

    // Apps that do not ask (older ones) get pages as before; those that do get the
    // server's taxonomy when they hold another version.
    let pull = |query: &str| {
        let auth = format!("Bearer {}", w.token());
        let r = http(
            "GET",
            &format!("{}/v1/pull?limit=5{query}", server.url),
            &[("authorization", &auth)],
            None,
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        r.json()
    };
    assert!(pull("").get("taxonomies").is_none());
    let sent = pull("&taxonomies=hazard:0");
    assert_eq!(sent["taxonomies"][0]["kind"], "hazard", "{sent}");
    assert_eq!(sent["taxonomies"][0]["version"], 3, "{sent}");
    assert!(pull("&taxonomies=hazard:3").get("taxonomies").is_none());

    w.sync();
    // Offline now: the server is gone, the phone decides alone.
    let mut server = server;
    server.kill();
    w.ok(&new);
    let out = w.run(&[
        "hazard",
        "new",
        "--address",
        ADDR_A,
        "--category",
        "gas.safety",
        "--description",
        "燃气管老化",
    ]);
    assert!(!out.status.success(), "a retired category was queued");
    assert_eq!(w.count("SELECT COUNT(*) FROM outbox"), 1);
    let shown = w.ok(&["hazard", "list"]);
    assert!(shown.contains("锂电池违规存放"), "{shown}");

    server.restart_after_kill();
    w.set_server(&server.url);
    let r = w.sync();
    assert_eq!(r["rejected"].as_array().unwrap().len(), 0, "{r}");
    let hz = exported(&store, "hazard");
    assert_eq!(hz.len(), 1);
    assert_eq!(hz[0]["hazard"]["category"], "fire.lithium_storage");
}

/// The console shows labels, never raw codes: a code from before the taxonomy
/// (not in it) reads 未分类, one added on the server its own label.
fn console_shows_labels_not_codes(backend: Backend) {
    let (store, mut server) = seeded_server(backend);
    store.console_user("赵强", "supervisor", GRID_A, "console-pass-1");
    store.admin(&[
        "taxonomy",
        "add",
        "--kind",
        "hazard",
        "--code",
        "fire.lithium_storage",
        "--zh",
        "锂电池违规存放",
        "--en",
        "Lithium batteries stored unsafely",
    ]);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    for (id, cat) in [
        ("hz-old", "fire.ebike_charging"),
        ("hz-new", "fire.lithium_storage"),
    ] {
        let res = push_one(&server, &w.token(), id, id, hazard_op(id, cat, "high"));
        assert_eq!(res["status"], "applied", "{res}");
    }
    // A hazard stored before categories were checked.
    server.kill();
    store.sql("UPDATE records SET body = replace(body, 'fire.ebike_charging', 'made.up-category') WHERE id = 'hz-old'");
    server.restart_after_kill();

    let cookie = console::sign_in(&server.url, "赵强", "console-pass-1");
    let list = console::get(&server.url, &cookie, "/console/hazards");
    let html = String::from_utf8_lossy(&list.body).to_string();
    assert_eq!(list.status, 200, "{html}");
    assert!(!html.contains("made.up-category"), "raw code shown");
    assert!(html.contains("未分类"), "{html}");
    assert!(html.contains("锂电池违规存放"), "{html}");
    let show = console::get(&server.url, &cookie, "/console/hazards/hz-old");
    let html = String::from_utf8_lossy(&show.body).to_string();
    assert!(!html.contains("made.up-category"), "raw code shown");
    assert!(html.contains("未分类"), "{html}");
    let en = console::get(&server.url, &cookie, "/console/hazards?lang=en");
    let html = String::from_utf8_lossy(&en.body).to_string();
    assert!(html.contains("Lithium batteries stored unsafely"), "{html}");
}

on_both_backends!(
    forged_address_text_is_replaced,
    unknown_categories_and_severities_are_refused,
    server_taxonomy_reaches_devices,
    console_shows_labels_not_codes
);
