//! Checklist templates an administrator publishes (`gridfield-server admin
//! template …`), on both stores: a version published to one town reaches that
//! town's devices only; an inspection started on version 1 is submitted and
//! scored against version 1 after version 2 arrives; a retired template starts
//! nothing new on the phone or the server; bad files are refused with where the
//! problem is, and nothing is published.

use std::process::{Command, Output};

use gridfield_core::checklist::Answers;
use gridfield_core::store::NewInspection;
use gridfield_tests::*;
use serde_json::{Value, json};

const TOWN2: &str = "320583002";
const GRID_C: &str = "320583002001";

/// A small shop checklist: a veto item that raises a hazard, a scored item, a remark.
fn shop(version: u32, extra_item: bool) -> Value {
    let mut items = vec![
        json!({"id": "exit_clear", "label": {"zh": "安全出口畅通", "en": "Exit clear"},
               "type": "yes_no_na", "required": true, "fail": {"answer": "no"},
               "deduction": 50, "veto": true,
               "hazard": {"category": "fire.escape_blocked", "severity": "high"}}),
        json!({"id": "extinguisher", "label": {"zh": "灭火器有效", "en": "Extinguisher valid"},
               "type": "yes_no_na", "required": true, "fail": {"answer": "no"}, "deduction": 20}),
        json!({"id": "remarks", "label": {"zh": "备注", "en": "Remarks"},
               "type": "text", "max_len": 200}),
    ];
    if extra_item {
        items.push(
            json!({"id": "alarm", "label": {"zh": "烟感报警器", "en": "Smoke alarm"},
                          "type": "yes_no_na", "fail": {"answer": "no"}, "deduction": 10}),
        );
    }
    json!({
        "id": "demo_shop", "version": version,
        "title": {"zh": "小商店消防检查", "en": "Small shop fire check"},
        "applies_to": "business", "total_score": 100, "pass_score": 60,
        "sections": [{"id": "main", "title": {"zh": "检查", "en": "Checks"}, "items": items}]
    })
}

fn write(dir: &tempfile::TempDir, name: &str, v: &Value) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p.display().to_string()
}

fn admin_raw(store: &Store, args: &[&str]) -> Output {
    Command::new(bin("gridfield-server"))
        .args(["--db", &store.target, "admin"])
        .args(args)
        .output()
        .unwrap()
}

fn held_versions(d: &Device, id: &str) -> Vec<u64> {
    d.json(&["template", "list"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["id"] == id)
        .map(|t| t["version"].as_u64().unwrap())
        .collect()
}

fn server_templates(store: &Store) -> Vec<String> {
    store.query_lines("SELECT id || '|' || grid_path FROM records WHERE kind = 'template' AND id LIKE 'demo_shop@%' ORDER BY id")
}

fn answers(exit: &str) -> Answers {
    [
        ("exit_clear".to_string(), json!(exit)),
        ("extinguisher".to_string(), json!("yes")),
    ]
    .into_iter()
    .collect()
}

fn a_published_version_reaches_its_town_and_pins_started_inspections(backend: Backend) {
    let (store, server) = seeded_server(backend);
    store.admin(&[
        "grid-add",
        "--code",
        TOWN2,
        "--name",
        "周市镇",
        "--level",
        "2",
        "--parent",
        "320583",
    ]);
    store.admin(&[
        "grid-add",
        "--code",
        GRID_C,
        "--name",
        "周市镇第一网格",
        "--level",
        "3",
        "--parent",
        TOWN2,
    ]);
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(&dir, "v1.json", &shop(1, false));
    let v2 = write(&dir, "v2.json", &shop(2, true));
    store.admin(&["template", "publish", &v1, "--grid", "320583"]);

    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let c = synced_worker(&store, &server, "王芳", GRID_C);
    assert_eq!(held_versions(&a, "demo_shop"), [1]);
    assert_eq!(held_versions(&c, "demo_shop"), [1]);

    // Worker A starts an inspection on version 1 (a long one, in two sittings).
    let started = {
        let s = a.store();
        let id = s
            .start_inspection(&NewInspection {
                template_id: "demo_shop".into(),
                template_version: None,
                address_code: ADDR_A.into(),
                subject_kind: None,
                subject_id: None,
                location: None,
            })
            .unwrap();
        s.save_answers(&id, &answers("no"), &Default::default())
            .unwrap();
        id
    };

    // Version 2 goes to A's town only.
    store.admin(&["template", "publish", &v2, "--grid", TOWN]);
    assert_eq!(
        server_templates(&store),
        ["demo_shop@1|/320583/", "demo_shop@2|/320583/320583001/"]
    );
    // Both replicas still match the server's (templates from above count), and
    // A's draft keeps its sync from verifying: C verifies.
    a.sync();
    let r = c.sync();
    assert_eq!(
        (r["verified"].clone(), r["repaired"].clone()),
        (json!(true), json!(false)),
        "{r}"
    );
    assert_eq!(held_versions(&a, "demo_shop"), [1, 2]);
    assert_eq!(
        held_versions(&c, "demo_shop"),
        [1],
        "another town's device got v2"
    );

    // The inspection started on v1 is submitted after v2 arrived: scored on v1.
    let out = a.store().submit_inspection(&started, None).unwrap();
    assert!(out.evaluation.vetoed, "the veto item failed");
    assert!(!out.evaluation.passed);
    let r = a.sync();
    assert_eq!(r["rejected"].as_array().unwrap().len(), 0, "{r}");
    let r = a.sync();
    assert_eq!(
        (r["verified"].clone(), r["repaired"].clone()),
        (json!(true), json!(false)),
        "{r}"
    );
    assert_eq!(
        store
            .query_lines(&format!(
                "SELECT body FROM records WHERE kind = 'inspection' AND id = '{started}'"
            ))
            .iter()
            .map(|b| {
                let v: Value = serde_json::from_str(b).unwrap();
                (
                    v["template_version"].as_u64().unwrap(),
                    v["vetoed"].as_bool().unwrap(),
                )
            })
            .collect::<Vec<_>>(),
        [(1, true)]
    );
    // A new inspection on the phone takes the newest version it holds.
    let ans = dir.path().join("answers.json");
    std::fs::write(
        &ans,
        json!({"answers": {"exit_clear": "yes", "extinguisher": "yes"}}).to_string(),
    )
    .unwrap();
    a.ok(&[
        "inspect",
        "--template",
        "demo_shop",
        "--address",
        ADDR_A,
        "--answers",
        ans.to_str().unwrap(),
    ]);
    let newest = a.store().inspections(None).unwrap();
    assert!(
        newest
            .iter()
            .any(|i| i.template_id == "demo_shop" && i.template_version == 2)
    );
}

fn a_retired_template_starts_nothing_new(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(&dir, "v1.json", &shop(1, false));
    store.admin(&["template", "publish", &v1, "--grid", TOWN]);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let b = synced_worker(&store, &server, "李娜", GRID_A);
    // B fills one in offline before the template is retired.
    let before = b
        .store()
        .record_inspection(
            &NewInspection {
                template_id: "demo_shop".into(),
                template_version: Some(1),
                address_code: ADDR_A.into(),
                subject_kind: None,
                subject_id: None,
                location: None,
            },
            &answers("yes"),
            &Default::default(),
            None,
        )
        .unwrap();
    // One A filled in, to forge a new one from later.
    let ans = dir.path().join("answers.json");
    std::fs::write(
        &ans,
        json!({"answers": {"exit_clear": "yes", "extinguisher": "no"}}).to_string(),
    )
    .unwrap();
    a.ok(&[
        "inspect",
        "--template",
        "demo_shop",
        "--address",
        ADDR_A,
        "--answers",
        ans.to_str().unwrap(),
    ]);
    a.sync();

    let out = store.admin(&["template", "retire", "demo_shop"]);
    assert!(out.contains("1 versions retired"), "{out}");
    let r = a.sync();
    assert_eq!(
        (r["verified"].clone(), r["repaired"].clone()),
        (json!(true), json!(false)),
        "{r}"
    );

    // The phone refuses to start one, in Chinese, and records nothing.
    let held = a.store().inspections(None).unwrap().len();
    let o = a.run(&[
        "inspect",
        "--template",
        "demo_shop",
        "--address",
        ADDR_A,
        "--answers",
        ans.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("该检查表已停用"), "{err}");
    assert_eq!(a.store().inspections(None).unwrap().len(), held);
    // Still readable: the template (marked retired) and what it scored.
    assert_eq!(held_versions(&a, "demo_shop"), [1]);
    let listed = a.json(&["template", "list"]);
    let shop = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "demo_shop")
        .unwrap();
    assert_eq!(shop["retired"], true);
    assert!(
        a.ok(&["template", "show", "demo_shop"])
            .contains("小商店消防检查")
    );

    // The server refuses a new one pushed after retirement…
    let mut forged = serde_json::to_value(&a.store().inspections(None).unwrap()[0]).unwrap();
    let fresh = "01J0RETIREDTEMPLATE000000X";
    forged["id"] = json!(fresh);
    forged["started_at"] = json!(forged["started_at"].as_i64().unwrap() + 3_600_000);
    forged["finished_at"] = forged["started_at"].clone();
    let res = push_ops(
        &server,
        &a.token(),
        &[raw_op(
            "forged-after-retire",
            fresh,
            json!({"type": "inspection_submit", "inspection": forged}),
        )],
    )
    .remove(0);
    assert_eq!(res["status"], "rejected", "{res}");
    assert_eq!(res["code"], "template_retired", "{res}");
    // …but takes the one filled in before it.
    let r = b.sync();
    assert_eq!(r["rejected"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(
        store.query_lines(&format!(
            "SELECT CAST(count(*) AS TEXT) FROM records WHERE kind = 'inspection' AND id = '{}'",
            before.inspection_id
        )),
        ["1"]
    );
}

fn bad_templates_are_refused_with_where_and_nothing_published(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    let dir = tempfile::tempdir().unwrap();
    let before =
        store.query_lines("SELECT CAST(count(*) AS TEXT) FROM records WHERE kind = 'template'");

    // Duplicate item ids: both named, with their item numbers and lines.
    let mut dup = shop(1, false);
    dup["sections"][0]["items"][1]["id"] = json!("exit_clear");
    let f = write(&dir, "dup.json", &dup);
    for cmd in ["validate", "publish"] {
        let mut args = vec!["template", cmd, f.as_str()];
        if cmd == "publish" {
            args.extend(["--grid", TOWN]);
        }
        let o = admin_raw(&store, &args);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("第 1 部分第 2 项（exit_clear）：检查项编号 \"exit_clear\" 重复"),
            "{err}"
        );
        assert!(
            err.contains("section 1 item 2 (exit_clear): duplicate item id"),
            "{err}"
        );
        let line = serde_json::to_string_pretty(&dup)
            .unwrap()
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains("\"exit_clear\""))
            .nth(1)
            .unwrap()
            .0
            + 1;
        assert!(err.contains(&format!("第 {line} 行")), "line {line}: {err}");
    }

    // A veto on an item that cannot fail (no fail rule).
    let mut veto = shop(1, false);
    veto["sections"][0]["items"][2]["veto"] = json!(true);
    let f = write(&dir, "veto.json", &veto);
    let o = admin_raw(&store, &["template", "publish", &f, "--grid", TOWN]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("第 1 部分第 3 项（remarks）：一票否决项没有判定不合格的规则"),
        "{err}"
    );
    assert!(err.contains("veto on an unscored item"), "{err}");

    // An unknown hazard category, and a grid that does not exist.
    let mut cat = shop(1, false);
    cat["sections"][0]["items"][0]["hazard"]["category"] = json!("fire.dragons");
    let f = write(&dir, "cat.json", &cat);
    let o = admin_raw(&store, &["template", "publish", &f, "--grid", "999999"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("隐患类别 fire.dragons 不在隐患分类目录中"),
        "{err}"
    );
    assert!(err.contains("网格 999999 不存在"), "{err}");

    // Not JSON at all: the line and column.
    let f = dir.path().join("broken.json");
    std::fs::write(&f, "{\n  \"id\": \"x\",\n  oops\n}").unwrap();
    let o = admin_raw(&store, &["template", "validate", f.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("第 3 行第 3 列"), "{err}");

    assert_eq!(
        store.query_lines("SELECT CAST(count(*) AS TEXT) FROM records WHERE kind = 'template'"),
        before
    );

    // A good one validates; publishing the same version twice is refused.
    let f = write(&dir, "ok.json", &shop(1, false));
    assert!(
        store
            .admin(&["template", "validate", &f, "--grid", TOWN])
            .contains("demo_shop v1")
    );
    store.admin(&["template", "publish", &f, "--grid", TOWN]);
    let o = admin_raw(&store, &["template", "publish", &f, "--grid", TOWN]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("已发布到第 1 版"));
}

on_both_backends!(
    a_published_version_reaches_its_town_and_pins_started_inspections,
    a_retired_template_starts_nothing_new,
    bad_templates_are_refused_with_where_and_nothing_published
);
