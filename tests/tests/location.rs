//! Location (issue #16): the fix a phone had when an inspection, a hazard, a
//! report or a case was made — coordinates, accuracy and fix time — is stored on the
//! device, synced, kept by the server, shown on the console pages, and reaches
//! another device in scope. A fix off the globe is refused on the phone.

use gridfield_tests::console::{get, sign_in};
use gridfield_tests::*;

const FAIL_ANSWERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/fire_safety_fail.json"
);
/// 2026-12-07 10:00 in China Standard Time.
const FIXED_AT: &str = "1796608800000";

fn page(server: &ServerProc, cookie: &str, path: &str) -> String {
    let r = get(&server.url, cookie, path);
    assert_eq!(r.status, 200, "{path}");
    String::from_utf8(r.body).unwrap()
}

fn location_round_trip(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    let v = Device::enrolled(&server, &store.code("王芳", "volunteer", GRID_A));
    v.sync();

    let fix = |lat: &str, lon: &str, acc: &str| {
        vec![
            "--lat".to_string(),
            lat.to_string(),
            "--lon".to_string(),
            lon.to_string(),
            "--accuracy".to_string(),
            acc.to_string(),
            "--fixed-at".to_string(),
            FIXED_AT.to_string(),
        ]
    };
    let with = |base: &[&str], extra: &[String]| -> Vec<String> {
        base.iter()
            .map(|s| s.to_string())
            .chain(extra.iter().cloned())
            .collect()
    };
    let run = |d: &Device, args: Vec<String>| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        d.json(&a)
    };

    let insp = run(
        &w,
        with(
            &[
                "inspect",
                "--template",
                "rental_fire_safety",
                "--address",
                ADDR_A,
                "--answers",
                FAIL_ANSWERS,
            ],
            &fix("31.38561", "120.98123", "14.6"),
        ),
    );
    let insp_id = insp["inspection_id"].as_str().unwrap().to_string();
    let hz = run(
        &w,
        with(
            &[
                "hazard",
                "new",
                "--address",
                ADDR_A,
                "--category",
                "fire.escape_blocked",
                "--description",
                "楼道堆放杂物",
            ],
            &fix("31.38570", "120.98100", "30"),
        ),
    );
    let hz_id = hz["id"].as_str().unwrap().to_string();
    let rep = run(
        &v,
        with(
            &["report", "--address", ADDR_A, "--text", "楼道灯坏了"],
            &fix("-31.5", "-120.25", "8"),
        ),
    );
    let rep_id = rep["id"].as_str().unwrap().to_string();
    let case = run(
        &w,
        with(
            &[
                "case",
                "new",
                "--type",
                "livelihood",
                "--address",
                ADDR_A,
                "--text",
                "楼上漏水",
            ],
            &fix("31.38600", "120.98200", "22.4"),
        ),
    );
    let case_id = case["id"].as_str().unwrap().to_string();

    // A fix off the globe is a clear error on the phone, and nothing is stored.
    let before = w.count("SELECT COUNT(*) FROM hazards");
    let bad = w.run(&[
        "hazard",
        "new",
        "--address",
        ADDR_A,
        "--category",
        "fire.escape_blocked",
        "--description",
        "x",
        "--lat",
        "95",
        "--lon",
        "120",
    ]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("坐标"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    assert_eq!(w.count("SELECT COUNT(*) FROM hazards"), before);

    w.sync();
    v.sync();

    // Another worker in the grid receives the hazard with its fix.
    let w2 = synced_worker(&store, &server, "李娜", GRID_A);
    let got = w2.json(&["hazard", "show", &hz_id]);
    let loc = &got["hazard"]["location"];
    assert_eq!(loc["lat"], 31.3857, "{got}");
    assert_eq!(loc["accuracy_m"], 30.0, "{got}");
    assert_eq!(loc["fixed_at"], 1_796_608_800_000i64, "{got}");

    // The console shows coordinates, accuracy and fix time on each page.
    store.console_user("赵强", "supervisor", TOWN, "长城长城长城123");
    let cookie = sign_in(&server.url, "赵强", "长城长城长城123");
    let shown = page(&server, &cookie, &format!("/console/inspections/{insp_id}"));
    assert!(
        shown.contains("31.38561, 120.98123（精度约 15 米），定位于 2026-12-07 10:00"),
        "{shown}"
    );
    assert!(!shown.contains("未记录"), "{shown}");
    let shown = page(&server, &cookie, &format!("/console/hazards/{hz_id}"));
    assert!(
        shown.contains("31.38570, 120.98100（精度约 30 米），定位于 2026-12-07 10:00"),
        "{shown}"
    );
    let shown = page(&server, &cookie, &format!("/console/reports/{rep_id}"));
    assert!(
        shown.contains("-31.50000, -120.25000（精度约 8 米），定位于 2026-12-07 10:00"),
        "{shown}"
    );
    let shown = page(&server, &cookie, &format!("/console/cases/{case_id}"));
    assert!(
        shown.contains("31.38600, 120.98200（精度约 22 米），定位于 2026-12-07 10:00"),
        "{shown}"
    );
    // A hazard the inspection raised stands where the inspection was made.
    let raised = w.json(&["hazard", "list"]);
    let raised_id = raised
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["category"] == "fire.ebike_charging")
        .map(|h| h["id"].as_str().unwrap().to_string())
        .expect("a raised hazard");
    let shown = page(&server, &cookie, &format!("/console/hazards/{raised_id}"));
    assert!(
        shown.contains("31.38561, 120.98123（精度约 15 米）"),
        "{shown}"
    );
}

on_both_backends!(location_round_trip);
