//! A dispute recorded offline on a grid worker's phone (the `gridfield` binary),
//! handled on the spot, mediated and escalated in a basement, then synced to a
//! real server on both stores: the server judges every step with the same rules
//! and holds the case in the town's (here: the village tier's) queue; a step the
//! server's state no longer allows comes back refused with a reason.

use gridfield_tests::*;
use serde_json::Value;

const GRID_PATH: &str = "/320583/320583001/320583001003/";
const TOWN_PATH: &str = "/320583/320583001/";

fn a_dispute_handled_offline_reaches_the_level_above(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    // Enrollment told the phone where it stands in the tree.
    assert_eq!(w.store().case_scope().unwrap().grid_path, GRID_PATH);

    let made = w.json(&[
        "case",
        "new",
        "--type",
        "dispute.neighbor",
        "--address",
        ADDR_A,
        "--text",
        "楼上漏水殃及楼下",
        "--party",
        "王某:applicant",
        "--party",
        "李某:respondent",
        "--handle-myself",
    ]);
    let id = made["id"].as_str().unwrap().to_string();
    assert_eq!(made["owner_path"], GRID_PATH);
    w.ok(&[
        "case",
        "mediate",
        &id,
        "--place",
        "网格服务站",
        "--note",
        "赔偿金额未谈拢",
    ]);
    let up = w.json(&["case", "step", &id, "escalate", "--note", "需村里联动调解"]);
    assert_eq!(up["owner_path"], TOWN_PATH);

    let r = w.sync();
    assert_eq!(r["rejected"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(w.json(&["outbox"])["count"], 0);
    assert_eq!(
        w.store().case(&id).unwrap().case.delivery.as_str(),
        "server"
    );

    // The server's copy: judged step by step, now in the level above's queue.
    let cols = store.query_lines(&format!(
        "SELECT case_status || '|' || case_owner FROM records WHERE kind = 'case' AND id = '{id}'"
    ));
    assert_eq!(cols, vec![format!("reported|{TOWN_PATH}")]);
    let body: Value = serde_json::from_str(
        &store.query_lines(&format!(
            "SELECT body FROM records WHERE kind = 'case' AND id = '{id}'"
        ))[0],
    )
    .unwrap();
    let events: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap_or("report"))
        .collect();
    assert_eq!(events, ["report", "mediate", "escalate"]);
    assert_eq!(
        body["case"]["dispute"]["sessions"][0]["place"],
        "网格服务站"
    );
    assert_eq!(body["case"]["grid_path"], GRID_PATH);
}

/// The town supervisor takes a case over while the worker's phone, offline, still
/// shows it as theirs: the phone's step is refused at sync with a Chinese reason
/// it shows, the case is marked refused there, and the server keeps its state.
fn a_stale_step_from_an_offline_phone_is_refused_with_a_reason(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    let id = w.json(&[
        "case",
        "new",
        "--type",
        "livelihood",
        "--text",
        "路灯不亮",
        "--handle-myself",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = w.sync();
    assert_eq!(r["rejected"].as_array().unwrap().len(), 0, "{r}");

    // The supervisor's phone takes it over (接管), judged by the same rules.
    let sup = Device::enrolled(&server, &store.code("赵强", "supervisor", TOWN));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let step = serde_json::json!({
        "type": "case_step", "event_id": "take-over-1", "action": "take_over",
        "from": "handling", "input": {}, "at": now,
    });
    let res = push_ops(&server, &sup.token(), &[raw_op("op-take-over", &id, step)]);
    assert_eq!(res[0]["status"], "applied", "{res:?}");

    // Offline, the worker still sees it as theirs and finishes it.
    w.ok(&["case", "step", &id, "finish", "--note", "已修好"]);
    let r = w.sync();
    let refused = r["rejected"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{r}");
    let message = refused[0]["message"].as_str().unwrap();
    assert!(message.contains("办结"), "{message}");
    // The phone keeps the refusal in its audit trail for the case, and the same
    // sync's pull brings the server's version (the town's, accepted) over its copy.
    let local = w.store().case(&id).unwrap().case;
    assert_eq!(
        (
            local.status.as_str(),
            local.owner_path.as_str(),
            local.delivery.as_str()
        ),
        ("accepted", TOWN_PATH, "server"),
        "{local:?}"
    );
    assert_eq!(
        w.count("SELECT count(*) FROM audit_log WHERE entity = 'case' AND action = 'rejected'"),
        1
    );
    assert_eq!(
        store.query_lines(&format!(
            "SELECT case_status || '|' || case_owner FROM records WHERE kind = 'case' AND id = '{id}'"
        )),
        vec![format!("accepted|{TOWN_PATH}")]
    );
}

on_both_backends!(
    a_dispute_handled_offline_reaches_the_level_above,
    a_stale_step_from_an_offline_phone_is_refused_with_a_reason
);
