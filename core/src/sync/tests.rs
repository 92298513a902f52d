//! A canned-response HTTP stub on 127.0.0.1 drives the engine's own logic:
//! retries and backoff, resumable photo upload, acting on push answers,
//! pagination, cancellation. Protocol tests against the real server live
//! with the server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::checklist::Severity;
use crate::model::{Address, Grid, Role};
use crate::records::Delivery;
use crate::store::Identity;
use crate::store::NewHazard;
use crate::store::db::DbKey;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Req {
    fn header(&self, k: &str) -> Option<&str> {
        self.headers.get(k).map(String::as_str)
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

enum Canned {
    Reply(u16, Vec<(&'static str, String)>, Vec<u8>),
    /// Read the request, then hang up without answering.
    HangUp,
}

fn reply(status: u16, body: Value) -> Canned {
    Canned::Reply(
        status,
        vec![("content-type", "application/json".into())],
        body.to_string().into_bytes(),
    )
}

type Log = Arc<Mutex<Vec<Req>>>;

/// Serve `handler` on a loopback port for the rest of the test process, as a
/// server without bootstrap snapshots (those go to the pull).
fn stub(handler: impl FnMut(&Req) -> Canned + Send + 'static) -> (String, Log) {
    serve(true, handler)
}

fn serve(
    no_snapshots: bool,
    mut handler: impl FnMut(&Req) -> Canned + Send + 'static,
) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let Some(req) = read_request(&mut s) else {
                continue;
            };
            // These stubs play a server without replica checksums (and, unless
            // asked, without snapshots).
            let canned = if req.path.starts_with("/v1/checksum")
                || (no_snapshots && req.path.starts_with("/v1/snapshot"))
            {
                Canned::Reply(
                    404,
                    Vec::new(),
                    br#"{"error":"not_found","message":"no such endpoint"}"#.to_vec(),
                )
            } else {
                log2.lock().unwrap().push(req.clone());
                handler(&req)
            };
            match canned {
                Canned::HangUp => drop(s),
                Canned::Reply(status, headers, body) => {
                    let mut head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                        body.len()
                    );
                    for (k, v) in headers {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str("\r\n");
                    let _ = s.write_all(head.as_bytes());
                    if req.method != "HEAD" {
                        let _ = s.write_all(&body);
                    }
                    let _ = s.flush();
                }
            }
        }
    });
    (base, log)
}

fn read_request(s: &mut TcpStream) -> Option<Req> {
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Req {
        method,
        path,
        headers,
        body,
    })
}

fn applied_all(req: &Req) -> Canned {
    let ops = req.json()["ops"].as_array().unwrap().clone();
    let results: Vec<Value> = ops
        .iter()
        .map(|o| json!({"op_id": o["op_id"], "status": "applied"}))
        .collect();
    reply(
        200,
        json!({"results": results, "server_hlc": "1700000000000-000000-server"}),
    )
}

fn empty_pull(cursor: &str) -> Canned {
    reply(
        200,
        json!({"changes": [], "cursor": cursor, "more": false, "server_hlc": "1700000000000-000000-server"}),
    )
}

const GRID: &str = "g1";
const ADDR: &str = "a1";

fn worker(dir: &Path, base: &str) -> Store {
    let id = Identity {
        device_id: "dev1".into(),
        user: "张三".into(),
        role: Role::Worker,
        grid_scope: GRID.into(),
    };
    let s = Store::init(dir, &DbKey::generate().unwrap(), id).unwrap();
    s.import_grids(&[Grid {
        code: GRID.into(),
        name: "网格".into(),
        level: 3,
        parent_code: None,
    }])
    .unwrap();
    s.import_addresses(&[Address {
        code: ADDR.into(),
        grid_code: GRID.into(),
        full_text: "建设路12号".into(),
        street: None,
        number: None,
        building: None,
        unit: None,
        room: None,
        plate_serial: None,
        lat: None,
        lon: None,
    }])
    .unwrap();
    SyncConfig {
        server_url: base.into(),
        token: "tok".into(),
    }
    .save(&s)
    .unwrap();
    s
}

fn hazard(s: &Store, photos: Vec<String>) -> String {
    s.create_hazard(&NewHazard {
        location: None,
        address_code: ADDR.into(),
        category: "fire.escape_blocked".into(),
        severity: Severity::High,
        description: "消防通道堵塞".into(),
        photos,
        deadline: None,
    })
    .unwrap()
}

fn count(log: &Log, method: &str, prefix: &str) -> usize {
    log.lock()
        .unwrap()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(prefix))
        .count()
}

#[test]
fn transient_failures_are_retried_with_backoff() {
    let mut n = 0;
    let (base, log) = stub(move |req| match req.path.as_str() {
        "/v1/push" => {
            n += 1;
            match n {
                1 => Canned::HangUp,
                2 => reply(503, json!({"error": "unavailable", "message": "busy"})),
                _ => applied_all(req),
            }
        }
        _ => empty_pull("c1"),
    });
    let dir = tempfile::tempdir().unwrap();
    let s = worker(dir.path(), &base);
    let id = hazard(&s, vec![]);
    let t = Instant::now();
    let r = sync(&s, None, &CancelHandle::new()).unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(600),
        "backoff 200 + 400 ms"
    );
    assert_eq!(
        (r.pushed, r.duplicates, r.rejected.len(), r.cursor.as_str()),
        (1, 0, 0, "c1")
    );
    assert_eq!(count(&log, "POST", "/v1/push"), 3);
    assert_eq!(s.outbox_len().unwrap(), 0);
    assert_eq!(s.hazard(&id).unwrap().hazard.delivery, Delivery::Server);
    let first = log.lock().unwrap()[0].clone();
    assert_eq!(first.header("authorization"), Some("Bearer tok"));
    assert_eq!(first.header(wire::VERSION_HEADER), Some("1"));
    assert_eq!(first.json()["ops"][0]["entity_id"], id.as_str());
    let d = diagnostics(&s).unwrap();
    assert!(d.last_success.is_some() && d.last_error.is_none());
    assert_eq!((d.queue_depth, d.cursor.as_deref()), (0, Some("c1")));
}

#[test]
fn gives_up_after_four_attempts_and_keeps_everything() {
    let (base, log) = stub(|_| reply(502, json!({"error": "bad_gateway", "message": "upstream"})));
    let dir = tempfile::tempdir().unwrap();
    let s = worker(dir.path(), &base);
    hazard(&s, vec![]);
    let e = sync(&s, None, &CancelHandle::new()).unwrap_err();
    assert_eq!(e.code(), "server_error");
    assert_eq!(count(&log, "POST", "/v1/push"), 4);
    assert_eq!(s.outbox_len().unwrap(), 1);
    let d = diagnostics(&s).unwrap();
    assert_eq!(d.last_error.unwrap().code, "server_error");
    assert!(d.last_success.is_none());
}

#[test]
fn unreachable_server_is_a_network_error() {
    // Bind then close: nothing listens on the port.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let s = worker(dir.path(), &format!("http://127.0.0.1:{port}"));
    hazard(&s, vec![]);
    let e = sync(&s, None, &CancelHandle::new()).unwrap_err();
    assert_eq!(e.code(), "network", "{e}");
    assert!(e.message(Lang::Zh).contains("无法连接"));
    assert_eq!(s.outbox_len().unwrap(), 1);
}

#[test]
fn client_errors_are_not_retried() {
    let (base, log) = stub(|_| {
        reply(
            403,
            json!({"error": "scope", "message": "不在本设备的范围内"}),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let s = worker(dir.path(), &base);
    hazard(&s, vec![]);
    let e = sync(&s, None, &CancelHandle::new()).unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert_eq!(log.lock().unwrap().len(), 1);
    assert_eq!(s.outbox_len().unwrap(), 1);
}

#[test]
fn photo_upload_resumes_from_the_servers_offset() {
    let dir = tempfile::tempdir().unwrap();
    // A real JPEG container of 2.5 MB (45 bytes of markers around the scan).
    let scan: Vec<u8> = (0..2_500_000 - 45).map(|i| (i % 251) as u8).collect();
    let bytes = crate::photo::image::samples::jpeg(&scan);
    let total = bytes.len();
    assert_eq!(total, 2_500_000);
    let (base, log) = stub(move |req| match (req.method.as_str(), req.path.as_str()) {
        // A previous sync was cut after 1 MiB …
        ("HEAD", p) if p.starts_with("/v1/blobs/") => {
            Canned::Reply(404, vec![("upload-offset", "1048576".into())], Vec::new())
        }
        ("PUT", _) => match req.header("upload-offset") {
            // … but the server only kept half of it.
            Some("1048576") => Canned::Reply(
                409,
                vec![
                    ("upload-offset", "524288".into()),
                    ("content-type", "application/json".into()),
                ],
                json!({"error": "offset_mismatch", "message": "expected 524288"})
                    .to_string()
                    .into_bytes(),
            ),
            Some("524288") => reply(202, json!({"status": "partial", "offset": 1_572_864})),
            Some("1572864") => reply(200, json!({"status": "complete"})),
            other => panic!("unexpected offset {other:?}"),
        },
        ("POST", "/v1/push") => applied_all(req),
        _ => empty_pull("c1"),
    });
    let s = worker(dir.path(), &base);
    let p = s.add_photo(&bytes).unwrap();
    let id = hazard(&s, vec![p.hash.clone()]);
    assert_eq!(diagnostics(&s).unwrap().pending_photos, 1);
    let r = sync(&s, None, &CancelHandle::new()).unwrap();
    assert_eq!((r.photos_uploaded, r.photos_failed, r.pushed), (1, 0, 1));
    assert!(r.bytes_up >= (total - 524_288) as u64);
    let puts: Vec<Req> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.method == "PUT")
        .cloned()
        .collect();
    assert_eq!(puts.len(), 3);
    for put in &puts {
        assert_eq!(put.path, format!("/v1/blobs/{}", p.hash));
        assert_eq!(put.header("upload-length"), Some("2500000"));
        assert_eq!(put.header("content-type"), Some("image/jpeg"));
        let off: usize = put.header("upload-offset").unwrap().parse().unwrap();
        assert!(put.body.len() <= BLOB_CHUNK);
        assert_eq!(put.body, bytes[off..off + put.body.len()], "chunk at {off}");
    }
    assert_eq!(puts[2].body.len(), total - 1_572_864);
    // The photo went before the operation that needs it.
    let order: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(order, ["HEAD", "PUT", "PUT", "PUT", "POST", "GET"]);
    assert_eq!(diagnostics(&s).unwrap().pending_photos, 0);
    assert_eq!(s.hazard(&id).unwrap().hazard.delivery, Delivery::Server);
}

#[test]
fn a_photo_the_server_has_is_not_sent_and_a_missing_one_holds_its_ops_back() {
    let dir = tempfile::tempdir().unwrap();
    let (base, log) = stub(|req| match req.method.as_str() {
        "HEAD" => Canned::Reply(200, vec![], Vec::new()),
        "POST" => applied_all(req),
        _ => empty_pull("c1"),
    });
    let s = worker(dir.path(), &base);
    let have = s
        .add_photo(&crate::photo::image::samples::jpeg(&[1, 2, 3]))
        .unwrap();
    let lost = s
        .add_photo(&crate::photo::image::samples::jpeg(&[9, 9, 9]))
        .unwrap();
    let h1 = hazard(&s, vec![have.hash.clone()]);
    let h2 = hazard(&s, vec![lost.hash.clone()]);
    s.hazard_step(
        &h2,
        crate::hazard::HazardAction::Assign,
        &crate::hazard::StepInput {
            assignee: Some("王五".into()),
            ..Default::default()
        },
    )
    .unwrap();
    // The second photo's file is gone from the device.
    std::fs::remove_file(s.photos().path_for(&lost.hash)).unwrap();
    let r = sync(&s, None, &CancelHandle::new()).unwrap();
    assert_eq!(
        (
            r.photos_uploaded,
            r.photos_failed,
            r.pushed,
            r.waiting_photos
        ),
        (1, 1, 1, 2)
    );
    assert_eq!(count(&log, "PUT", "/"), 0);
    let pushed = log
        .lock()
        .unwrap()
        .iter()
        .find(|r| r.method == "POST")
        .unwrap()
        .json();
    assert_eq!(pushed["ops"].as_array().unwrap().len(), 1);
    assert_eq!(pushed["ops"][0]["entity_id"], h1.as_str());
    // Both operations on the second hazard wait, in order.
    assert_eq!(s.outbox_len().unwrap(), 2);
    assert_eq!(s.hazard(&h2).unwrap().hazard.delivery, Delivery::Local);
}

#[test]
fn rejections_are_recorded_and_pending_photos_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _log) = stub(|req| match req.method.as_str() {
        "POST" => {
            let ops = req.json()["ops"].as_array().unwrap().clone();
            reply(
                200,
                json!({
                    "results": [
                        {"op_id": ops[0]["op_id"], "status": "rejected", "code": "transition_refused",
                         "message": "隐患已关闭，不能再指派", "message_en": "hazard is closed"},
                        {"op_id": ops[1]["op_id"], "status": "pending_photos"},
                        {"op_id": ops[2]["op_id"], "status": "duplicate", "conflicts": ["description"]},
                    ],
                    "server_hlc": "1700000000000-000005-server"
                }),
            )
        }
        _ => empty_pull("c9"),
    });
    let s = worker(dir.path(), &base);
    let (h1, h2, h3) = (hazard(&s, vec![]), hazard(&s, vec![]), hazard(&s, vec![]));
    let audit_before = s.audit_len().unwrap();
    let r = sync(&s, None, &CancelHandle::new()).unwrap();
    assert_eq!(
        (r.pushed, r.duplicates, r.conflicts, r.waiting_photos),
        (0, 1, 1, 1)
    );
    assert_eq!(r.rejected.len(), 1);
    let rej = &r.rejected[0];
    assert_eq!(
        (
            rej.entity.as_str(),
            rej.entity_id.as_str(),
            rej.code.as_str()
        ),
        ("hazard", h1.as_str(), "transition_refused")
    );
    assert_eq!(rej.message, "隐患已关闭，不能再指派");
    assert_eq!(s.hazard(&h1).unwrap().hazard.delivery, Delivery::Rejected);
    assert_eq!(s.hazard(&h2).unwrap().hazard.delivery, Delivery::Local);
    assert_eq!(s.hazard(&h3).unwrap().hazard.delivery, Delivery::Server);
    let left = s.outbox(10).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        (
            left[0].entity_id.as_str(),
            left[0].attempts,
            left[0].last_error.as_deref()
        ),
        (h2.as_str(), 1, Some("pending_photos"))
    );
    assert_eq!(s.audit_len().unwrap(), audit_before + 1);
    let detail: String = s
        .read(|c| {
            Ok(c.query_row(
                "SELECT detail FROM audit_log WHERE action = 'rejected' AND entity_id = ?1",
                [&h1],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["code"], "transition_refused");
    assert_eq!(detail["op_type"], "hazard_create");
    assert_eq!(detail["message_en"], "hazard is closed");
}

#[test]
fn pull_follows_the_cursor_until_no_more() {
    let dir = tempfile::tempdir().unwrap();
    let (base, log) = stub(|req| match req.path.as_str() {
        // The first page asks for taxonomies newer than the built-in ones; every
        // page asks for cases (this app keeps them); and for legacy plate mappings
        // (none held yet) and visit rules.
        "/v1/pull?limit=500&cases=1&taxonomies=hazard%3A0%2Ccase%3A0&visit_rules=0&legacy_plates=" => {
            reply(
                200,
                json!({
                    "changes": [{"type": "grid", "grid": {"code": "g2", "name": "二网格", "level": 3, "parent_code": "g1"}}],
                    "cursor": "a+b/c=", "more": true, "server_hlc": "1700000000000-000000-server",
                    "taxonomies": [{"kind": "hazard", "version": 2, "levels": [],
                        "categories": [{"code": "fire.lithium_storage", "zh": "锂电池违规存放", "en": "Lithium batteries"}]}]
                }),
            )
        }
        "/v1/pull?cursor=a%2Bb%2Fc%3D&limit=500&cases=1" => reply(
            200,
            json!({
                "changes": [], "cursor": "end", "more": false, "server_hlc": "1700000000000-000001-server"
            }),
        ),
        p => panic!("unexpected {p}"),
    });
    let s = worker(dir.path(), &base);
    let r = sync(&s, None, &CancelHandle::new()).unwrap();
    assert_eq!((r.pulled, r.cursor.as_str()), (1, "end"));
    assert_eq!(
        s.grid("g2").unwrap().unwrap().parent_code.as_deref(),
        Some("g1")
    );
    assert_eq!(s.sync_cursor().unwrap().as_deref(), Some("end"));
    assert_eq!(count(&log, "POST", "/"), 0, "an empty outbox sends no push");
    let t = s.hazard_taxonomy().unwrap();
    assert_eq!(t.version, 2);
    assert_eq!(
        t.category_label("fire.lithium_storage", crate::Lang::Zh),
        "锂电池违规存放"
    );
}

#[test]
fn cancel_stops_between_requests_and_loses_nothing() {
    struct CancelOnPush(CancelHandle);
    impl SyncObserver for CancelOnPush {
        fn on_progress(&self, p: &SyncProgress) {
            if p.phase == SyncPhase::Push {
                self.0.cancel();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let (base, log) = stub(|_| Canned::HangUp);
    let s = worker(dir.path(), &base);
    hazard(&s, vec![]);
    let cancel = CancelHandle::new();
    let obs = CancelOnPush(cancel.clone());
    let e = sync(&s, Some(&obs), &cancel).unwrap_err();
    assert_eq!(e.code(), "cancelled");
    assert!(log.lock().unwrap().is_empty());
    assert_eq!(s.outbox_len().unwrap(), 1);
    // A cancel is not an error to report.
    assert!(diagnostics(&s).unwrap().last_error.is_none());

    // Cancelled while backing off after a failure: returns promptly.
    let cancel = CancelHandle::new();
    let c2 = cancel.clone();
    let t = Instant::now();
    let h = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        c2.cancel();
    });
    let e = sync(&s, None, &cancel).unwrap_err();
    h.join().unwrap();
    assert_eq!(e.code(), "cancelled");
    assert!(t.elapsed() < Duration::from_millis(1000));
    assert_eq!(s.outbox_len().unwrap(), 1);
}

#[test]
fn not_enrolled_and_concurrent_syncs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let id = Identity {
        device_id: "d".into(),
        user: "u".into(),
        role: Role::Worker,
        grid_scope: GRID.into(),
    };
    let s = Store::init(dir.path(), &DbKey::generate().unwrap(), id).unwrap();
    assert_eq!(
        sync(&s, None, &CancelHandle::new()).unwrap_err().code(),
        "not_enrolled"
    );
    assert!(!diagnostics(&s).unwrap().enrolled);
    let _g = RunningGuard::acquire(dir.path(), &CancelHandle::new()).unwrap();
    assert_eq!(
        sync(&s, None, &CancelHandle::new()).unwrap_err().code(),
        "sync_in_progress"
    );
}

#[test]
fn enroll_creates_the_store_with_the_servers_identity() {
    let issuer = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    let issuer_hex = hex::encode(issuer.as_bytes());
    let ih = issuer_hex.clone();
    let (base, log) = stub(move |req| {
        assert_eq!(req.path, "/v1/enroll");
        let body = req.json();
        assert_eq!(
            (body["code"].as_str(), body["device_name"].as_str()),
            (Some("ABCD-1234"), Some("测试机"))
        );
        reply(
            200,
            json!({
                "device_id": "srv-dev-42", "token": "secret-token", "user": "张网格员", "role": "worker",
                "grid_scope": "g1", "issuer_keys": [ih], "wire_version": 1, "server_time": 1_700_000_000_000i64
            }),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let key = DbKey::generate().unwrap();
    let s = enroll(dir.path(), &key, &format!("{base}/"), "ABCD-1234", "测试机").unwrap();
    assert_eq!(s.identity().device_id, "srv-dev-42");
    assert_eq!(s.identity().role, Role::Worker);
    assert_eq!(
        s.trusted_issuers()
            .unwrap()
            .iter()
            .map(|k| k.to_hex())
            .collect::<Vec<_>>(),
        [issuer_hex]
    );
    let cfg = SyncConfig::load(&s).unwrap();
    assert_eq!(
        cfg,
        SyncConfig {
            server_url: base.clone(),
            token: "secret-token".into()
        }
    );
    assert!(!format!("{cfg:?}").contains("secret"));
    drop(s);
    // Enrolling over an existing store is refused without asking the server.
    let e = enroll(dir.path(), &key, &base, "ABCD-1234", "测试机")
        .err()
        .unwrap();
    assert_eq!(e.code(), "already_initialised");
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[test]
fn enroll_refusal_creates_nothing() {
    let (base, _log) = stub(|_| {
        reply(
            403,
            json!({"error": "code_invalid", "message": "注册码无效或已使用"}),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let e = enroll(dir.path(), &DbKey::generate().unwrap(), &base, "nope", "x")
        .err()
        .unwrap();
    assert_eq!(e.code(), "forbidden");
    assert!(e.message(Lang::Zh).contains("注册码无效"));
    assert!(!Store::exists(dir.path()));
}

/// A server that takes `secs` to answer a push (the stub is busy meanwhile).
fn slow_push(secs: u64) -> (String, Log) {
    stub(move |req| match req.path.as_str() {
        "/v1/push" => {
            std::thread::sleep(Duration::from_secs(secs));
            applied_all(req)
        }
        _ => empty_pull("c1"),
    })
}

/// Wait until the stub has received a push: the request is then in flight.
fn wait_for_push(log: &Log) {
    let t = Instant::now();
    while count(log, "POST", "/v1/push") == 0 {
        assert!(t.elapsed() < Duration::from_secs(10), "no push arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn cancel_during_a_slow_request_ends_the_round_at_once_and_loses_nothing() {
    let (base, log) = slow_push(3);
    let dir = tempfile::tempdir().unwrap();
    let s = worker(dir.path(), &base);
    let id = hazard(&s, vec![]);
    let cancel = CancelHandle::new();
    let c2 = cancel.clone();
    let t = std::thread::scope(|scope| {
        let round = scope.spawn(|| sync(&s, None, &cancel));
        wait_for_push(&log);
        let t = Instant::now();
        c2.cancel();
        let e = round.join().unwrap().unwrap_err();
        assert_eq!(e.code(), "cancelled");
        t.elapsed()
    });
    // The answer would take 3 s; the cancel is honoured mid-request.
    assert!(
        t < Duration::from_millis(1500),
        "took {t:?} after the cancel"
    );
    assert_eq!(s.outbox_len().unwrap(), 1);
    assert_eq!(s.hazard(&id).unwrap().hazard.delivery, Delivery::Local);
}

#[test]
fn dropping_an_async_round_cancels_it_and_the_next_round_is_not_refused() {
    let (slow, log) = slow_push(3);
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(worker(dir.path(), &slow));
    hazard(&s, vec![]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let s2 = s.clone();
    let round = cancellable(CancelHandle::new(), move |c| sync(&s2, None, c));
    // The caller gives up (a cancelled coroutine): the future is dropped mid-push.
    let t = Instant::now();
    let gave_up = rt.block_on(async {
        tokio::select! {
            r = round => Some(r),
            () = async { while count(&log, "POST", "/v1/push") == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            } } => None,
        }
    });
    assert!(gave_up.is_none(), "the round ended before its push arrived");
    // At once, a new round against a server that answers: it waits for the
    // cancelled one to wind down instead of being refused, and sends everything.
    let (fast, _) = stub(|req| match req.path.as_str() {
        "/v1/push" => applied_all(req),
        _ => empty_pull("c2"),
    });
    SyncConfig {
        server_url: fast,
        token: "tok".into(),
    }
    .save(&s)
    .unwrap();
    let r = sync(&s, None, &CancelHandle::new()).unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(2500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!((r.pushed, r.cursor.as_str()), (1, "c2"));
    assert_eq!(s.outbox_len().unwrap(), 0);
}

/// A snapshot page that is not one (not zstd, cut short, not MessagePack, or
/// inflating past the cap) stops the round with a clear error; the live
/// replica and its cursor are untouched.
#[test]
fn a_bad_snapshot_page_is_refused_and_changes_nothing() {
    use crate::wire::snapshot;
    let good = snapshot::encode_page(&crate::wire::PullResponse {
        changes: vec![serde_json::from_value(json!({"type": "grid", "grid": {"code": "g9", "name": "九", "level": 3, "parent_code": null}})).unwrap()],
        cursor: "c1".into(),
        more: false,
        server_hlc: String::new(),
        taxonomies: vec![],
        visit_rules: None,
        legacy_plates: None,
    })
    .unwrap();
    let bomb = zstd::bulk::compress(
        &vec![0u8; snapshot::MAX_SNAPSHOT_PAGE_BYTES as usize + 1],
        3,
    )
    .unwrap();
    let junk = zstd::bulk::compress(&[0xc1u8; 64], 3).unwrap();
    for body in [
        b"not a page".to_vec(),
        good[..good.len() - 4].to_vec(),
        junk,
        bomb,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (base, _) = serve(false, move |req| {
            assert!(req.path.starts_with("/v1/snapshot"), "{}", req.path);
            Canned::Reply(
                200,
                vec![("content-type", snapshot::SNAPSHOT_CONTENT_TYPE.into())],
                body.clone(),
            )
        });
        let s = worker(dir.path(), &base);
        let before = s.replica_checksums().unwrap();
        let e = sync(&s, None, &CancelHandle::new()).unwrap_err();
        assert_eq!(e.code(), "server_refused");
        assert!(!e.message(Lang::Zh).is_ascii());
        assert_eq!(s.replica_checksums().unwrap(), before);
        assert_eq!(s.sync_cursor().unwrap(), None);
        assert!(s.grid("g9").unwrap().is_none());
    }
}
