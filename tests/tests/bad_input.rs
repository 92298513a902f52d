//! Bad input against a running server, with raw HTTP: every refusal has the right
//! status and a JSON body `{"error": <code>, "message": <text>}`, nothing half-done
//! is left behind, and afterwards the server keeps serving real devices.

use gridfield_core::photo::hash_bytes;
use gridfield_tests::*;
use serde_json::{Value, json};

fn setup(backend: Backend) -> (Store, ServerProc, Device) {
    let store = Store::new(backend);
    store.seed();
    let server = ServerProc::start(&store);
    let a = Device::enrolled(&server, &store.code("张伟", "worker", GRID_A));
    a.sync();
    (store, server, a)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn push(server: &ServerProc, token: &str, body: &Value) -> Reply {
    push_body(server, Some(token), body.to_string().as_bytes())
}

fn upsert(op_id: &str, entity_id: &str, fields: Value) -> Value {
    json!({ "op_id": op_id, "entity_id": entity_id, "hlc": now_hlc("raw"),
            "op": { "type": "entity_upsert", "kind": "household", "address_code": ADDR_A, "fields": fields } })
}

/// The server still answers /healthz, and a real device enrolls, pushes and is pulled by another.
fn still_serving(store: &Store, server: &ServerProc, other: &Device) {
    let h = http("GET", &format!("{}/healthz", server.url), &[], None);
    assert_eq!(
        h.status,
        200,
        "healthz: {}",
        String::from_utf8_lossy(&h.body)
    );
    assert_eq!(h.json()["status"], "ok");
    let d = Device::enrolled(server, &store.code("复核员", "worker", GRID_A));
    d.sync();
    let id = d.json(&[
        "entity",
        "put",
        "household",
        "--address",
        ADDR_A,
        "head_name=仍在服务",
        "members=2",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = d.sync();
    assert_eq!(r["pushed"], 1, "{r}");
    assert_eq!(r["rejected"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(d.count("SELECT count(*) FROM outbox"), 0);
    other.sync();
    assert_eq!(
        other.count(&format!(
            "SELECT count(*) FROM households WHERE id = '{id}' AND head_name = '仍在服务'"
        )),
        1
    );
}

/// Malformed, mistyped, unknown-shaped and oversized push bodies.
fn bad_push_bodies_get_json_errors(backend: Backend) {
    let (store, server, a) = setup(backend);
    let tok = a.token();

    push_body(&server, Some(&tok), b"{\"ops\": [ {\"op_id\": ").assert_error(400, "malformed_json");
    push_body(&server, Some(&tok), b"not json at all").assert_error(400, "malformed_json");
    push_body(&server, Some(&tok), b"").assert_error(400, "malformed_json");

    // Well-formed JSON of the wrong shape.
    let unknown_type = json!({ "ops": [{ "op_id": "t1", "entity_id": "e1", "hlc": now_hlc("raw"),
        "op": { "type": "entity_delete", "kind": "household", "address_code": ADDR_A } }] });
    push(&server, &tok, &unknown_type).assert_error(422, "invalid_body");
    push(&server, &tok, &json!({ "ops": "none" })).assert_error(422, "invalid_body");
    push(&server, &tok, &json!({ "ops": [], "surprise": 1 })).assert_error(422, "invalid_body");
    push(&server, &tok, &json!({ "ops": [{ "op_id": "t2", "entity_id": "e2", "op": { "type": "entity_upsert" } }] }))
        .assert_error(422, "invalid_body");

    // Not JSON at all by content type.
    let r = http(
        "POST",
        &format!("{}/v1/push", server.url),
        &[
            ("authorization", &bearer(&tok)),
            ("content-type", "text/plain"),
        ],
        Some(b"{\"ops\": []}"),
    );
    r.assert_error(415, "unsupported_media_type");

    // A malformed stamp fails the request (nothing of the batch is applied).
    let mut bad_hlc = upsert("hlc-1", "hh-bad-hlc", json!({ "head_name": "坏时间戳" }));
    bad_hlc["hlc"] = json!("yesterday");
    push(&server, &tok, &json!({ "ops": [upsert("hlc-0", "hh-bad-hlc-0", json!({ "head_name": "同批" })), bad_hlc] }))
        .assert_error(400, "invalid_hlc");

    // Unknown field names and wrongly typed values are judged per op: 200, that op rejected.
    let body = json!({ "ops": [
        upsert("f-unknown", "hh-f-unknown", json!({ "head_name": "甲", "favourite_colour": "蓝" })),
        upsert("f-type", "hh-f-type", json!({ "members": "三口人" })),
        upsert("f-long", "hh-f-long", json!({ "head_name": "长".repeat(65) })),
        upsert("f-ok", "hh-f-ok", json!({ "head_name": "正常户", "members": 3 })),
    ]});
    let r = push(&server, &tok, &body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let res = r.json()["results"].as_array().unwrap().clone();
    assert_eq!(res.len(), 4, "{res:?}");
    for (i, op) in ["f-unknown", "f-type", "f-long"].iter().enumerate() {
        assert_eq!(res[i]["op_id"], *op);
        assert_eq!(res[i]["status"], "rejected", "{}", res[i]);
        assert_eq!(res[i]["code"], "invalid_field", "{}", res[i]);
        assert!(
            !res[i]["message"].as_str().unwrap_or("").is_empty(),
            "{}",
            res[i]
        );
    }
    assert_eq!(res[3]["status"], "applied", "{}", res[3]);

    // Oversized: a valid-looking body above 4 MiB.
    let big = format!(
        "{{\"ops\": [], \"cursor\": \"{}\"}}",
        "x".repeat(4 * 1024 * 1024 + 100)
    );
    let url = format!("{}/v1/push", server.url);
    let auth = bearer(&tok);
    match try_http(
        "POST",
        &url,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(big.as_bytes()),
    ) {
        Ok(r) => {
            r.assert_error(413, "too_large");
        }
        Err(e) => panic!(
            "an oversized push must be answered 413 with a JSON error, the connection failed instead: {e}"
        ),
    }
    // Too many operations in one batch.
    let many: Vec<Value> = (0..501)
        .map(|i| {
            upsert(
                &format!("many-{i}"),
                &format!("hh-many-{i}"),
                json!({ "members": 1 }),
            )
        })
        .collect();
    push(&server, &tok, &json!({ "ops": many })).assert_error(413, "too_many_ops");

    // Nothing of the refused requests reached the replicas.
    a.sync();
    assert_eq!(
        a.count("SELECT count(*) FROM households WHERE id LIKE 'hh-%' AND id <> 'hh-f-ok'"),
        0
    );
    assert_eq!(a.count("SELECT count(*) FROM households WHERE id = 'hh-f-ok' AND head_name = '正常户' AND members = 3"), 1);
    still_serving(&store, &server, &a);
}

/// No token, a wrong token, a revoked device's token.
fn auth_failures_and_revoked_device(backend: Backend) {
    let (store, server, a) = setup(backend);
    let body = json!({ "ops": [] }).to_string();
    push_body(&server, None, body.as_bytes()).assert_error(401, "unauthorized");
    push_body(
        &server,
        Some("0000000000000000000000000000000000000000000000000000000000000000"),
        body.as_bytes(),
    )
    .assert_error(401, "unauthorized");
    let url = format!("{}/v1/push", server.url);
    http(
        "POST",
        &url,
        &[
            ("authorization", "Basic dXNlcjpwYXNz"),
            ("content-type", "application/json"),
        ],
        Some(body.as_bytes()),
    )
    .assert_error(401, "unauthorized");
    http(
        "POST",
        &url,
        &[
            ("authorization", "Bearer "),
            ("content-type", "application/json"),
        ],
        Some(body.as_bytes()),
    )
    .assert_error(401, "unauthorized");
    http("GET", &format!("{}/v1/pull", server.url), &[], None).assert_error(401, "unauthorized");
    http(
        "GET",
        &format!("{}/v1/pull", server.url),
        &[("authorization", "Bearer nope")],
        None,
    )
    .assert_error(401, "unauthorized");

    // A revoked device: its token stops working at once (and the phone wipes
    // itself on that answer: tests/lost_phone.rs).
    let r = Device::enrolled(&server, &store.code("离职员工", "worker", GRID_A));
    r.sync();
    r.ok(&[
        "entity",
        "put",
        "household",
        "--address",
        ADDR_A,
        "head_name=未同步的户",
    ]);
    let rid = r.device_id();
    let out = store.admin(&["revoke", &rid]);
    assert!(out.contains(&rid), "{out}");
    let tok = r.token();
    push_body(&server, Some(&tok), body.as_bytes()).assert_error(401, "device_revoked");
    http(
        "GET",
        &format!("{}/v1/pull", server.url),
        &[("authorization", &bearer(&tok))],
        None,
    )
    .assert_error(401, "device_revoked");
    http(
        "GET",
        &format!("{}/v1/me", server.url),
        &[("authorization", &bearer(&tok))],
        None,
    )
    .assert_error(401, "device_revoked");

    let o = r.run(&["sync"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "revoked sync: {o:?}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "one line on stderr, got: {stderr:?}"
    );
    assert!(
        stderr.contains("停用"),
        "the line says the device was revoked: {stderr:?}"
    );
    let o = r.run(&["--json", "sync"]);
    assert_eq!(o.status.code(), Some(1));
    let j: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("--json sync error: {e}: {o:?}"));
    assert_eq!(j["error"], "device_revoked", "{j}");
    // Revoking twice is an error for the admin, not a crash.
    let o = std::process::Command::new(bin("gridfield-server"))
        .args(["--db", &store.target, "admin", "revoke", &rid])
        .output()
        .unwrap();
    assert!(!o.status.success());

    still_serving(&store, &server, &a);
}

/// The same op_id pushed again is answered `duplicate` and changes nothing.
fn replayed_operation_is_applied_once(backend: Backend) {
    let (store, server, a) = setup(backend);
    let tok = a.token();
    let op = upsert(
        "replay-op-1",
        "hh-replay-1",
        json!({ "head_name": "重放户", "members": 2 }),
    );
    let hlc = op["hlc"].as_str().unwrap().to_string();
    let r1 = push(&server, &tok, &json!({ "ops": [op.clone()] }));
    assert_eq!(r1.status, 200);
    assert_eq!(
        r1.json()["results"][0]["status"],
        "applied",
        "{}",
        r1.json()
    );
    let r2 = push(&server, &tok, &json!({ "ops": [op.clone()] }));
    assert_eq!(r2.status, 200);
    assert_eq!(
        r2.json()["results"][0]["status"],
        "duplicate",
        "{}",
        r2.json()
    );
    assert_eq!(r2.json()["results"][0]["op_id"], "replay-op-1");
    // A replay is recognised by its op_id, even if the body differs: nothing is applied again.
    let mut changed = op.clone();
    changed["op"]["fields"]["members"] = json!(9);
    changed["hlc"] = json!(now_hlc("raw"));
    let r3 = push(&server, &tok, &json!({ "ops": [changed] }));
    assert_eq!(
        r3.json()["results"][0]["status"],
        "duplicate",
        "{}",
        r3.json()
    );
    // The same op twice in one batch.
    let twice = upsert(
        "replay-op-2",
        "hh-replay-2",
        json!({ "head_name": "同批重放" }),
    );
    let r4 = push(&server, &tok, &json!({ "ops": [twice.clone(), twice] }));
    let j4 = r4.json();
    let st: Vec<&str> = j4["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(st, ["applied", "duplicate"], "{j4}");

    // A second device pulls the record once, with the first value.
    let b = Device::enrolled(&server, &store.code("李娜", "worker", GRID_A));
    b.sync();
    assert_eq!(
        b.count("SELECT count(*) FROM households WHERE id = 'hh-replay-1'"),
        1
    );
    let rows = b.json_rows("SELECT json_object('head_name', head_name, 'members', members) FROM households WHERE id = 'hh-replay-1'");
    assert_eq!(rows, [json!({ "head_name": "重放户", "members": 2 })]);
    assert_eq!(
        b.count("SELECT count(*) FROM households WHERE id = 'hh-replay-2'"),
        1
    );

    // The server's record: one, stamped by the first push; no conflict logged.
    let dir = tempfile::tempdir().unwrap();
    store.admin(&["export", "--out", dir.path().to_str().unwrap()]);
    let hh = std::fs::read_to_string(dir.path().join("household.jsonl")).unwrap();
    let recs: Vec<Value> = hh
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["state"]["id"] == "hh-replay-1")
        .collect();
    assert_eq!(recs.len(), 1, "{hh}");
    assert_eq!(recs[0]["state"]["fields"]["members"], 2);
    assert_eq!(recs[0]["state"]["stamps"]["members"], hlc.as_str());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("conflicts.jsonl")).unwrap(),
        ""
    );
    still_serving(&store, &server, &a);
}

/// One batch that creates an entity and edits it twice, and edits a stored one twice:
/// each op builds on what the ops before it in the batch wrote (the server reads a
/// batch's entities up front, and must not hand a later op the state from before).
fn one_batch_edits_an_entity_several_times(backend: Backend) {
    let (store, server, a) = setup(backend);
    let tok = a.token();
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let op = |n: u32, entity: &str, fields: Value| {
        let mut op = upsert(&format!("batch-op-{n}"), entity, fields);
        op["hlc"] = json!(format!("{ms:013}-{n:06}-raw"));
        op
    };
    let r0 = push(
        &server,
        &tok,
        &json!({ "ops": [op(0, "hh-batch-0", json!({ "head_name": "旧户主", "members": 1 }))] }),
    );
    assert_eq!(
        r0.json()["results"][0]["status"],
        "applied",
        "{}",
        r0.json()
    );
    let ops = [
        op(
            1,
            "hh-batch-1",
            json!({ "head_name": "新户", "members": 2 }),
        ),
        op(2, "hh-batch-0", json!({ "members": 5 })),
        op(3, "hh-batch-1", json!({ "members": 3 })),
        op(4, "hh-batch-0", json!({ "phone": "13700000005" })),
        op(5, "hh-batch-1", json!({ "phone": "13700000001" })),
    ];
    let r = push(&server, &tok, &json!({ "ops": ops }));
    let j = r.json();
    let st: Vec<&str> = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(st, ["applied"; 5], "{j}");

    const BATCH_HOUSEHOLDS: &str =
        "SELECT json_object('id', id, 'head_name', head_name, 'members', members, 'phone', phone)
         FROM households WHERE id LIKE 'hh-batch-%' ORDER BY id";
    let b = Device::enrolled(&server, &store.code("李娜", "worker", GRID_A));
    b.sync();
    let rows = b.json_rows(BATCH_HOUSEHOLDS);
    assert_eq!(
        rows,
        [
            json!({ "id": "hh-batch-0", "head_name": "旧户主", "members": 5, "phone": "13700000005" }),
            json!({ "id": "hh-batch-1", "head_name": "新户", "members": 3, "phone": "13700000001" }),
        ]
    );
    // The pushing device converges on the same, with nothing left to verify.
    let ra = a.sync();
    assert_eq!(ra["verified"], true, "{ra}");
    assert_eq!(a.json_rows(BATCH_HOUSEHOLDS), rows);
}

/// A photo of `n` bytes (the server keeps images only).
fn pseudo_bytes(n: usize, seed: u64) -> Vec<u8> {
    gridfield_tests::images::pseudo_jpeg(n, seed)
}

/// Photos: the hash is checked, names must be hashes, uploads resume at the server's offset.
fn photo_uploads_are_checked(backend: Backend) {
    let (store, server, a) = setup(backend);
    let auth = bearer(&a.token());
    let blob = |h: &str| format!("{}/v1/blobs/{h}", server.url);
    let put = |h: &str, offset: u64, total: u64, body: &[u8]| {
        let (o, t) = (offset.to_string(), total.to_string());
        http(
            "PUT",
            &blob(h),
            &[
                ("authorization", &auth),
                ("content-type", "image/jpeg"),
                ("upload-offset", &o),
                ("upload-length", &t),
            ],
            Some(body),
        )
    };
    let head = |h: &str| http("HEAD", &blob(h), &[("authorization", &auth)], None);

    // Bytes that do not match their name.
    let bytes = pseudo_bytes(5000, 1);
    let other = hash_bytes(&pseudo_bytes(5000, 2));
    put(&other, 0, bytes.len() as u64, &bytes).assert_error(422, "hash_mismatch");
    let h = head(&other);
    assert_eq!(h.status, 404);
    assert_eq!(h.header("upload-offset").as_deref(), Some("0"));
    http("GET", &blob(&other), &[("authorization", &auth)], None).assert_error(404, "not_found");

    // Names that are not hashes.
    put("not-a-hash", 0, 3, b"abc").assert_error(400, "bad_hash");
    put(&other.to_uppercase(), 0, 3, b"abc").assert_error(400, "bad_hash");
    http("GET", &blob("0123"), &[("authorization", &auth)], None).assert_error(400, "bad_hash");
    // No token.
    http(
        "PUT",
        &blob(&hash_bytes(&bytes)),
        &[("content-type", "image/jpeg")],
        Some(&bytes),
    )
    .assert_error(401, "unauthorized");
    // Larger than any photo may be.
    put(&hash_bytes(&bytes), 0, 1 << 40, &bytes).assert_error(413, "photo_too_large");

    // A resumable upload in two chunks, with a wrong offset in between.
    let data = pseudo_bytes(300_000, 3);
    let hash = hash_bytes(&data);
    let total = data.len() as u64;
    let r = put(&hash, 0, total, &data[..100_000]);
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("upload-offset").as_deref(), Some("100000"));
    let h = head(&hash);
    assert_eq!(
        (h.status, h.header("upload-offset").as_deref()),
        (404, Some("100000"))
    );
    for wrong in [0u64, 50_000, 200_000] {
        let r = put(
            &hash,
            wrong,
            total,
            &data[wrong as usize..(wrong as usize + 1000)],
        );
        r.assert_error(409, "offset_mismatch");
        assert_eq!(
            r.header("upload-offset").as_deref(),
            Some("100000"),
            "409 tells the offset to resume from"
        );
    }
    let r = put(&hash, 100_000, total, &data[100_000..]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(head(&hash).status, 200);
    let g = http("GET", &blob(&hash), &[("authorization", &auth)], None);
    assert_eq!(g.status, 200);
    assert!(
        g.body == data,
        "GET returns the exact bytes ({} vs {})",
        g.body.len(),
        data.len()
    );
    // Uploading a complete blob again is harmless.
    assert_eq!(put(&hash, 0, total, &data).status, 200);

    // A chunked upload whose assembled bytes do not match: refused, and the bad
    // partial copy is dropped so the phone can start over from 0.
    let good = pseudo_bytes(200_000, 4);
    let gh = hash_bytes(&good);
    assert_eq!(put(&gh, 0, 200_000, &good[..100_000]).status, 202);
    let mut damaged = good[100_000..].to_vec();
    damaged[5] ^= 0xff;
    put(&gh, 100_000, 200_000, &damaged).assert_error(422, "hash_mismatch");
    let h = head(&gh);
    assert_eq!(h.status, 404);
    assert_eq!(
        h.header("upload-offset").as_deref(),
        Some("0"),
        "after a hash mismatch the upload starts over"
    );
    let r = put(&gh, 0, 200_000, &good);
    assert_eq!(
        r.status,
        200,
        "a fresh upload after a mismatch completes: {}",
        String::from_utf8_lossy(&r.body)
    );
    assert!(http("GET", &blob(&gh), &[("authorization", &auth)], None).body == good);

    still_serving(&store, &server, &a);
}

/// Enrollment: a used code, an unknown code, malformed bodies.
fn enrollment_errors(backend: Backend) {
    let (store, server, a) = setup(backend);
    let url = format!("{}/v1/enroll", server.url);
    let enroll = |body: &[u8]| {
        http(
            "POST",
            &url,
            &[("content-type", "application/json")],
            Some(body),
        )
    };
    let code = store.code("王强", "worker", GRID_A);
    let ok = enroll(
        json!({ "code": code, "device_name": "测试机" })
            .to_string()
            .as_bytes(),
    );
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    assert!(ok.json()["token"].as_str().is_some_and(|t| !t.is_empty()));
    enroll(
        json!({ "code": code, "device_name": "第二台" })
            .to_string()
            .as_bytes(),
    )
    .assert_error(401, "code_used");
    enroll(
        json!({ "code": "AAAA-BBBB-CCCC", "device_name": "x" })
            .to_string()
            .as_bytes(),
    )
    .assert_error(401, "invalid_code");
    enroll(
        json!({ "code": "", "device_name": "x" })
            .to_string()
            .as_bytes(),
    )
    .assert_error(400, "invalid_code");
    enroll(
        json!({ "code": "A".repeat(65), "device_name": "x" })
            .to_string()
            .as_bytes(),
    )
    .assert_error(400, "invalid_code");
    enroll(b"{\"code\": ").assert_error(400, "malformed_json");
    enroll(json!({ "code": "AAAA-BBBB-CCCC" }).to_string().as_bytes())
        .assert_error(422, "invalid_body");
    enroll(
        json!({ "code": 42, "device_name": "x" })
            .to_string()
            .as_bytes(),
    )
    .assert_error(422, "invalid_body");
    enroll(
        json!({ "code": "AAAA-BBBB-CCCC", "device_name": "x", "admin": true })
            .to_string()
            .as_bytes(),
    )
    .assert_error(422, "invalid_body");

    // The CLI with a used code: exit 1, one line, and no device store is created.
    let d = Device::new();
    let o = d.run(&["enroll", "--server", &server.url, "--code", &code]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).lines().count(),
        1,
        "{o:?}"
    );
    assert!(
        !gridfield_core::Store::exists(d.data()),
        "a refused enrollment leaves no store"
    );

    still_serving(&store, &server, &a);
}

/// The API description is JSON and documents push and pull.
fn openapi_document(backend: Backend) {
    let (store, server, a) = setup(backend);
    let r = http("GET", &format!("{}/v1/openapi.json", server.url), &[], None);
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{:?}",
        r.headers
    );
    let doc = r.json();
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    for p in ["/v1/push", "/v1/pull", "/v1/enroll"] {
        assert!(
            paths.contains_key(p),
            "{p} missing from openapi paths: {:?}",
            paths.keys().collect::<Vec<_>>()
        );
    }
    assert!(paths["/v1/push"].get("post").is_some());
    assert!(paths["/v1/pull"].get("get").is_some());
    // An unknown endpoint is a JSON 404 too.
    http("GET", &format!("{}/v1/nothing-here", server.url), &[], None)
        .assert_error(404, "not_found");
    still_serving(&store, &server, &a);
}

on_both_backends!(
    bad_push_bodies_get_json_errors,
    auth_failures_and_revoked_device,
    replayed_operation_is_applied_once,
    one_batch_edits_an_entity_several_times,
    photo_uploads_are_checked,
    enrollment_errors,
    openapi_document,
);
