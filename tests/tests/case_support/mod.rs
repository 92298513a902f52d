// Shared by several test files; each uses a part of it.
#![allow(dead_code)]

//! The district of the case scenarios (a four-level grid tree, departments,
//! department users, a device per role) and raw pushes and pulls of cases.

use std::collections::BTreeMap;

use gridfield_tests::*;
use serde_json::{Value, json};

/// A village between the fixture town and a grid of its own: four levels.
pub const VILLAGE: &str = "320583001900";
pub const GRID_V: &str = "320583001900001";
pub const VILLAGE_PATH: &str = "/320583/320583001/320583001900/";
pub const GRID_V_PATH: &str = "/320583/320583001/320583001900/320583001900001/";
pub const TOWN_PATH: &str = "/320583/320583001/";
pub const OTHER_TOWN: &str = "320583002";
pub const JUSTICE: &str = "320583001-justice";
pub const POLICE: &str = "320583001-police";
pub const FAR_POLICE: &str = "320583002-police";
pub const ADDR_V: &str = "320583-001-0900-01-01-0101";

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The people of the scenario, each with an enrolled device's token.
pub struct District {
    _store: Store,
    pub server: ServerProc,
    pub worker: String,
    pub village: String,
    pub town: String,
    pub justice: String,
    pub police: String,
    pub volunteer: String,
}

pub fn district(backend: Backend) -> District {
    let store = Store::new(backend);
    store.seed();
    for (code, name, level, parent) in [
        (VILLAGE, "玉山镇新华村", "3", "320583001"),
        (GRID_V, "新华村第一网格", "4", VILLAGE),
        (OTHER_TOWN, "周市镇", "2", "320583"),
    ] {
        store.admin(&[
            "grid-add", "--code", code, "--name", name, "--level", level, "--parent", parent,
        ]);
    }
    let csv = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        csv.path(),
        format!("code,grid_code,full_text,street,number,building,unit,room,plate_serial,lat,lon\n\
                 {ADDR_V},{GRID_V},江苏省昆山市玉山镇新华路9号1栋1单元101室,新华路,9号,1栋,1单元,101室,,,\n"),
    )
    .unwrap();
    store.admin(&[
        "import-plates",
        "--no-progress",
        csv.path().to_str().unwrap(),
    ]);
    for (code, kind, zh, en, grid) in [
        (
            JUSTICE,
            "justice",
            "玉山镇司法所",
            "Yushan justice office",
            TOWN,
        ),
        (
            POLICE,
            "police",
            "玉山派出所",
            "Yushan police station",
            TOWN,
        ),
        (
            FAR_POLICE,
            "police",
            "周市派出所",
            "Zhoushi police station",
            OTHER_TOWN,
        ),
    ] {
        store.admin(&[
            "department",
            "add",
            "--code",
            code,
            "--kind",
            kind,
            "--zh",
            zh,
            "--en",
            en,
            "--grid",
            grid,
        ]);
    }
    // The justice office's account sits in another grid's office: what it sees
    // of cases is what was dispatched to it, not its grid subtree.
    for (name, dept, grid) in [
        ("司法所老周", JUSTICE, GRID_A),
        ("派出所小陈", POLICE, TOWN),
    ] {
        store.admin(&[
            "user-add",
            "--name",
            name,
            "--role",
            "department",
            "--grid",
            grid,
            "--department",
            dept,
        ]);
    }
    let server = ServerProc::start(&store);
    let token = |user: &str, role: &str, grid: &str| {
        Device::enrolled(&server, &store.code(user, role, grid)).token()
    };
    District {
        worker: token("张伟", "worker", GRID_V),
        village: token("村书记", "supervisor", VILLAGE),
        town: token("赵强", "supervisor", TOWN),
        justice: token("司法所老周", "department", GRID_A),
        police: token("派出所小陈", "department", TOWN),
        volunteer: token("王芳", "volunteer", GRID_V),
        _store: store,
        server,
    }
}

/// Every change of a pull from the start (`cases`: as an app that holds cases).
pub fn pull_all(server: &ServerProc, token: &str, cases: bool) -> Vec<Value> {
    let auth = format!("Bearer {token}");
    let mut cursor = String::new();
    let mut out = Vec::new();
    loop {
        let mut url = format!("{}/v1/pull?limit=1000", server.url);
        if cases {
            url.push_str("&cases=1");
        }
        if !cursor.is_empty() {
            url.push_str(&format!("&cursor={}", console::percent(&cursor)));
        }
        let r = http("GET", &url, &[("authorization", &auth)], None);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let page = r.json();
        out.extend(page["changes"].as_array().unwrap().iter().cloned());
        cursor = page["cursor"].as_str().unwrap().to_string();
        if !page["more"].as_bool().unwrap() {
            return out;
        }
    }
}

/// The cases a device receives, by id: `{"case": …, "events": […]}`.
pub fn cases_of(server: &ServerProc, token: &str) -> BTreeMap<String, Value> {
    pull_all(server, token, true)
        .into_iter()
        .filter(|c| c["type"] == "case")
        .map(|c| (c["case"]["id"].as_str().unwrap().to_string(), c))
        .collect()
}

pub fn case_in(server: &ServerProc, token: &str, id: &str) -> Option<Value> {
    cases_of(server, token).remove(id)
}

pub fn new_case(id: &str, case_type: &str, grid_path: &str, created_at: i64) -> Value {
    json!({
        "id": id, "case_type": case_type, "severity": "medium", "source": "worker",
        "grid_path": grid_path, "owner_path": grid_path,
        "description": "楼上卫生间漏水，楼下住户多次协商未果",
        "photos": [],
        "parties": [
            {"name": "钱某某", "phone": "13800000001", "role": "applicant"},
            {"name": "孙某某", "role": "respondent"}
        ],
        "status": "reported", "departments": [],
        "dispute": {"subject": "漏水赔偿", "amount_fen": 200000, "sessions": []},
        "reported_by": "x", "created_at": created_at, "updated_at": created_at,
        "delivery": "local", "overdue": false
    })
}

pub fn create(d: &District, token: &str, case: Value, handle_myself: bool) -> Value {
    let id = case["id"].as_str().unwrap().to_string();
    let op = json!({"type": "case_create", "case": case, "handle_myself": handle_myself});
    push_ops(&d.server, token, &[raw_op(&format!("op-{id}"), &id, op)]).remove(0)
}

/// One step as a phone pushes it; the per-operation result.
pub fn step(d: &District, token: &str, id: &str, action: &str, from: &str, input: Value) -> Value {
    // Every step its own event (two in the same millisecond too).
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let event = format!("ev-{id}-{action}-{}-{n}", now_ms());
    let op = json!({"type": "case_step", "event_id": event, "action": action, "from": from,
                    "input": input, "at": now_ms()});
    push_ops(&d.server, token, &[raw_op(&format!("op-{event}"), id, op)]).remove(0)
}

pub fn applied(r: &Value) {
    assert_eq!(r["status"], "applied", "{r}");
}

/// A refusal with a code and a Chinese reason (and an English one).
pub fn refused(r: &Value, code: &str) {
    assert_eq!(r["status"], "rejected", "{r}");
    assert_eq!(r["code"], code, "{r}");
    let msg = r["message"].as_str().unwrap();
    assert!(
        msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "not Chinese: {r}"
    );
    assert!(!r["message_en"].as_str().unwrap_or("").is_empty(), "{r}");
}

pub fn status_of(c: &Value) -> &str {
    c["case"]["status"].as_str().unwrap()
}

pub fn note(n: &str) -> Value {
    json!({ "note": n })
}
