//! Nothing answered `applied` is ever silently lost (issue "Nothing silently lost"):
//! one scenario per way it used to happen, each on both server stores.
//! 1. an edit made while a pull is in flight (a proxy holds the pull);
//! 2. a phone days slow editing what it has seen (an injected clock, and a raw
//!    push that states its base against a newer stamp);
//! 3. a data directory copied to a second phone;
//! 4. a server restored from a backup;
//! 5. an offline edit from a phone days fast, synced after a later real edit.

use std::time::Duration;

use gridfield_tests::*;
use serde_json::{Value, json};

const DAY_MS: i64 = 24 * 3600 * 1000;
const SITE_PNG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/site.png"
);

fn household(d: &Device) -> String {
    d.json(&[
        "entity",
        "put",
        "household",
        "--address",
        ADDR_A,
        "head_name=王秀英",
        "note=原值",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn set(d: &Device, hh: &str, field_value: &str) {
    d.ok(&["entity", "put", "household", "--id", hh, field_value]);
}

fn field(d: &Device, hh: &str, f: &str) -> Value {
    if f == "phone" {
        // Shown masked; the value itself by an (audited) reveal.
        return d.json(&["entity", "reveal", "household", hh, f])["value"].clone();
    }
    d.json(&["entity", "show", "household", hh])["fields"][f].clone()
}

fn lost_fields(report: &Value) -> Vec<String> {
    report["lost"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["fields"].as_array().unwrap().clone())
        .map(|f| f.as_str().unwrap().to_string())
        .collect()
}

/// Failure 1: device A records `note=X` while its pull is held in flight; B writes
/// `note=Y` and syncs; A's pull brings Y. X must stay on A until the server has
/// judged it, and then be in the conflict log (it lost to the later Y), with A
/// told that it lost — not answered `applied` and dropped.
fn an_edit_made_while_a_pull_is_in_flight_is_never_lost(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let proxy = Proxy::start(&server.url);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    a.set_server(&proxy.url);
    let b = synced_worker(&store, &server, "李娜", GRID_A);
    let hh = household(&a);
    a.sync();
    b.sync();

    proxy.hold_pulls(true);
    let running = a.command(&["--json", "sync"]).spawn().unwrap();
    assert!(
        proxy.wait_held(Duration::from_secs(30)),
        "A's pull never came"
    );
    set(&a, &hh, "note=甲在同步时写的");
    set(&b, &hh, "note=乙稍后写的");
    b.sync();
    proxy.hold_pulls(false);
    let out = running.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        field(&a, &hh, "note"),
        "甲在同步时写的",
        "a pull must not undo an edit still queued"
    );

    let r = a.sync();
    assert_eq!(r["pushed"], 1, "{r}");
    assert_eq!(lost_fields(&r), ["note"], "A is told its edit lost: {r}");
    let log = store.conflict_log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["field"], "note");
    assert_eq!(log[0]["lost"], json!("甲在同步时写的").to_string());
    assert_eq!(log[0]["kept"], json!("乙稍后写的").to_string());

    // The round after the judgement shows the server's outcome everywhere.
    let r = a.sync();
    assert_eq!(r["verified"], true, "{r}");
    b.sync();
    assert_eq!(field(&a, &hh, "note"), "乙稍后写的");
    assert_eq!(field(&b, &hh, "note"), "乙稍后写的");
}

/// Failure 2: a phone three days slow pulls a field written minutes ago, edits it
/// and pushes: its edit must win (it saw the value it replaced), whatever its
/// stamp. Shown end to end, and with a raw push whose stamp is three days old:
/// a write naming the current stamp as its base wins; one naming an older base
/// is concurrent, loses to the newer stamp and is logged.
fn a_slow_phone_can_change_what_it_has_seen(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let normal = synced_worker(&store, &server, "张伟", GRID_A);
    let hh = household(&normal);
    normal.sync();
    let mut slow = Device::enrolled(&server, &store.code("李娜", "worker", GRID_A));
    slow.env
        .push(("GRIDFIELD_CLOCK_SKEW_MS".into(), (-3 * DAY_MS).to_string()));
    slow.sync();
    set(&normal, &hh, "note=几分钟前写的");
    normal.sync();
    slow.sync();
    set(&slow, &hh, "note=慢手机看过后改的");
    let r = slow.sync();
    assert_eq!(
        (r["pushed"].clone(), r["conflicts"].clone()),
        (json!(1), json!(0)),
        "{r}"
    );
    assert_eq!(field(&slow, &hh, "note"), "慢手机看过后改的");
    normal.sync();
    assert_eq!(field(&normal, &hh, "note"), "慢手机看过后改的");
    // The slow phone measured the server's clock and stamps in corrected time.
    let d = slow.json(&["diagnostics"]);
    let offset = d["clock_offset_ms"].as_i64().unwrap();
    assert!((offset - 3 * DAY_MS).abs() < 60_000, "{d}");
    assert!(store.conflict_log().is_empty());

    // The rule itself, on a stamp three days old.
    let current = normal.json_rows(&format!(
        "SELECT json_quote(hlc) FROM field_versions WHERE entity_id = '{hh}' AND field = 'note'"
    ))[0]
        .as_str()
        .unwrap()
        .to_string();
    let stamp = |days: i64| {
        format!(
            "{:013}-000000-slow",
            gridfield_core::store::now_ms() - days * DAY_MS
        )
    };
    let push = |op_id: &str, value: &str, hlc: &str, base: &str| {
        let body = json!({ "ops": [{
            "op_id": op_id, "entity_id": hh, "hlc": hlc,
            "op": { "type": "entity_upsert", "kind": "household", "address_code": ADDR_A,
                    "fields": { "note": value }, "bases": { "note": base } } }] });
        let token = normal.token();
        let r = http(
            "POST",
            &format!("{}/v1/push", server.url),
            &[
                ("authorization", &format!("Bearer {token}")),
                ("content-type", "application/json"),
            ],
            Some(body.to_string().as_bytes()),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        r.json()["results"][0].clone()
    };
    let r = push("slow-informed", "看过当前值", &stamp(3), &current);
    assert_eq!(r["status"], "applied", "{r}");
    assert!(r.get("conflicts").is_none(), "{r}");
    normal.sync();
    assert_eq!(field(&normal, &hh, "note"), "看过当前值");
    let r = push("slow-blind", "没看过当前值", &stamp(4), &stamp(5));
    assert_eq!(r["status"], "applied", "{r}");
    assert_eq!(r["lost"], json!(["note"]), "{r}");
    normal.sync();
    assert_eq!(field(&normal, &hh, "note"), "看过当前值");
    let log = store.conflict_log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["lost"], json!("没看过当前值").to_string());
}

/// Failure 3: a data directory copied to a second phone. Both copies edit the
/// same field offline. The first to sync goes on; the second is refused with a
/// clear message, stays refused, re-enrolls with a new code for the same user
/// and pushes what it had queued: one value is current, the other is in the
/// conflict log. Nothing either copy wrote is lost.
fn a_cloned_phone_is_detected_and_loses_nothing(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let hh = household(&a);
    a.sync();
    let clone = Device::copy_of(&a);
    set(&a, &hh, "note=原手机写的");
    set(&clone, &hh, "note=复制的手机写的");
    set(&clone, &hh, "phone=13900000009");

    let r = a.sync();
    assert_eq!(r["pushed"], 1, "{r}");
    for _ in 0..2 {
        let o = clone.run(&["sync"]);
        assert!(
            !o.status.success(),
            "the second installation must be refused"
        );
        let msg = String::from_utf8_lossy(&o.stderr);
        assert!(msg.contains("重新注册"), "{msg}");
    }
    assert_eq!(clone.json(&["diagnostics"])["needs_reenroll"], true);
    assert_eq!(
        clone.count("SELECT count(*) FROM outbox"),
        2,
        "queued edits kept"
    );
    // The first installation is not disturbed.
    set(&a, &hh, "members=3");
    assert_eq!(a.sync()["pushed"], 1);

    let code = store.code("张伟", "worker", GRID_A);
    clone.ok(&["reenroll", "--code", &code]);
    let r = clone.sync();
    assert_eq!(r["pushed"], 2, "{r}");
    a.sync();
    let notes = [field(&a, &hh, "note"), field(&clone, &hh, "note")];
    assert_eq!(notes[0], notes[1], "replicas converge");
    assert_eq!(field(&a, &hh, "phone"), "13900000009");
    assert_eq!(field(&clone, &hh, "members"), 3);
    let log = store.conflict_log();
    assert_eq!(log.len(), 1, "the two concurrent notes: {log:?}");
    let both: Vec<String> = [&log[0]["kept"], &log[0]["lost"]]
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(both.contains(&json!("原手机写的").to_string()), "{log:?}");
    assert!(
        both.contains(&json!("复制的手机写的").to_string()),
        "{log:?}"
    );
    // A token in two hands is recorded for the auditor.
    assert_eq!(
        store.query_lines("SELECT device_id FROM audit WHERE action = 'device_cloned'"),
        [a.device_id()]
    );
}

/// Failure 4: the server is restored from a backup taken before a report and an
/// edit it acknowledged. The device notices on its next sync, re-uploads both,
/// drops what the server lost from others, verifies, and the admin sees it.
fn a_restored_server_gets_back_what_it_lost(backend: Backend) {
    let (store, mut server) = seeded_server(backend);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let b = synced_worker(&store, &server, "李娜", GRID_A);
    let hh = household(&a);
    a.sync();
    b.sync();
    server.kill();
    let backup = store.backup("before_report");
    server = ServerProc::start(&store);
    a.set_server(&server.url);
    b.set_server(&server.url);

    set(&a, &hh, "note=备份之后的修改");
    a.ok(&[
        "report",
        "--address",
        ADDR_A,
        "--text",
        "楼道堆放杂物",
        "--photo",
        SITE_PNG,
    ]);
    let r = a.sync();
    assert_eq!(r["pushed"], 2, "{r}");
    assert_eq!(r["photos_uploaded"], 1, "{r}");
    // B writes a household after the backup too, syncs, and is then lost with its phone.
    let lost_hh = b.json(&[
        "entity",
        "put",
        "household",
        "--address",
        ADDR_A,
        "head_name=丢失的手机写的",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    b.sync();
    a.sync();
    assert_eq!(
        a.count(&format!(
            "SELECT count(*) FROM households WHERE id = '{lost_hh}'"
        )),
        1
    );

    server.kill();
    store.restore(&backup);
    server = ServerProc::start(&store);
    a.set_server(&server.url);

    let r = a.sync();
    assert_eq!(r["server_restored"], true, "{r}");
    assert!(r["reuploaded"].as_u64().unwrap() >= 2, "{r}");
    assert_eq!(r["verified"], true, "{r}");
    assert_eq!(r["dropped"], 1, "B's household, which the server lost: {r}");
    let r = a.sync();
    assert_eq!(
        (r["server_restored"].clone(), r["verified"].clone()),
        (json!(false), json!(true)),
        "{r}"
    );

    // A device enrolled now sees what A re-uploaded.
    let c = synced_worker(&store, &server, "王强", GRID_A);
    assert_eq!(field(&c, &hh, "note"), "备份之后的修改");
    assert_eq!(
        c.count("SELECT count(*) FROM reports"),
        1,
        "the report is back"
    );
    // And its photo, which the restored server had lost too.
    let photo =
        c.json_rows("SELECT json_quote(json_extract(photos, '$[0]')) FROM reports")[0].clone();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("p.png");
    c.ok(&[
        "photo-get",
        photo.as_str().unwrap(),
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(SITE_PNG).unwrap()
    );
    let reports = store.admin(&["restores"]);
    assert!(reports.contains("detected"), "{reports}");
    assert!(reports.contains(&a.device_id()), "{reports}");
    let d = a.json(&["diagnostics"]);
    assert!(d["last_recovery"]["requeued"].as_u64().unwrap() >= 2, "{d}");
    assert_eq!(
        a.count("SELECT count(*) FROM reports WHERE delivery <> 'local'"),
        1,
        "the report is kept and on its way"
    );
}

/// A restore recorded by the admin: devices that synced before the backup and have
/// pushed the restored server past another device's position since do not hide
/// the restore from it — the epoch does.
fn a_recorded_restore_reaches_every_device(backend: Backend) {
    let (store, mut server) = seeded_server(backend);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let b = synced_worker(&store, &server, "李娜", GRID_A);
    let hh = household(&a);
    a.sync();
    b.sync();
    server.kill();
    let backup = store.backup("nightly");
    server = ServerProc::start(&store);
    a.set_server(&server.url);
    set(&a, &hh, "note=备份之后的修改");
    assert_eq!(a.sync()["pushed"], 1);

    server.kill();
    store.restore(&backup);
    store.admin(&["record-restore", "--note", "恢复到昨晚备份"]);
    server = ServerProc::start(&store);
    a.set_server(&server.url);
    b.set_server(&server.url);
    // B moves the restored server's head past A's position.
    for i in 0..6 {
        set(&b, &hh, &format!("members={}", i + 1));
        b.sync();
    }
    let r = a.sync();
    assert_eq!(r["server_restored"], true, "{r}");
    assert_eq!(r["verified"], true, "{r}");
    b.sync();
    assert_eq!(field(&b, &hh, "note"), "备份之后的修改");
    assert_eq!(field(&a, &hh, "members"), 6);
    let restores = store.admin(&["restores"]);
    assert!(restores.contains("恢复到昨晚备份"), "{restores}");
    assert!(restores.contains(&a.device_id()), "{restores}");
}

/// Failure 5: a phone three days fast edits offline; a correct phone edits the
/// same field later and syncs; the fast phone syncs last. The later real edit
/// wins, the fast phone's is in the conflict log, and from then on the fast
/// phone stamps in the server's time.
fn a_fast_phones_late_offline_edit_loses_to_a_later_real_edit(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let normal = synced_worker(&store, &server, "张伟", GRID_A);
    let hh = household(&normal);
    normal.sync();
    let mut fast = synced_worker(&store, &server, "李娜", GRID_A);
    // The clock jumps three days ahead after its last contact.
    fast.env
        .push(("GRIDFIELD_CLOCK_SKEW_MS".into(), (3 * DAY_MS).to_string()));
    set(&fast, &hh, "note=快三天的手机离线写的");
    // A report with a photo too: the round starts with the photo's upload, whose
    // answer already corrects the phone's clock before the push goes out.
    fast.ok(&[
        "report",
        "--address",
        ADDR_A,
        "--text",
        "楼道堆放杂物",
        "--photo",
        SITE_PNG,
    ]);
    std::thread::sleep(Duration::from_millis(20));
    set(&normal, &hh, "note=稍后真实的修改");
    normal.sync();
    let r = fast.sync();
    normal.sync();
    assert_eq!(
        field(&normal, &hh, "note"),
        "稍后真实的修改",
        "the later real edit wins"
    );
    assert_eq!(lost_fields(&r), ["note"], "{r}");
    fast.sync();
    assert_eq!(field(&fast, &hh, "note"), "稍后真实的修改");
    let log = store.conflict_log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["lost"], json!("快三天的手机离线写的").to_string());

    // Corrected from now on: its next edit is stamped in the server's time.
    set(&fast, &hh, "note=校正之后写的");
    let hlc = fast.json_rows("SELECT json_quote(hlc) FROM outbox")[0]
        .as_str()
        .unwrap()
        .to_string();
    let wall: i64 = hlc[..13].parse().unwrap();
    assert!(
        (wall - gridfield_core::store::now_ms()).abs() < 60_000,
        "stamped {hlc}"
    );
    fast.sync();
    normal.sync();
    assert_eq!(field(&normal, &hh, "note"), "校正之后写的");
}

/// A phone whose clock was set three days back after its last contact edits a
/// field offline after a correct phone edited it: its edit is the later one in
/// real time and wins, though its own clock put it three days earlier.
fn a_slow_phones_later_offline_edit_wins(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let normal = synced_worker(&store, &server, "张伟", GRID_A);
    let hh = household(&normal);
    normal.sync();
    let mut slow = synced_worker(&store, &server, "李娜", GRID_A);
    slow.env
        .push(("GRIDFIELD_CLOCK_SKEW_MS".into(), (-3 * DAY_MS).to_string()));
    set(&normal, &hh, "note=正常手机先写的");
    normal.sync();
    std::thread::sleep(Duration::from_millis(20));
    set(&slow, &hh, "note=慢手机后写的");
    let r = slow.sync();
    assert_eq!(r["pushed"], 1, "{r}");
    normal.sync();
    assert_eq!(
        field(&normal, &hh, "note"),
        "慢手机后写的",
        "the later real edit wins"
    );
    let log = store.conflict_log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["lost"], json!("正常手机先写的").to_string());
}

on_both_backends!(
    a_slow_phones_later_offline_edit_wins,
    an_edit_made_while_a_pull_is_in_flight_is_never_lost,
    a_slow_phone_can_change_what_it_has_seen,
    a_cloned_phone_is_detected_and_loses_nothing,
    a_restored_server_gets_back_what_it_lost,
    a_recorded_restore_reaches_every_device,
    a_fast_phones_late_offline_edit_loses_to_a_later_real_edit,
);
