//! Cases (事件) on both server stores, with a real server process and raw
//! pushes and pulls as the phones send them: a dispute recorded by a grid worker,
//! mediated, escalated to the village and the town, dispatched to a department
//! that handles it, verified, closed and evaluated — each step reaching the right
//! pulls and nobody else's; a returned dispatch; an overdue case; a stale step; a
//! volunteer who never receives the parties; a department that cannot see or step
//! another's case; and bad input refused with nothing changed.

mod case_support;

use std::collections::BTreeMap;

use case_support::*;
use gridfield_tests::*;
use serde_json::{Value, json};

/// The whole loop of a dispute, every step reaching the right pulls.
fn dispute_through_the_levels(backend: Backend) {
    let d = district(backend);
    let id = "case-leak-1";
    applied(&create(
        &d,
        &d.worker,
        new_case(id, "dispute.neighbor", GRID_V_PATH, now_ms()),
        true,
    ));
    // 网格马上调: the worker handles it at once, and holds its parties.
    let c = case_in(&d.server, &d.worker, id).expect("the worker's own case");
    assert_eq!(status_of(&c), "handling");
    assert_eq!(c["case"]["owner_path"], GRID_V_PATH);
    assert_eq!(c["case"]["parties"].as_array().unwrap().len(), 2);
    assert_eq!(c["case"]["overdue"], false);
    let session = json!({"session": {"id": "s1", "at": now_ms(), "place": "村委会调解室",
        "mediator": "张伟", "participants": ["钱某某", "孙某某"], "outcome": "not_agreed",
        "note": "双方对赔偿金额分歧较大"}});
    applied(&step(&d, &d.worker, id, "mediate", "handling", session));
    // Nobody outside: the other town's view, a department, the volunteer.
    assert!(case_in(&d.server, &d.justice, id).is_none());
    assert!(case_in(&d.server, &d.police, id).is_none());
    assert!(case_in(&d.server, &d.volunteer, id).is_none());

    applied(&step(
        &d,
        &d.worker,
        id,
        "escalate",
        "handling",
        note("网格调解未果，请村里调解"),
    ));
    let c = case_in(&d.server, &d.village, id).expect("the village sees its case");
    assert_eq!(status_of(&c), "reported");
    assert_eq!(c["case"]["owner_path"], VILLAGE_PATH);
    assert_eq!(
        c["case"]["dispute"]["sessions"].as_array().unwrap().len(),
        1
    );

    applied(&step(
        &d,
        &d.village,
        id,
        "escalate",
        "reported",
        note("涉及金额较大，报镇调处"),
    ));
    let c = case_in(&d.server, &d.town, id).expect("the town sees it");
    assert_eq!(c["case"]["owner_path"], TOWN_PATH);
    applied(&step(&d, &d.town, id, "accept", "reported", json!({})));
    applied(&step(
        &d,
        &d.town,
        id,
        "dispatch",
        "accepted",
        json!({"to": {"kind": "department", "code": JUSTICE}}),
    ));

    // The department receives it (and only that department).
    let c = case_in(&d.server, &d.justice, id).expect("dispatched to the justice office");
    assert_eq!(status_of(&c), "dispatched");
    assert_eq!(
        c["case"]["handler"],
        json!({"kind": "department", "code": JUSTICE})
    );
    assert_eq!(c["case"]["parties"].as_array().unwrap().len(), 2);
    assert!(case_in(&d.server, &d.police, id).is_none());
    applied(&step(
        &d,
        &d.justice,
        id,
        "receive",
        "dispatched",
        json!({}),
    ));
    applied(&step(
        &d,
        &d.justice,
        id,
        "feedback",
        "handling",
        note("已约双方周五到司法所"),
    ));
    applied(&step(
        &d,
        &d.justice,
        id,
        "finish",
        "handling",
        note("双方达成赔偿协议，已履行"),
    ));
    assert_eq!(
        status_of(&case_in(&d.server, &d.town, id).unwrap()),
        "finished"
    );

    // 核查 by the reporter, 结案, 评价.
    applied(&step(
        &d,
        &d.worker,
        id,
        "verify",
        "finished",
        note("回访属实"),
    ));
    applied(&step(
        &d,
        &d.worker,
        id,
        "evaluate",
        "closed",
        json!({"rating": "satisfied"}),
    ));
    for token in [&d.worker, &d.village, &d.town, &d.justice] {
        let c = case_in(&d.server, token, id).unwrap();
        assert_eq!(status_of(&c), "evaluated", "{c}");
        assert_eq!(c["case"]["rating"]["score"], "satisfied");
        assert_eq!(c["events"].as_array().unwrap().len(), 11, "{c}");
    }
    assert!(case_in(&d.server, &d.police, id).is_none());
    assert!(case_in(&d.server, &d.volunteer, id).is_none());
}

/// What a device is sent agrees with the checksum it verifies against; an app
/// that does not ask for cases receives none and is not checked on them.
fn checksums_agree_with_the_pull(backend: Backend) {
    let d = district(backend);
    let id = "case-sum-1";
    applied(&create(
        &d,
        &d.worker,
        new_case(id, "dispute.neighbor", GRID_V_PATH, now_ms()),
        true,
    ));
    applied(&step(
        &d,
        &d.worker,
        id,
        "escalate",
        "handling",
        note("报村"),
    ));
    applied(&step(
        &d,
        &d.village,
        id,
        "escalate",
        "reported",
        note("报镇"),
    ));
    applied(&step(
        &d,
        &d.town,
        id,
        "dispatch",
        "reported",
        json!({"to": {"kind": "department", "code": JUSTICE}}),
    ));
    let agree = |token: &str, cases: bool| {
        let changes: Vec<gridfield_core::wire::Change> = pull_all(&d.server, token, cases)
            .into_iter()
            .map(|c| serde_json::from_value(c).unwrap())
            .collect();
        let mine = gridfield_core::wire::checksums(changes);
        let url = format!(
            "{}/v1/checksum{}",
            d.server.url,
            if cases { "?cases=1" } else { "" }
        );
        let r = http(
            "GET",
            &url,
            &[("authorization", &format!("Bearer {token}"))],
            None,
        );
        let theirs: BTreeMap<String, String> =
            serde_json::from_value(r.json()["kinds"].clone()).unwrap();
        assert_eq!(mine, theirs, "cases={cases}");
        theirs
    };
    for token in [&d.worker, &d.town, &d.justice, &d.police, &d.volunteer] {
        for cases in [true, false] {
            let theirs = agree(token, cases);
            assert_eq!(
                theirs.contains_key("case"),
                cases && *token != d.police && *token != d.volunteer
            );
        }
    }
    // After a step, from the digest kept since (the changes only).
    let held = agree(&d.justice, true);
    applied(&step(
        &d,
        &d.justice,
        id,
        "receive",
        "dispatched",
        json!({}),
    ));
    assert_ne!(agree(&d.justice, true)["case"], held["case"]);
    // A query the server cannot read is a clear error.
    let r = http(
        "GET",
        &format!("{}/v1/pull?cases=yes", d.server.url),
        &[("authorization", &format!("Bearer {}", d.town))],
        None,
    );
    r.assert_error(400, "bad_query");
    // A department receives the map and its cases, none of the people.
    let kinds: std::collections::BTreeSet<String> = pull_all(&d.server, &d.justice, true)
        .iter()
        .map(|c| c["type"].as_str().unwrap().to_string())
        .collect();
    assert!(
        kinds
            .iter()
            .all(|k| ["grid", "address", "template", "case"].contains(&k.as_str())),
        "{kinds:?}"
    );
}

/// A department gives a dispatch back; the town sees it back in its queue.
fn dispatch_returned(backend: Backend) {
    let d = district(backend);
    let id = "case-return-1";
    applied(&create(
        &d,
        &d.town,
        new_case(id, "dispute.property", GRID_V_PATH, now_ms()),
        false,
    ));
    let c = case_in(&d.server, &d.town, id).unwrap();
    let from = status_of(&c).to_string();
    applied(&step(
        &d,
        &d.town,
        id,
        "dispatch",
        &from,
        json!({"to": {"kind": "department", "code": POLICE}}),
    ));
    refused(
        &step(&d, &d.police, id, "return", "dispatched", json!({})),
        "note_required",
    );
    applied(&step(
        &d,
        &d.police,
        id,
        "return",
        "dispatched",
        note("物业纠纷不属公安职责"),
    ));
    let c = case_in(&d.server, &d.town, id).unwrap();
    assert_eq!(status_of(&c), "accepted");
    assert!(c["case"]["handler"].is_null(), "{c}");
    let last = c["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "return");
    assert_eq!(last["note"], "物业纠纷不属公安职责");
    // Still the police station's record of what it gave back.
    assert_eq!(
        status_of(&case_in(&d.server, &d.police, id).unwrap()),
        "accepted"
    );

    // A stale step: the town's phone still shows it dispatched and sends a
    // second dispatch from there; the case is `accepted` now.
    let before = case_in(&d.server, &d.town, id).unwrap();
    let r = step(
        &d,
        &d.town,
        id,
        "dispatch",
        "dispatched",
        json!({"to": {"kind": "department", "code": JUSTICE}}),
    );
    refused(&r, "transition_refused");
    assert!(r["message"].as_str().unwrap().contains("已受理"), "{r}");
    assert_eq!(case_in(&d.server, &d.town, id).unwrap(), before);

    // 下派: the case sits in the village's queue (where its type lands); it is
    // sent down to the grid's, then dispatched to the grid worker. A level off
    // the way to where it happened is refused.
    let down = |path: &str| json!({"to": {"kind": "level", "path": path}});
    refused(
        &step(
            &d,
            &d.town,
            id,
            "dispatch",
            "accepted",
            down("/320583/320583001/320583001003/"),
        ),
        "level_outside_owner",
    );
    assert_eq!(before["case"]["owner_path"], VILLAGE_PATH);
    applied(&step(
        &d,
        &d.village,
        id,
        "dispatch",
        "accepted",
        down(GRID_V_PATH),
    ));
    let c = case_in(&d.server, &d.village, id).unwrap();
    assert_eq!(status_of(&c), "accepted");
    assert_eq!(c["case"]["owner_path"], GRID_V_PATH);
    let to_worker = json!({"to": {"kind": "person", "user": "张伟"}});
    applied(&step(&d, &d.village, id, "dispatch", "accepted", to_worker));
    let c = case_in(&d.server, &d.worker, id).unwrap();
    assert_eq!(status_of(&c), "dispatched");
    assert_eq!(
        c["case"]["handler"],
        json!({"kind": "person", "code": "张伟"})
    );
}

/// A case past its time limit is overdue for the level above, computed when read.
fn overdue_case(backend: Backend) {
    let d = district(backend);
    let month_ago = now_ms() - 30 * 24 * 3600 * 1000;
    applied(&create(
        &d,
        &d.worker,
        new_case("case-old", "dispute.family", GRID_V_PATH, month_ago),
        true,
    ));
    applied(&create(
        &d,
        &d.worker,
        new_case("case-new", "dispute.family", GRID_V_PATH, now_ms()),
        true,
    ));
    let all = cases_of(&d.server, &d.town);
    assert_eq!(
        all["case-old"]["case"]["overdue"], true,
        "{}",
        all["case-old"]
    );
    assert_eq!(all["case-new"]["case"]["overdue"], false);
    assert!(all["case-old"]["case"]["deadline"].as_i64().unwrap() < now_ms());

    // 督办: the town sets a new deadline with a note; the worker handling it
    // sees both. The grid itself may not supervise its own case.
    let due = now_ms() + 3 * 24 * 3600 * 1000;
    let order = json!({"note": "请三日内办结并反馈", "deadline": due});
    refused(
        &step(
            &d,
            &d.worker,
            "case-old",
            "supervise",
            "handling",
            order.clone(),
        ),
        "not_permitted",
    );
    applied(&step(
        &d,
        &d.town,
        "case-old",
        "supervise",
        "handling",
        order,
    ));
    let c = case_in(&d.server, &d.worker, "case-old").unwrap();
    assert_eq!(c["case"]["overdue"], false, "{c}");
    assert_eq!(c["case"]["deadline"], due);
    let last = c["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "supervise");
    assert_eq!(last["note"], "请三日内办结并反馈");
}

/// A volunteer sees the outcome of a case made from their report, never the
/// parties, the mediation record or the notes; and no one else's case.
fn volunteer_never_receives_parties(backend: Backend) {
    let d = district(backend);
    // The volunteer reports; the town turns the report into a case. Who reported
    // it and where come from the report on record, not from the push.
    let t = now_ms();
    let report = json!({ "type": "report_create", "report": {
        "id": "rep-1", "address_code": ADDR_V, "address_text": "", "text": "楼上漏水，邻居吵起来了",
        "photos": [], "reporter": "x", "device_id": "d", "status": "pending", "points": 0,
        "decision_note": null, "hazard_id": null, "created_at": t, "delivery": "local" } });
    applied(
        &push_ops(
            &d.server,
            &d.volunteer,
            &[raw_op("op-rep-1", "rep-1", report)],
        )
        .remove(0),
    );
    let mut c = new_case(
        "case-from-report",
        "dispute.neighbor",
        "/elsewhere/",
        now_ms(),
    );
    c["source"] = json!("report");
    c["source_ref"] = json!("rep-404");
    let mut unknown = c.clone();
    unknown["id"] = json!("case-unknown-report");
    refused(&create(&d, &d.town, unknown, false), "not_found");
    c["source_ref"] = json!("rep-1");
    c["reported_by"] = json!("someone-else");
    applied(&create(&d, &d.town, c, false));
    applied(&create(
        &d,
        &d.worker,
        new_case("case-other", "dispute.neighbor", GRID_V_PATH, now_ms()),
        true,
    ));
    let c = case_in(&d.server, &d.town, "case-from-report").unwrap();
    assert_eq!(c["case"]["reported_by"], "王芳");
    assert_eq!(c["case"]["address_code"], ADDR_V);
    assert_eq!(c["case"]["grid_path"], GRID_V_PATH);
    let from = status_of(&c).to_string();
    applied(&step(
        &d,
        &d.town,
        "case-from-report",
        "dispatch",
        &from,
        json!({"to": {"kind": "person", "user": "张伟"}}),
    ));
    applied(&step(
        &d,
        &d.worker,
        "case-from-report",
        "receive",
        "dispatched",
        json!({}),
    ));
    applied(&step(
        &d,
        &d.worker,
        "case-from-report",
        "mediate",
        "handling",
        json!({"note": "钱某某情绪激动", "session": {"id": "s1", "at": now_ms(), "place": "钱某某家中",
        "mediator": "张伟", "participants": ["钱某某"], "outcome": "not_agreed", "note": "钱某某要求赔偿两千元"}}),
    ));

    let mine = cases_of(&d.server, &d.volunteer);
    assert_eq!(mine.keys().collect::<Vec<_>>(), ["case-from-report"]);
    let c = &mine["case-from-report"];
    // The phone links its report to the case's progress.
    assert_eq!(c["case"]["source_ref"], "rep-1");
    assert_eq!(status_of(c), "handling");
    assert_eq!(c["case"]["parties"], json!([]));
    assert!(c["case"]["dispute"].is_null(), "{c}");
    let text = c.to_string();
    for secret in ["钱某某", "孙某某", "13800000001", "两千元"] {
        assert!(
            !text.contains(secret),
            "{secret} reached a volunteer: {text}"
        );
    }
    // Sent only to apps that ask: an older app gets no case at all.
    assert!(
        pull_all(&d.server, &d.town, false)
            .iter()
            .all(|c| c["type"] != "case")
    );
    // Nor the case types: they come with the cases.
    let kinds = |query: &str| -> Vec<Value> {
        let url = format!(
            "{}/v1/pull?limit=1&taxonomies=hazard:99{query}",
            d.server.url
        );
        let r = http(
            "GET",
            &url,
            &[("authorization", &format!("Bearer {}", d.town))],
            None,
        );
        let t = r.json()["taxonomies"].clone();
        t.as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|t| t["kind"].clone())
            .collect()
    };
    assert!(!kinds("").contains(&json!("case")));
    assert!(kinds("&cases=1").contains(&json!("case")));
}

/// A department cannot see or step a case not dispatched to it.
fn department_out_of_scope(backend: Backend) {
    let d = district(backend);
    let id = "case-justice-only";
    applied(&create(
        &d,
        &d.town,
        new_case(id, "dispute.neighbor", GRID_V_PATH, now_ms()),
        false,
    ));
    let from = status_of(&case_in(&d.server, &d.town, id).unwrap()).to_string();
    applied(&step(
        &d,
        &d.town,
        id,
        "dispatch",
        &from,
        json!({"to": {"kind": "department", "code": JUSTICE}}),
    ));
    let before = case_in(&d.server, &d.town, id).unwrap();
    assert!(case_in(&d.server, &d.police, id).is_none());
    let r = step(&d, &d.police, id, "receive", "dispatched", json!({}));
    assert_eq!(r["status"], "rejected", "{r}");
    assert_eq!(r["code"], "out_of_scope", "{r}");
    assert_eq!(case_in(&d.server, &d.town, id).unwrap(), before);
}

/// Bad input: each a clear refusal in Chinese, nothing changed.
fn bad_input_changes_nothing(backend: Backend) {
    let d = district(backend);
    refused(
        &create(
            &d,
            &d.worker,
            new_case("case-bad-type", "made.up", GRID_V_PATH, now_ms()),
            true,
        ),
        "unknown_type",
    );
    refused(
        &create(
            &d,
            &d.volunteer,
            new_case("case-by-vol", "dispute.neighbor", GRID_V_PATH, now_ms()),
            false,
        ),
        "not_permitted",
    );
    assert!(case_in(&d.server, &d.town, "case-bad-type").is_none());
    assert!(case_in(&d.server, &d.town, "case-by-vol").is_none());

    let id = "case-bad-steps";
    applied(&create(
        &d,
        &d.worker,
        new_case(id, "dispute.neighbor", GRID_V_PATH, now_ms()),
        true,
    ));
    applied(&step(
        &d,
        &d.worker,
        id,
        "escalate",
        "handling",
        note("报村"),
    ));
    let before = case_in(&d.server, &d.town, id).unwrap();
    // Not for a worker's role: accepting is a supervisor's.
    refused(
        &step(&d, &d.worker, id, "accept", "reported", json!({})),
        "not_permitted",
    );
    // Not in this state: verifying a case nobody finished.
    refused(
        &step(&d, &d.village, id, "verify", "reported", json!({})),
        "transition_refused",
    );
    assert_eq!(case_in(&d.server, &d.town, id).unwrap(), before);
    // A department outside the level: the other town's police.
    applied(&step(
        &d,
        &d.village,
        id,
        "escalate",
        "reported",
        note("报镇"),
    ));
    let before = case_in(&d.server, &d.town, id).unwrap();
    refused(
        &step(
            &d,
            &d.town,
            id,
            "dispatch",
            "reported",
            json!({"to": {"kind": "department", "code": FAR_POLICE}}),
        ),
        "department_outside_level",
    );
    refused(
        &step(
            &d,
            &d.town,
            id,
            "dispatch",
            "reported",
            json!({"to": {"kind": "department", "code": "no-such-dept"}}),
        ),
        "department_outside_level",
    );
    assert_eq!(case_in(&d.server, &d.town, id).unwrap(), before);
    // An agreement without signatures.
    applied(&step(
        &d,
        &d.town,
        id,
        "dispatch",
        "reported",
        json!({"to": {"kind": "department", "code": JUSTICE}}),
    ));
    applied(&step(
        &d,
        &d.justice,
        id,
        "receive",
        "dispatched",
        json!({}),
    ));
    let before = case_in(&d.server, &d.town, id).unwrap();
    refused(
        &step(
            &d,
            &d.justice,
            id,
            "agree",
            "handling",
            json!({"agreement": {"terms": "孙某某赔偿钱某某两千元", "signatures": [], "signed_at": now_ms()}}),
        ),
        "agreement_unsigned",
    );
    assert_eq!(case_in(&d.server, &d.town, id).unwrap(), before);
}

on_both_backends!(
    dispute_through_the_levels,
    checksums_agree_with_the_pull,
    dispatch_returned,
    overdue_case,
    volunteer_never_receives_parties,
    department_out_of_scope,
    bad_input_changes_nothing
);
