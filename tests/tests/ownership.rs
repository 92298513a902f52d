//! Record ownership on the server, tried with raw pushes as a hostile phone would:
//! a device may not overwrite another user's inspection, hazard or report by sending
//! its id, while the owner's own replay (after a lost answer or a restored server)
//! is still accepted. The same rule (`gridfield_core::inspection`) judges the phone.

use gridfield_core::Lang;
use gridfield_tests::*;
use serde_json::{Value, json};

const FAIL_ANSWERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/fire_safety_fail.json"
);

/// Push one op (`op` is the tagged operation body) as the device holding `token`.
fn push_one(server: &ServerProc, token: &str, op_id: &str, entity_id: &str, op: Value) -> Value {
    push_ops(server, token, &[raw_op(op_id, entity_id, op)]).remove(0)
}

/// The server's current document of one record, from an admin export.
fn exported(store: &Store, kind: &str, id: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    store.admin(&["export", "--out", dir.path().to_str().unwrap()]);
    let text = std::fs::read_to_string(dir.path().join(format!("{kind}.jsonl"))).unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["id"] == id || v["hazard"]["id"] == id)
        .unwrap_or_else(|| panic!("{kind} {id} not exported: {text}"))
}

fn another_users_records_cannot_be_overwritten(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let b = synced_worker(&store, &server, "李娜", GRID_A);
    a.ok(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_A,
        "--answers",
        FAIL_ANSWERS,
    ]);
    let rid = a.json(&["report", "--address", ADDR_A, "--text", "楼道堆放杂物"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = a.sync();
    assert_eq!(r["rejected"].as_array().unwrap().len(), 0, "{r}");

    let local = a.store();
    let insp = local.inspections(None).unwrap().remove(0);
    let hz = local.hazards(&Default::default()).unwrap().remove(0);
    let rep = local
        .reports()
        .unwrap()
        .into_iter()
        .find(|r| r.id == rid)
        .unwrap();
    let before = exported(&store, "inspection", &insp.id);
    assert_eq!(before["inspector"], "张伟", "{before}");

    // B sends A's inspection id as its own: refused, A's record untouched.
    let mut forged = serde_json::to_value(&insp).unwrap();
    forged["inspector"] = json!("李娜");
    let res = push_one(
        &server,
        &b.token(),
        "steal-insp",
        &insp.id,
        json!({ "type": "inspection_submit", "inspection": forged }),
    );
    assert_eq!(res["status"], "rejected", "{res}");
    assert_eq!(res["code"], "not_owner", "{res}");
    assert_eq!(exported(&store, "inspection", &insp.id), before);

    // B re-creates A's hazard and report under its own name: refused, not "applied".
    let mut h = serde_json::to_value(&hz).unwrap();
    h["description"] = json!("伪造");
    let res = push_one(
        &server,
        &b.token(),
        "steal-hz",
        &hz.id,
        json!({ "type": "hazard_create", "hazard": h }),
    );
    assert_eq!(res["status"], "rejected", "{res}");
    assert_eq!(res["code"], "not_owner", "{res}");
    assert_eq!(
        exported(&store, "hazard", &hz.id)["hazard"]["description"],
        json!(hz.description)
    );
    let mut p = serde_json::to_value(&rep).unwrap();
    p["text"] = json!("伪造");
    let res = push_one(
        &server,
        &b.token(),
        "steal-rep",
        &rep.id,
        json!({ "type": "report_create", "report": p }),
    );
    assert_eq!(res["status"], "rejected", "{res}");
    assert_eq!(res["code"], "not_owner", "{res}");

    // The owner's own replay of the same submission (a new op id, as after a restore) is applied.
    let res = push_one(
        &server,
        &a.token(),
        "replay-insp",
        &insp.id,
        json!({ "type": "inspection_submit", "inspection": serde_json::to_value(&insp).unwrap() }),
    );
    assert_eq!(res["status"], "applied", "{res}");
    let after = exported(&store, "inspection", &insp.id);
    assert_eq!(after["inspector"], "张伟");
    assert_eq!(after["answers"], before["answers"]);
}

/// One rule, one answer: the phone and the server refuse the same input with the
/// same reason in the same words (both call `gridfield_core`'s rules).
fn device_and_server_refuse_alike(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    a.ok(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_A,
        "--answers",
        FAIL_ANSWERS,
    ]);
    a.sync();
    let insp = a.store().inspections(None).unwrap().remove(0);
    let sup = Device::enrolled(&server, &store.code("赵强", "supervisor", GRID_A));
    sup.sync();

    // Returning an inspection without a comment.
    let local = sup
        .store()
        .review_inspection(&insp.id, false, Some("  "))
        .unwrap_err();
    let res = push_one(
        &server,
        &sup.token(),
        "review-no-comment",
        &insp.id,
        json!({ "type": "inspection_review", "approve": false, "comment": "  ", "at": 1 }),
    );
    assert_eq!(res["status"], "rejected", "{res}");
    assert_eq!(res["code"], "comment_required", "{res}");
    assert_eq!(res["message"], local.message(Lang::Zh), "{res}");
    assert_eq!(res["message_en"], local.message(Lang::En), "{res}");

    // A volunteer submitting an inspection.
    let v = Device::enrolled(&server, &store.code("王芳", "volunteer", GRID_A));
    v.sync();
    let local = v
        .store()
        .start_inspection(&gridfield_core::store::NewInspection {
            template_id: "rental_fire_safety".into(),
            address_code: ADDR_A.into(),
            ..Default::default()
        })
        .unwrap_err();
    // It holds the photos it refers to (a photo known only by its hash would
    // leave the op waiting for it, `pending_photos`).
    for name in ["ebike.png", "site.png", "signature.png"] {
        let bytes = std::fs::read(fixtures().join("../../core/tests/fixtures").join(name)).unwrap();
        let (auth, len) = (format!("Bearer {}", v.token()), bytes.len().to_string());
        let url = format!(
            "{}/v1/blobs/{}",
            server.url,
            gridfield_core::photo::hash_bytes(&bytes)
        );
        let headers = [
            ("authorization", auth.as_str()),
            ("upload-length", len.as_str()),
        ];
        assert_eq!(http("PUT", &url, &headers, Some(&bytes)).status, 200);
    }
    let mut forged = serde_json::to_value(&insp).unwrap();
    forged["id"] = json!("insp-by-volunteer");
    let res = push_one(
        &server,
        &v.token(),
        "volunteer-submit",
        "insp-by-volunteer",
        json!({ "type": "inspection_submit", "inspection": forged }),
    );
    assert_eq!(res["status"], "rejected", "{res}");
    assert_eq!(res["code"], "not_permitted", "{res}");
    assert_eq!(res["message"], local.message(Lang::Zh), "{res}");
    assert_eq!(res["message_en"], local.message(Lang::En), "{res}");
}

/// A returned inspection is resubmitted only by its inspector, at its own address
/// and grid; a submitted one is not rewritten, not even by its inspector (only
/// replayed unchanged).
fn resubmissions_keep_their_inspector_address_and_grid(backend: Backend) {
    let (store, server) = seeded_server(backend);
    // Town-wide workers: both grids are in scope, so only ownership can refuse.
    let a = synced_worker(&store, &server, "张伟", TOWN);
    let b = synced_worker(&store, &server, "李娜", TOWN);
    a.ok(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_A,
        "--answers",
        FAIL_ANSWERS,
    ]);
    let r = a.sync();
    assert_eq!(r["rejected"].as_array().unwrap().len(), 0, "{r}");
    let insp = a.store().inspections(None).unwrap().remove(0);
    let submitted = exported(&store, "inspection", &insp.id);

    // The owner rewrites a submitted inspection: refused, unchanged.
    let mut changed = serde_json::to_value(&insp).unwrap();
    changed["finished_at"] = json!(insp.finished_at.unwrap_or(0) + 60_000);
    let res = push_one(
        &server,
        &a.token(),
        "rewrite-submitted",
        &insp.id,
        json!({ "type": "inspection_submit", "inspection": changed }),
    );
    assert_eq!(res["status"], "rejected", "{res}");
    assert_eq!(res["code"], "already_submitted", "{res}");
    assert_eq!(exported(&store, "inspection", &insp.id), submitted);

    // A supervisor returns it.
    let sup = Device::enrolled(&server, &store.code("赵强", "supervisor", TOWN));
    let res = push_one(
        &server,
        &sup.token(),
        "return-it",
        &insp.id,
        json!({ "type": "inspection_review", "approve": false, "comment": "请补充照片", "at": 1 }),
    );
    assert_eq!(res["status"], "applied", "{res}");
    let returned = exported(&store, "inspection", &insp.id);
    assert_eq!(returned["review_status"], "returned", "{returned}");

    // Another worker resubmits it: not the owner.
    let res = push_one(
        &server,
        &b.token(),
        "take-returned",
        &insp.id,
        json!({ "type": "inspection_submit", "inspection": serde_json::to_value(&insp).unwrap() }),
    );
    assert_eq!(res["status"], "rejected", "{res}");
    assert_eq!(res["code"], "not_owner", "{res}");

    // The owner resubmits it at another address (in another grid): refused.
    for (op, addr) in [
        ("move-addr", "320583-001-0012-03-02-0502"),
        ("move-grid", ADDR_B),
    ] {
        let mut moved = serde_json::to_value(&insp).unwrap();
        moved["address_code"] = json!(addr);
        let res = push_one(
            &server,
            &a.token(),
            op,
            &insp.id,
            json!({ "type": "inspection_submit", "inspection": moved }),
        );
        assert_eq!(res["status"], "rejected", "{res}");
        assert_eq!(res["code"], "address_changed", "{res}");
        assert!(res["message"].as_str().unwrap().contains("地址"), "{res}");
    }
    assert_eq!(exported(&store, "inspection", &insp.id), returned);

    // The owner's resubmission at the same address is taken.
    let res = push_one(
        &server,
        &a.token(),
        "resubmit",
        &insp.id,
        json!({ "type": "inspection_submit", "inspection": serde_json::to_value(&insp).unwrap() }),
    );
    assert_eq!(res["status"], "applied", "{res}");
    let after = exported(&store, "inspection", &insp.id);
    assert_eq!(after["review_status"], "submitted", "{after}");
    assert_eq!(after["inspector"], "张伟");
    assert_eq!(after["address_code"], ADDR_A);

    // Approved: nobody overwrites it, the owner included.
    let res = push_one(
        &server,
        &sup.token(),
        "approve-it",
        &insp.id,
        json!({ "type": "inspection_review", "approve": true, "comment": null, "at": 2 }),
    );
    assert_eq!(res["status"], "applied", "{res}");
    for (op, token) in [
        ("over-approved-a", a.token()),
        ("over-approved-b", b.token()),
    ] {
        let res = push_one(
            &server,
            &token,
            op,
            &insp.id,
            json!({ "type": "inspection_submit", "inspection": serde_json::to_value(&insp).unwrap() }),
        );
        assert_eq!(res["status"], "rejected", "{res}");
    }
    assert_eq!(
        exported(&store, "inspection", &insp.id)["review_status"],
        "approved"
    );
}

on_both_backends!(
    another_users_records_cannot_be_overwritten,
    device_and_server_refuse_alike,
    resubmissions_keep_their_inspector_address_and_grid
);
