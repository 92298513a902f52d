//! Length limits on texts (issue #14, item 8), against a running server: an
//! operation whose text is over its kind's limit (`gridfield_core::text`) is
//! rejected on its own with `too_long`, the rest of the push applies, and the
//! phone refuses to queue the same text in the first place.

use gridfield_tests::*;
use serde_json::json;

fn long(n: usize) -> String {
    "隐".repeat(n)
}

fn over_the_limit_is_refused_per_operation(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let hz_id = a.json(&[
        "hazard",
        "new",
        "--address",
        ADDR_A,
        "--category",
        "fire.escape_blocked",
        "--description",
        "楼道堵塞",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rep_id = a.json(&["report", "--address", ADDR_A, "--text", "楼道堆放杂物"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    a.sync();
    let local = a.store();
    let hz = local.hazards(&Default::default()).unwrap().remove(0);
    let rep = local
        .reports()
        .unwrap()
        .into_iter()
        .find(|r| r.id == rep_id)
        .unwrap();

    let mut long_report = serde_json::to_value(&rep).unwrap();
    long_report["id"] = json!("rep-long");
    long_report["text"] = json!(long(2001));
    let mut long_hazard = serde_json::to_value(&hz).unwrap();
    long_hazard["id"] = json!("hz-long");
    long_hazard["description"] = json!(long(2001));
    let mut long_category = serde_json::to_value(&hz).unwrap();
    long_category["id"] = json!("hz-long-category");
    long_category["category"] = json!("x".repeat(65));
    let mut fine_report = serde_json::to_value(&rep).unwrap();
    fine_report["id"] = json!("rep-fine");
    fine_report["text"] = json!(long(2000));
    let step = json!({ "type": "hazard_step", "event_id": "ev-long", "action": "assign",
        "from": "reported", "at": 1, "input": { "assignee": "王五", "deadline": null,
        "note": long(2001), "photos": [] } });
    let results = push_ops(
        &server,
        &a.token(),
        &[
            raw_op(
                "o-rep",
                "rep-long",
                json!({ "type": "report_create", "report": long_report }),
            ),
            raw_op(
                "o-hz",
                "hz-long",
                json!({ "type": "hazard_create", "hazard": long_hazard }),
            ),
            raw_op(
                "o-cat",
                "hz-long-category",
                json!({ "type": "hazard_create", "hazard": long_category }),
            ),
            raw_op("o-step", &hz_id, step),
            raw_op(
                "o-fine",
                "rep-fine",
                json!({ "type": "report_create", "report": fine_report }),
            ),
        ],
    );
    for (i, limit) in [(0, "2000"), (1, "2000"), (2, "64"), (3, "2000")] {
        let res = &results[i];
        assert_eq!(res["status"], "rejected", "{res}");
        assert_eq!(res["code"], "too_long", "{res}");
        let zh = res["message"].as_str().unwrap();
        assert!(zh.contains(limit), "{res}");
        assert!(!zh.contains("隐隐"), "the text itself is not echoed: {res}");
        assert!(res["message_en"].as_str().unwrap().contains(limit), "{res}");
    }
    assert_eq!(results[4]["status"], "applied", "{}", results[4]);

    // Nothing of the refused ops reached the server; the accepted one did.
    let ids =
        store.query_lines("SELECT id FROM records WHERE kind IN ('report', 'hazard') ORDER BY id");
    assert!(ids.contains(&"rep-fine".to_string()), "{ids:?}");
    for refused in ["rep-long", "hz-long", "hz-long-category"] {
        assert!(
            !ids.contains(&refused.to_string()),
            "{refused} stored: {ids:?}"
        );
    }
    let events = store.query_lines(&format!(
        "SELECT body FROM records WHERE kind = 'hazard' AND id = '{hz_id}'"
    ));
    assert!(
        !events[0].contains("ev-long"),
        "step recorded: {}",
        events[0]
    );
}

fn the_phone_does_not_queue_what_the_server_refuses(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let queued = a.count("SELECT count(*) FROM outbox");
    let category = "x".repeat(65);
    let o = a.run(&[
        "hazard",
        "new",
        "--address",
        ADDR_A,
        "--category",
        &category,
        "--description",
        "楼道堵塞",
    ]);
    // Refused before queueing: as too long, or (since categories come from the
    // taxonomy) as not in it, whichever the phone judges first.
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let description = long(2001);
    let o = a.run(&[
        "hazard",
        "new",
        "--address",
        ADDR_A,
        "--category",
        "fire.escape_blocked",
        "--description",
        &description,
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("2000"), "{err}");
    let text = long(2001);
    let o = a.run(&["report", "--address", ADDR_A, "--text", &text]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("2000"), "{o:?}");
    assert_eq!(a.count("SELECT count(*) FROM outbox"), queued);
    assert_eq!(a.count("SELECT count(*) FROM hazards"), 0);
}

on_both_backends!(
    over_the_limit_is_refused_per_operation,
    the_phone_does_not_queue_what_the_server_refuses,
);
