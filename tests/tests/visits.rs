//! Visit plans (走访计划): rules an administrator loads reach the workers' phones
//! in scope by sync; the phone lists the visits due offline in walking order, an
//! inspection submitted offline takes its visit off the list at once; a rules
//! file with a mistake is refused whole, each problem named by its line.

use gridfield_tests::*;
use serde_json::Value;

const PASS_ANSWERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/fire_safety_pass.json"
);

// Addresses of grid A, in the register (tests/fixtures/addresses.csv).
const A_12_3_2_501: &str = "320583-001-0012-03-02-0501";
const A_12_3_2_502: &str = "320583-001-0012-03-02-0502";
const A_12_3_1_101: &str = "320583-001-0012-03-01-0101";
const A_14_1_1_201: &str = "320583-001-0014-01-01-0201";

fn write_rules(dir: &std::path::Path, text: &str) -> String {
    let p = dir.join("rules.csv");
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// The day `days` before today, `YYYY-MM-DD` in China time.
fn days_ago(days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    gridfield_core::visit::day_text(gridfield_core::visit::day_of(now) - days)
}

fn put(w: &Device, kind: &str, address: &str, fields: &[&str]) -> String {
    let mut args = vec!["entity", "put", kind, "--address", address];
    args.extend_from_slice(fields);
    w.json(&args)["id"].as_str().unwrap().to_string()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| d["entity_id"].as_str().unwrap().to_string())
        .collect()
}

fn coverage(server: &ServerProc, cookie: &str) -> String {
    let r = console::get(&server.url, cookie, "/console/coverage");
    let html = String::from_utf8_lossy(&r.body).to_string();
    assert_eq!(r.status, 200, "{html}");
    html
}

const PASSWORD: &str = "console-pass-1";

fn rules_reach_devices_and_due_visits_clear_offline(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", TOWN, PASSWORD);
    let server = ServerProc::start(&store);
    let tmp = tempfile::tempdir().unwrap();
    // High-risk rental units monthly, others quarterly, households yearly, all
    // counted from 40 days ago: high-risk units never visited are 10 days overdue.
    let file = write_rules(
        tmp.path(),
        &format!(
            "grid,kind,only,every,template\n\
             {TOWN},rental_unit,high,monthly,rental_fire_safety\n\
             {TOWN},rental_unit,,quarterly,rental_fire_safety\n\
             {TOWN},household,,yearly,household_visit\n\
             {GRID_B},business,restaurant|shop,quarterly,rental_fire_safety\n"
        ),
    );
    let out = store.admin(&[
        "visit-rules",
        "load",
        &file,
        "--effective-from",
        &days_ago(40),
    ]);
    assert!(out.contains("已载入 4 条走访规则"), "{out}");

    let w = synced_worker(&store, &server, "张伟", GRID_A);
    // The rules reached the phone, only those that concern its grid.
    let held = w.store().visit_rules().unwrap().expect("rules synced");
    assert_eq!(held.rules.len(), 3, "{held:?}");
    assert!(held.rules.iter().all(|r| r.grid == TOWN));
    // Gated: an app that does not name the version it holds gets no rules (older
    // apps never see the field); one holding the current version gets none again.
    let pull = |query: &str| {
        http(
            "GET",
            &format!("{}/v1/pull?limit=1{query}", server.url),
            &[("authorization", &format!("Bearer {}", w.token()))],
            None,
        )
        .json()
    };
    assert!(pull("").get("visit_rules").is_none());
    assert_eq!(pull("&visit_rules=0")["visit_rules"]["version"], 1);
    assert!(
        pull(&format!("&visit_rules={}", held.version))
            .get("visit_rules")
            .is_none()
    );

    // Offline from here on: entered in no particular order.
    let r502 = put(&w, "rental_unit", A_12_3_2_502, &["risk_level=high"]);
    let r201 = put(&w, "rental_unit", A_14_1_1_201, &["risk_level=high"]);
    let r101 = put(&w, "rental_unit", A_12_3_1_101, &["risk_level=high"]);
    let r501 = put(&w, "rental_unit", A_12_3_2_501, &["risk_level=high"]);
    let low = put(&w, "rental_unit", A_12_3_2_501, &["risk_level=low"]);
    let _household = put(&w, "household", A_12_3_2_501, &["members=3"]);

    // The console counts them once they are synced: four high-risk units
    // overdue, six entities never visited, nothing visited yet.
    w.sync();
    let cookie = console::sign_in(&server.url, "赵强", PASSWORD);
    let html = coverage(&server, &cookie);
    // Grid A's row: planned, due, on time, share, overdue, never.
    let a = console::row_cells(&html, "data-grid", GRID_A);
    assert_eq!(a[1..], ["6", "4", "0", "0%", "4", "6"], "{a:?}");
    let worker = console::row_cells(&html, "data-worker", "张伟");
    assert_eq!(worker[2], "0", "{worker:?}");

    // Walking order: 12号 before 14号, 1单元 before 2单元, 501室 before 502室.
    let due = w.json(&["visits", "due"]);
    assert_eq!(ids(&due), [r101.as_str(), &r501, &r502, &r201], "{due}");
    for d in due.as_array().unwrap() {
        assert_eq!(d["bucket"], "overdue", "{d}");
        assert_eq!(d["days_overdue"], 10, "{d}");
        assert_eq!(d["template"], "rental_fire_safety", "{d}");
        assert_eq!(d["never_visited"], true, "{d}");
    }
    assert_eq!(ids(&w.json(&["visits", "due", "--overdue"])).len(), 4);
    let text = w.ok(&["visits", "due"]);
    assert!(
        text.contains("逾期") && text.contains("建设路12号3栋1单元101室"),
        "{text}"
    );

    // A scanned plate shows everything planned there: the overdue unit, the
    // quarterly one and the yearly household visit.
    let at = w.json(&["visits", "at", A_12_3_2_501]);
    assert_eq!(at.as_array().unwrap().len(), 3, "{at}");
    assert!(ids(&at).contains(&low));

    // An inspection submitted offline takes the visit off the list at once.
    w.ok(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        A_12_3_2_501,
        "--subject",
        &format!("rental_unit:{r501}"),
        "--answers",
        PASS_ANSWERS,
    ]);
    let due = w.json(&["visits", "due"]);
    assert_eq!(ids(&due), [r101.as_str(), &r502, &r201], "{due}");
    let at = w.json(&["visits", "at", A_12_3_2_501]);
    let done = at
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["entity_id"] == r501.as_str())
        .unwrap();
    assert_eq!(done["never_visited"], false, "{done}");
    assert_ne!(done["bucket"], "overdue", "{done}");

    // After a sync the same holds (the server's copy of the inspection counts).
    w.sync();
    assert_eq!(
        ids(&w.json(&["visits", "due"])),
        [r101.as_str(), &r502, &r201]
    );

    // A worker of grid B gets only the rules that concern grid B.
    let b = synced_worker(&store, &server, "李娜", GRID_B);
    let held = b.store().visit_rules().unwrap().expect("rules synced");
    assert_eq!(held.rules.len(), 4, "{held:?}");
}

/// A visit made by its due day counts as on time: the share on the console.
fn visits_by_their_day_count_on_time(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", TOWN, PASSWORD);
    let server = ServerProc::start(&store);
    let tmp = tempfile::tempdir().unwrap();
    // Counted from 40 days ago every 40 days: both units are due today.
    let file = write_rules(
        tmp.path(),
        &format!("{TOWN},rental_unit,,40d,rental_fire_safety\n"),
    );
    store.admin(&[
        "visit-rules",
        "load",
        &file,
        "--effective-from",
        &days_ago(40),
    ]);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    let visited = put(&w, "rental_unit", A_12_3_2_501, &["risk_level=low"]);
    put(&w, "rental_unit", A_12_3_2_502, &["risk_level=low"]);
    let due = w.json(&["visits", "due"]);
    assert!(
        due.as_array()
            .unwrap()
            .iter()
            .all(|d| d["bucket"] == "today"),
        "{due}"
    );
    w.ok(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        A_12_3_2_501,
        "--subject",
        &format!("rental_unit:{visited}"),
        "--answers",
        PASS_ANSWERS,
    ]);
    w.sync();
    let cookie = console::sign_in(&server.url, "赵强", PASSWORD);
    let a = console::row_cells(&coverage(&server, &cookie), "data-grid", GRID_A);
    // Planned, due, on time, share, overdue, never.
    assert_eq!(a[1..], ["2", "2", "1", "50%", "0", "1"], "{a:?}");
}

fn bad_rules_are_refused_with_where(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    let tmp = tempfile::tempdir().unwrap();
    let good = write_rules(
        tmp.path(),
        &format!("{TOWN},household,,yearly,household_visit\n"),
    );
    store.admin(&["visit-rules", "load", &good]);
    let bad = write_rules(
        tmp.path(),
        &format!(
            "grid,kind,only,every,template\n\
             {TOWN},rental_unit,high,monthly,rental_fire_safety\n\
             999999,household,,yearly,household_visit\n\
             {TOWN},villa,,yearly,household_visit\n\
             {TOWN},household,,fortnightly,household_visit\n\
             {TOWN},business,,quarterly,no_such_checklist\n"
        ),
    );
    let run = |lang: &str| {
        std::process::Command::new(bin("gridfield-server"))
            .args([
                "--db",
                &store.target,
                "admin",
                "visit-rules",
                "load",
                &bad,
                "--lang",
                lang,
            ])
            .output()
            .unwrap()
    };
    let o = run("zh");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    for want in [
        "第 3 行：网格 “999999” 不存在",
        "第 4 行：未知的走访对象类型 “villa”",
        "第 5 行：周期 “fortnightly” 无效",
        "第 6 行：检查表模板 “no_such_checklist” 不存在",
        "未载入任何规则",
    ] {
        assert!(err.contains(want), "missing {want:?} in {err}");
    }
    let o = run("en");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("line 6: checklist template \"no_such_checklist\" does not exist"),
        "{err}"
    );
    assert!(err.contains("nothing was loaded"), "{err}");
    // Nothing was loaded: the rules in force are still the first file's.
    let shown: Value = serde_json::from_str(&store.admin(&["visit-rules", "show"])).unwrap();
    assert_eq!(shown["version"], 1, "{shown}");
    assert_eq!(shown["rules"].as_array().unwrap().len(), 1, "{shown}");
}

on_both_backends!(
    rules_reach_devices_and_due_visits_clear_offline,
    visits_by_their_day_count_on_time,
    bad_rules_are_refused_with_where
);

/// `serve --demo` seeds the plan and a history of visits: the demo worker's
/// phone has visits overdue, due today and (but on Sundays) later this week.
#[test]
fn demo_worker_has_visits_due_today_this_week_and_overdue() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").display().to_string();
    let mut child = Command::new(bin("gridfield-server"))
        .args(["--db", &db, "serve", "--demo", "--demo-addresses", "40"])
        .args(["--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut code) = (String::new(), String::new());
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("gridfield-server listening on ") {
            url = rest.split_whitespace().next().unwrap().to_string();
        }
        if line.trim_start().starts_with("张伟") && code.is_empty() {
            code = line.split('\t').nth(3).unwrap().to_string();
        }
        if !url.is_empty() && !code.is_empty() {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let w = Device::new();
    w.ok(&["enroll", "--server", &url, "--code", &code]);
    w.sync();
    let due = w.json(&["visits", "due", "--week"]);
    let buckets: Vec<&str> = due
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["bucket"].as_str().unwrap())
        .collect();
    assert!(buckets.contains(&"overdue"), "{due}");
    assert!(buckets.contains(&"today"), "{due}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let today = gridfield_core::visit::day_of(now);
    if gridfield_core::visit::end_of_week(today) > today {
        assert!(buckets.contains(&"week"), "{due}");
    }
    let _ = child.kill();
    let _ = child.wait();
}
