//! `gridfield-server admin` for cases, on both stores: departments, department
//! users, the routing rules (validated; nothing loaded on error; in force for
//! the next case a phone reports), and the case taxonomy.

use std::process::{Command, Output};

use gridfield_tests::*;
use serde_json::{Value, json};

const TOWN_PATH: &str = "/320583/320583001/";
const GRID_A_PATH: &str = "/320583/320583001/320583001003/";

/// `gridfield-server admin …` that may fail: the whole output.
fn admin_raw(store: &Store, args: &[&str]) -> Output {
    Command::new(bin("gridfield-server"))
        .args(["--db", &store.target, "admin"])
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn rules_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn departments_and_users(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    let out = store.admin(&[
        "department",
        "add",
        "--code",
        "320583001-labor",
        "--kind",
        "labor",
        "--zh",
        "玉山镇人社所",
        "--en",
        "Yushan labour office",
        "--grid",
        TOWN,
    ]);
    assert!(out.contains(TOWN_PATH), "{out}");
    let list = store.admin(&["department", "list"]);
    assert!(
        list.contains(
            "320583001-labor\tlabor\t/320583/320583001/\t玉山镇人社所\tYushan labour office"
        ),
        "{list}"
    );
    let json: Value =
        serde_json::from_str(&store.admin(&["department", "list", "--json"])).unwrap();
    assert_eq!(json[0]["code"], "320583001-labor");
    assert_eq!(json[0]["level_path"], TOWN_PATH);

    // Bad input: an unknown grid, a code with spaces, a department user without
    // a department or with an unknown one.
    let o = admin_raw(
        &store,
        &[
            "department",
            "add",
            "--code",
            "x-1",
            "--kind",
            "labor",
            "--zh",
            "某所",
            "--en",
            "Some office",
            "--grid",
            "999",
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("999"), "{}", stderr(&o));
    let o = admin_raw(
        &store,
        &[
            "department",
            "add",
            "--code",
            "x 1",
            "--kind",
            "labor",
            "--zh",
            "某所",
            "--en",
            "Some office",
            "--grid",
            TOWN,
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("部门编码"), "{}", stderr(&o));
    let o = admin_raw(
        &store,
        &[
            "user-add",
            "--name",
            "小刘",
            "--role",
            "department",
            "--grid",
            TOWN,
        ],
    );
    assert!(!o.status.success(), "a department user needs --department");
    let o = admin_raw(
        &store,
        &[
            "user-add",
            "--name",
            "小刘",
            "--role",
            "department",
            "--grid",
            TOWN,
            "--department",
            "nope",
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));
    // A department is named for department users only, and before enrolling.
    let o = admin_raw(
        &store,
        &[
            "user-add",
            "--name",
            "小王",
            "--role",
            "worker",
            "--grid",
            TOWN,
            "--department",
            "320583001-labor",
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("只有职能部门账号"), "{}", stderr(&o));
    let o = admin_raw(
        &store,
        &[
            "enroll-code",
            "--user",
            "小刘",
            "--role",
            "department",
            "--grid",
            TOWN,
        ],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("职能部门账号需先指定部门"),
        "{}",
        stderr(&o)
    );

    store.admin(&[
        "user-add",
        "--name",
        "小刘",
        "--role",
        "department",
        "--grid",
        TOWN,
        "--department",
        "320583001-labor",
    ]);
    // A console account for a department user, the password on standard input.
    let console_user = |dept: Option<&str>| {
        use std::io::Write;
        let mut c = Command::new(bin("gridfield-server"));
        c.args([
            "--db",
            &store.target,
            "admin",
            "console-user",
            "--name",
            "人社所长",
        ])
        .args(["--role", "department", "--grid", TOWN]);
        if let Some(d) = dept {
            c.args(["--department", d]);
        }
        let mut child = c
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"labor-pass-2026\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(
        !console_user(None).status.success(),
        "a department user needs --department"
    );
    let o = console_user(Some("320583001-labor"));
    assert!(o.status.success(), "{}", stderr(&o));

    // Its device enrolls as a department; its console account signs in.
    let server = ServerProc::start(&store);
    let dev = Device::enrolled(&server, &store.code("小刘", "department", TOWN));
    assert_eq!(dev.json(&["status"])["role"], "department");
    assert_eq!(
        console::login(&server.url, "人社所长", "labor-pass-2026").status,
        303
    );
}

fn routing_rules_load_and_route(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.admin(&[
        "department",
        "add",
        "--code",
        "320583001-labor",
        "--kind",
        "labor",
        "--zh",
        "玉山镇人社所",
        "--en",
        "Yushan labour office",
        "--grid",
        TOWN,
    ]);
    let dir = tempfile::tempdir().unwrap();
    let good = json!([
        {"id": "wages", "case_type": "dispute.labor", "to": "department", "kind": "labor"},
        {"id": "serious", "case_type": "*", "min_severity": "high", "to": "level", "tier": "town",
         "grid_path": TOWN_PATH}
    ]);
    let out = store.admin(&[
        "case-rules",
        "load",
        &rules_file(&dir, "good.json", &good.to_string()),
    ]);
    assert!(out.contains("2 routing rules loaded"), "{out}");
    let shown: Value = serde_json::from_str(&store.admin(&["case-rules", "show"])).unwrap();
    assert_eq!(shown, good);

    // Every wrong rule named by its number, in Chinese and English; nothing loaded.
    let bad = json!([
        {"id": "ok", "case_type": "security", "to": "grid_worker"},
        {"id": "typo", "case_type": "dispute.labour", "to": "level", "tier": "town"},
        {"id": "ok", "case_type": "safety", "to": "department", "kind": "fire"},
        {"id": "where", "case_type": "urban", "to": "level", "tier": "town", "grid_path": "/9/"}
    ]);
    let o = admin_raw(
        &store,
        &[
            "case-rules",
            "load",
            &rules_file(&dir, "bad.json", &bad.to_string()),
        ],
    );
    assert!(!o.status.success());
    let e = stderr(&o);
    for part in [
        "第 2 条规则（typo）：事件类型 dispute.labour 不在分类目录中",
        "rule 2 (typo): case type dispute.labour is not in the taxonomy",
        "第 3 条规则：编号 ok 重复",
        "fire",
        "第 4 条规则",
        "rule 4",
    ] {
        assert!(e.contains(part), "{part} missing from: {e}");
    }
    // Not JSON rules at all: the line says where.
    let o = admin_raw(
        &store,
        &[
            "case-rules",
            "load",
            &rules_file(&dir, "broken.json", "[\n{\"id\": 1}\n]"),
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("第 2 行"), "{}", stderr(&o));
    assert!(stderr(&o).contains("line 2"), "{}", stderr(&o));
    let shown: Value = serde_json::from_str(&store.admin(&["case-rules", "show"])).unwrap();
    assert_eq!(shown, good, "a refused load changed the rules");

    // The rules in force route the next case a phone reports.
    let server = ServerProc::start(&store);
    let worker = Device::enrolled(&server, &store.code("张伟", "worker", GRID_A)).token();
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let case = json!({
        "id": "case-wages", "case_type": "dispute.labor", "severity": "medium", "source": "worker",
        "grid_path": GRID_A_PATH, "owner_path": GRID_A_PATH, "description": "工地拖欠工资",
        "status": "reported", "reported_by": "x", "created_at": t, "updated_at": t,
        "delivery": "local"
    });
    let op = json!({"type": "case_create", "case": case, "handle_myself": false});
    let r = push_ops(&server, &worker, &[raw_op("op-wages", "case-wages", op)]).remove(0);
    assert_eq!(r["status"], "applied", "{r}");
    let pulled = http(
        "GET",
        &format!("{}/v1/pull?cases=1&limit=1000", server.url),
        &[("authorization", &format!("Bearer {worker}"))],
        None,
    )
    .json();
    let c = pulled["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "case")
        .expect("the worker's case")
        .clone();
    assert_eq!(c["case"]["status"], "dispatched", "{c}");
    assert_eq!(
        c["case"]["handler"],
        json!({"kind": "department", "code": "320583001-labor"})
    );
    assert_eq!(c["case"]["owner_path"], TOWN_PATH);
}

/// The existing taxonomy commands work for the case taxonomy.
fn case_taxonomy_commands(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    let list = store.admin(&["taxonomy", "list", "--kind", "case"]);
    assert!(
        list.contains("category\tdispute.neighbor\tactive\t邻里纠纷"),
        "{list}"
    );
    store.admin(&[
        "taxonomy",
        "add",
        "--kind",
        "case",
        "--code",
        "dispute.school",
        "--zh",
        "校园纠纷",
        "--en",
        "School dispute",
        "--parent",
        "dispute",
        "--attr",
        "tier=town",
        "--attr",
        "handle_days=10",
    ]);
    // The new type's attributes are what its cases' routing and time limits read.
    let doc: serde_json::Value =
        serde_json::from_str(&store.admin(&["taxonomy", "list", "--kind", "case", "--json"]))
            .unwrap();
    let school = doc["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "dispute.school")
        .unwrap();
    assert_eq!(school["attrs"], json!({"tier": "town", "handle_days": 10}));
    let t: gridfield_core::taxonomy::Taxonomy = serde_json::from_value(doc).unwrap();
    let rules = gridfield_core::case::type_rules(&t, "dispute.school");
    assert_eq!(
        (rules.tier.as_str(), rules.handle_days, rules.verify_days),
        ("town", 10, 3)
    );
    store.admin(&[
        "taxonomy",
        "retire",
        "--kind",
        "case",
        "--code",
        "dispute.land",
    ]);
    let list = store.admin(&["taxonomy", "list", "--kind", "case"]);
    assert!(
        list.contains("dispute.school\tactive\t校园纠纷\tSchool dispute"),
        "{list}"
    );
    assert!(list.contains("dispute.land\tretired"), "{list}");
}

on_both_backends!(
    departments_and_users,
    routing_rules_load_and_route,
    case_taxonomy_commands
);
