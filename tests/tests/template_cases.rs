//! A failing checklist item can open a case (事件), on both stores: a template
//! whose item names a case type the server does not hold is refused with the
//! item named and nothing published; once published, an inspection on a phone
//! that fails the item opens the case there (the device's case rule) and the
//! case reaches the server with the inspection.

use std::process::{Command, Output};

use gridfield_tests::*;
use serde_json::{Value, json};

fn shop(case_type: &str) -> Value {
    json!({
        "id": "case_shop", "version": 1,
        "title": {"zh": "小商店安全检查", "en": "Small shop safety check"},
        "applies_to": "business", "total_score": 100, "pass_score": 60,
        "sections": [{"id": "main", "title": {"zh": "检查", "en": "Checks"}, "items": [
            {"id": "exit_clear", "label": {"zh": "安全出口畅通", "en": "Exit clear"},
             "type": "yes_no_na", "required": true, "fail": {"answer": "no"}, "deduction": 30},
            {"id": "gas_hose", "label": {"zh": "燃气软管完好", "en": "Gas hose sound"},
             "type": "yes_no_na", "required": true, "fail": {"answer": "no"}, "deduction": 20,
             "case": {"case_type": case_type, "severity": "high"}}
        ]}]
    })
}

fn admin_raw(store: &Store, args: &[&str]) -> Output {
    Command::new(bin("gridfield-server"))
        .args(["--db", &store.target, "admin"])
        .args(args)
        .output()
        .unwrap()
}

fn cases_of_type(store: &Store, t: &str) -> Vec<String> {
    store.query_lines(&format!(
        "SELECT COALESCE(address_code, '') FROM records WHERE kind = 'case' AND case_type = '{t}'"
    ))
}

fn a_failing_item_opens_its_case(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, v: &Value| {
        let p = dir.path().join(name);
        std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
        p.display().to_string()
    };

    // A case type the taxonomy does not hold: the item named, nothing published.
    let bad = write("bad.json", &shop("safety.dragons"));
    for cmd in ["validate", "publish"] {
        let o = admin_raw(&store, &["template", cmd, &bad, "--grid", TOWN]);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(
                "第 1 部分第 2 项（gas_hose）：事件类型 safety.dragons 不在事件分类目录中"
            ),
            "{err}"
        );
    }
    assert!(
        store
            .query_lines("SELECT id FROM records WHERE kind = 'template' AND id LIKE 'case_shop%'")
            .is_empty()
    );

    // Published with a known type; a worker fails the item offline.
    let good = write("good.json", &shop("safety"));
    store.admin(&["template", "publish", &good, "--grid", TOWN]);
    let before = cases_of_type(&store, "safety").len();
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    let answers = dir.path().join("answers.json");
    std::fs::write(
        &answers,
        r#"{"answers": {"exit_clear": "yes", "gas_hose": "no"}}"#,
    )
    .unwrap();
    let out = w.json(&[
        "inspect",
        "--template",
        "case_shop",
        "--address",
        ADDR_A,
        "--answers",
        answers.to_str().unwrap(),
    ]);
    let opened = out["cases_opened"]
        .as_array()
        .expect("cases_opened")
        .clone();
    assert_eq!(opened.len(), 1, "{out}");
    let id = opened[0].as_str().unwrap();
    // On the phone at once, as a case of that type at the inspected address.
    let shown = w.json(&["case", "show", id]);
    assert_eq!(shown["case"]["case_type"], "safety", "{shown}");
    assert_eq!(shown["case"]["address_code"], ADDR_A, "{shown}");

    // After a sync, on the server.
    w.sync();
    let after = cases_of_type(&store, "safety");
    assert_eq!(after.len(), before + 1, "{after:?}");
    assert!(after.contains(&ADDR_A.to_string()), "{after:?}");
}

on_both_backends!(a_failing_item_opens_its_case);
