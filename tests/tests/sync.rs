//! Multi-device scenarios against a real server process, on embedded SQLite and
//! on a throwaway PostgreSQL cluster: convergence with a conflict log, workflow
//! commands judged by the server, scope and role, and a phone with a wrong clock.

use gridfield_tests::*;
use serde_json::{Value, json};

const FAIL_ANSWERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/fire_safety_fail.json"
);
const SITE_PNG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/site.png"
);

fn entity(d: &Device, kind: &str, id: &str) -> Value {
    d.json(&["entity", "show", kind, id])
}

/// Scenario 1: Two workers edit the same household offline; all replicas converge and the
/// overwritten value is in the server's conflict log.
fn concurrent_edits_converge_with_conflict_log(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let b = synced_worker(&store, &server, "李娜", GRID_A);
    let hh = a.json(&[
        "entity",
        "put",
        "household",
        "--address",
        ADDR_A,
        "head_name=王秀英",
        "members=3",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    a.sync();
    b.sync();
    assert_eq!(
        entity(&b, "household", &hh)["fields"]["head_name"],
        "王秀英"
    );

    // Both offline: the same field, and different fields.
    a.ok(&[
        "entity",
        "put",
        "household",
        "--id",
        &hh,
        "phone=13800000001",
        "note=楼上漏水",
    ]);
    b.ok(&[
        "entity",
        "put",
        "household",
        "--id",
        &hh,
        "phone=13900000002",
        "members=4",
    ]);
    let ra = a.sync();
    let rb = b.sync();
    a.sync();
    assert_eq!(ra["rejected"].as_array().unwrap().len(), 0);
    assert_eq!(rb["verified"], true, "{rb}");
    assert_eq!(rb["conflicts"], 1, "{rb}");

    let fa = entity(&a, "household", &hh)["fields"].clone();
    let fb = entity(&b, "household", &hh)["fields"].clone();
    assert_eq!(fa, fb, "replicas differ");
    // Shown masked (the core's rule); the full value only by an audited reveal.
    assert_eq!(fa["phone"], "139****0002");
    assert_eq!(
        a.ok(&["entity", "reveal", "household", &hh, "phone"])
            .trim(),
        "13900000002"
    );
    assert_eq!(fa["members"], 4);
    assert_eq!(
        fa["note"], "楼上漏水",
        "a field only one device edited survives"
    );

    // A third device that enrolls now sees the same.
    let c = synced_worker(&store, &server, "王强", GRID_A);
    assert_eq!(entity(&c, "household", &hh)["fields"], fa);

    let dir = tempfile::tempdir().unwrap();
    store.admin(&["export", "--out", dir.path().to_str().unwrap()]);
    let log = std::fs::read_to_string(dir.path().join("conflicts.jsonl")).unwrap();
    let rows: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1, "{log}");
    assert_eq!(rows[0]["field"], "phone");
    assert_eq!(rows[0]["lost"], "\"13800000001\"");
    assert_eq!(rows[0]["kept"], "\"13900000002\"");
}

fn hazard_id(d: &Device, category: &str) -> String {
    d.json(&["hazard", "list"])
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["category"] == category)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Scenario 2: A hazard moves through its lifecycle across devices; a stale step from a
/// phone that was offline is refused with a reason it shows.
fn hazard_lifecycle_and_stale_step(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let w1 = synced_worker(&store, &server, "张伟", GRID_A);
    let w2 = synced_worker(&store, &server, "李娜", GRID_A);
    let sup = Device::enrolled(&server, &store.code("赵强", "supervisor", TOWN));

    w1.ok(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_A,
        "--answers",
        FAIL_ANSWERS,
    ]);
    let h = hazard_id(&w1, "fire.ebike_charging");
    w1.ok(&[
        "hazard",
        "move",
        &h,
        "assign",
        "--assignee",
        "李房东",
        "--deadline",
        "2099-12-31",
    ]);
    let r = w1.sync();
    assert!(r["photos_uploaded"].as_u64().unwrap() >= 3, "{r}");
    w2.sync();
    assert_eq!(
        w2.json(&["hazard", "show", &h])["hazard"]["status"],
        "assigned"
    );

    w1.ok(&[
        "hazard",
        "move",
        &h,
        "mark_rectified",
        "--note",
        "电动车已移出",
        "--photo",
        SITE_PNG,
    ]);
    w1.sync();

    sup.sync();
    assert_eq!(
        sup.json(&["hazard", "show", &h])["hazard"]["status"],
        "rectified"
    );
    // The rectification photo is downloaded lazily, on demand, and checked.
    let photo = std::fs::read(SITE_PNG).unwrap();
    let hash = gridfield_core::photo::hash_bytes(&photo);
    assert!(
        !sup.data()
            .join("photos")
            .join(&hash[..2])
            .join(&hash)
            .exists()
    );
    let out = sup.data().join("downloaded.png");
    sup.ok(&["photo-get", &hash, "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), photo);
    assert!(
        sup.data()
            .join("photos")
            .join(&hash[..2])
            .join(&hash)
            .exists(),
        "kept after the first download"
    );
    let missing = "0".repeat(64);
    let o = sup.run(&["photo-get", &missing, "--out", out.to_str().unwrap()]);
    assert!(!o.status.success());
    sup.ok(&["hazard", "move", &h, "verify", "--note", "现场复核合格"]);
    sup.ok(&["hazard", "move", &h, "close"]);
    let r = sup.sync();
    assert_eq!(r["rejected"].as_array().unwrap().len(), 0, "{r}");

    // w2 still believes the hazard is assigned.
    w2.ok(&[
        "hazard",
        "move",
        &h,
        "mark_rectified",
        "--note",
        "我也整改了",
    ]);
    let r = w2.sync();
    let rej = r["rejected"].as_array().unwrap();
    assert_eq!(rej.len(), 1, "{r}");
    assert_eq!(rej[0]["code"], "transition_refused");
    assert!(
        rej[0]["message"].as_str().unwrap().contains("已销号"),
        "{r}"
    );
    // The phone converges on the server's state.
    let d = w2.json(&["hazard", "show", &h]);
    assert_eq!(d["hazard"]["status"], "closed");
    let actions: Vec<&str> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["assign", "mark_rectified", "verify", "close"]);

    w1.sync();
    assert_eq!(
        w1.json(&["hazard", "show", &h])["hazard"]["status"],
        "closed"
    );
}

/// Scenario 3: A volunteer's replica holds no personal data; grid A's device receives
/// nothing of grid B and its writes into grid B are refused.
fn scope_and_role_are_enforced_by_the_server(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let wa = synced_worker(&store, &server, "张伟", GRID_A);
    let hh = wa.json(&[
        "entity",
        "put",
        "household",
        "--address",
        ADDR_A,
        "head_name=王秀英",
        "phone=13812345678",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ru = wa.json(&[
        "entity",
        "put",
        "rental_unit",
        "--address",
        ADDR_A,
        "landlord_name=李房东",
        "landlord_phone=13987654321",
        "rooms=3",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    wa.ok(&[
        "entity",
        "put",
        "person",
        "--address",
        ADDR_A,
        &format!("household_id={hh}"),
        "name=王秀英",
        "id_number=320583195001011234",
        "phone=13812345678",
    ]);
    wa.ok(&[
        "entity",
        "put",
        "person",
        "--address",
        ADDR_A,
        &format!("rental_unit_id={ru}"),
        "name=租客甲",
        "id_number=32058319990202345X",
    ]);
    wa.ok(&[
        "entity",
        "put",
        "business",
        "--address",
        "320583-001-0033-00-00-0000",
        "name=便民超市",
        "contact_phone=13700000000",
    ]);
    wa.ok(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_A,
        "--answers",
        FAIL_ANSWERS,
    ]);
    wa.sync();

    let v = Device::enrolled(&server, &store.code("王芳", "volunteer", GRID_A));
    v.sync();
    assert!(
        v.count("SELECT count(*) FROM addresses") > 0,
        "volunteers still get the public addresses"
    );
    for table in [
        "households",
        "persons",
        "rental_units",
        "inspections",
        "hazards",
    ] {
        assert_eq!(
            v.count(&format!("SELECT count(*) FROM {table}")),
            0,
            "{table} reached a volunteer"
        );
    }
    assert_eq!(
        v.count("SELECT count(*) FROM businesses WHERE name = '便民超市'"),
        1
    );
    assert_eq!(v.count("SELECT count(*) FROM businesses WHERE contact_phone IS NOT NULL OR contact_name IS NOT NULL"), 0);

    let wb = synced_worker(&store, &server, "刘洋", GRID_B);
    assert_eq!(
        wb.count(&format!(
            "SELECT count(*) FROM addresses WHERE grid_code <> '{GRID_B}'"
        )),
        0
    );
    assert_eq!(wb.count("SELECT count(*) FROM addresses"), 1);
    for table in [
        "households",
        "persons",
        "rental_units",
        "businesses",
        "inspections",
        "hazards",
    ] {
        assert_eq!(
            wb.count(&format!("SELECT count(*) FROM {table}")),
            0,
            "grid A's {table} reached grid B"
        );
    }

    // Grid B's device forges writes into grid A with its own valid token.
    let hz = hazard_id(&wa, "fire.ebike_charging");
    let body = json!({ "ops": [
        { "op_id": "forged-1", "entity_id": hh, "hlc": format!("{:013}-000000-x", 1), "op": { "type": "entity_upsert", "kind": "household", "address_code": ADDR_A, "fields": { "phone": "13900000009" } } },
        { "op_id": "forged-2", "entity_id": hz, "hlc": format!("{:013}-000000-x", 1), "op": { "type": "hazard_step", "event_id": "e1", "action": "assign", "from": "reported", "input": { "assignee": "x", "deadline": null, "note": null, "photos": [] }, "at": 1 } }
    ]});
    let resp: Value = ureq::post(&format!("{}/v1/push", server.url))
        .header("authorization", &format!("Bearer {}", wb.token()))
        .send_json(&body)
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    for r in resp["results"].as_array().unwrap() {
        assert_eq!(r["status"], "rejected", "{resp}");
        assert_eq!(r["code"], "out_of_scope", "{resp}");
        assert!(r["message"].as_str().unwrap().contains("网格"));
    }
    wa.sync();
    assert_eq!(
        entity(&wa, "household", &hh)["fields"]["phone"],
        "138****5678",
        "shown masked, and unchanged by the forged push"
    );
    assert_eq!(
        wa.ok(&["entity", "reveal", "household", &hh, "phone"])
            .trim(),
        "13812345678"
    );
}

/// Scenario 6: A phone whose clock is three days fast does not win over later real edits.
fn a_fast_clock_does_not_win_forever(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let normal = synced_worker(&store, &server, "张伟", GRID_A);
    let mut fast = Device::enrolled(&server, &store.code("李娜", "worker", GRID_A));
    fast.env.push((
        "GRIDFIELD_CLOCK_SKEW_MS".into(),
        (3 * 24 * 3600 * 1000).to_string(),
    ));
    fast.sync();
    let hh = normal.json(&[
        "entity",
        "put",
        "household",
        "--address",
        ADDR_A,
        "head_name=王秀英",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    normal.sync();
    fast.sync();

    fast.ok(&[
        "entity",
        "put",
        "household",
        "--id",
        &hh,
        "note=三天后的时钟写的",
    ]);
    fast.sync();
    normal.sync();
    assert_eq!(
        entity(&normal, "household", &hh)["fields"]["note"],
        "三天后的时钟写的"
    );
    normal.ok(&[
        "entity",
        "put",
        "household",
        "--id",
        &hh,
        "note=稍后真实的修改",
    ]);
    normal.sync();
    fast.sync();
    assert_eq!(
        entity(&fast, "household", &hh)["fields"]["note"],
        "稍后真实的修改"
    );
    assert_eq!(
        entity(&normal, "household", &hh)["fields"]["note"],
        "稍后真实的修改"
    );
}

/// A replica that drifted (a lost row, a stale field) is detected by checksum and
/// repaired by the next sync, without losing a queued local edit.
fn a_drifted_replica_repairs_itself(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let hh = a.json(&[
        "entity",
        "put",
        "household",
        "--address",
        ADDR_A,
        "head_name=王秀英",
        "members=3",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = a.sync();
    assert_eq!(r["verified"], true, "{r}");
    assert_eq!(r["repaired"], false, "{r}");

    // Damage the replica behind the app's back.
    a.store()
        .read(|c| {
            c.execute("DELETE FROM addresses WHERE code = '320583-001-0033-00-00-0000'", [])?;
            c.execute("UPDATE households SET members = 99 WHERE id = ?1", [&hh])?;
            c.execute("UPDATE field_versions SET hlc = '0000000000001-000000-x' WHERE entity_id = ?1 AND field = 'members'", [&hh])?;
            Ok(())
        })
        .unwrap();
    let r = a.sync();
    assert_eq!(r["repaired"], true, "{r}");
    assert_eq!(r["verified"], true, "{r}");
    assert_eq!(
        a.count("SELECT count(*) FROM addresses WHERE code = '320583-001-0033-00-00-0000'"),
        1
    );
    assert_eq!(entity(&a, "household", &hh)["fields"]["members"], 3);
}

on_both_backends!(
    a_drifted_replica_repairs_itself,
    concurrent_edits_converge_with_conflict_log,
    hazard_lifecycle_and_stale_step,
    scope_and_role_are_enforced_by_the_server,
    a_fast_clock_does_not_win_forever,
);
