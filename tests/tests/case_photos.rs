//! Photos of cases follow who may see the case: the department it was
//! dispatched to gets them, another department of the same town does not, and
//! a department gets no photo of its town's hazards (it sees cases, nothing
//! else). Both stores, real server, photos uploaded over `/v1/blobs`.

mod case_support;

use case_support::*;
use gridfield_core::photo::hash_bytes;
use gridfield_tests::*;
use serde_json::json;

fn put(d: &District, token: &str, bytes: &[u8]) -> String {
    let hash = hash_bytes(bytes);
    let auth = format!("Bearer {token}");
    let total = bytes.len().to_string();
    let r = http(
        "PUT",
        &format!("{}/v1/blobs/{hash}", d.server.url),
        &[
            ("authorization", &auth),
            ("content-type", "image/jpeg"),
            ("upload-offset", "0"),
            ("upload-length", &total),
        ],
        Some(bytes),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    hash
}

fn get(d: &District, token: &str, hash: &str) -> u16 {
    let auth = format!("Bearer {token}");
    http(
        "GET",
        &format!("{}/v1/blobs/{hash}", d.server.url),
        &[("authorization", &auth)],
        None,
    )
    .status
}

fn case_photos_follow_the_case(backend: Backend) {
    let d = district(backend);
    let case_photo = put(&d, &d.town, &images::pseudo_jpeg(2000, 1));
    let mut c = new_case("case-with-photo", "dispute.neighbor", GRID_V_PATH, now_ms());
    c["photos"] = json!([case_photo]);
    applied(&create(&d, &d.town, c, false));
    let from = status_of(&case_in(&d.server, &d.town, "case-with-photo").unwrap()).to_string();
    applied(&step(
        &d,
        &d.town,
        "case-with-photo",
        "dispatch",
        &from,
        json!({"to": {"kind": "department", "code": JUSTICE}}),
    ));
    assert_eq!(get(&d, &d.justice, &case_photo), 200, "dispatched to it");
    assert_eq!(get(&d, &d.police, &case_photo), 404, "not dispatched to it");

    // A hazard in the police station's town: its photo is not the station's.
    let hazard_photo = put(&d, &d.worker, &images::pseudo_jpeg(2000, 2));
    let t = now_ms();
    let hz = json!({ "type": "hazard_create", "hazard": {
        "id": "hz-photo", "address_code": ADDR_V, "category": "gas.safety", "severity": "high",
        "description": "燃气管老化", "status": "reported", "assignee": null, "deadline": null,
        "photos": [hazard_photo], "source_inspection": null, "source_item": null,
        "source_report": null, "reported_by": "x", "created_at": t, "updated_at": t,
        "delivery": "local" } });
    let r = push_ops(
        &d.server,
        &d.worker,
        &[raw_op("op-hz-photo", "hz-photo", hz)],
    )
    .remove(0);
    applied(&r);
    assert_eq!(get(&d, &d.town, &hazard_photo), 200);
    assert_eq!(get(&d, &d.police, &hazard_photo), 404);
}

on_both_backends!(case_photos_follow_the_case);
