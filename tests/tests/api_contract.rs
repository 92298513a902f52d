//! The device API's contract (issue #14, item 10, and the generated OpenAPI
//! document): every error under `/v1` is `{"error","message"}` JSON with the
//! right status, axum's own refusals included, and every route is documented.

use std::io::{Read, Write};

use gridfield_tests::*;

/// Send a raw request and read the answer whatever happened to the body (the
/// server may answer before reading all of it): status, head and body.
fn send_raw(base: &str, head: &str, body: &[u8]) -> (u16, String, String) {
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).to_string();
    let (h, b) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = h
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = if h
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut rest = b;
        let mut body = String::new();
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            body.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        body
    } else {
        b.to_string()
    };
    (status, h.to_string(), body)
}

fn errors_under_v1_are_json(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let auth = format!("Bearer {}", a.token());
    let v1 = |p: &str| format!("{}{p}", server.url);

    // A query that does not parse.
    http(
        "GET",
        &v1("/v1/pull?limit=abc"),
        &[("authorization", &auth)],
        None,
    )
    .assert_error(400, "bad_query");
    // A body over the limit, on JSON and on photo uploads.
    let big = vec![b' '; 5 * 1024 * 1024];
    http(
        "POST",
        &v1("/v1/push"),
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(&big),
    )
    .assert_error(413, "too_large");
    // A photo chunk over the body limit (the photo limit and a little more).
    let hash = "a".repeat(64);
    let over = gridfield_core::photo::DEFAULT_MAX_PHOTO_BYTES as usize + 8 * 1024;
    let (status, head, body) = send_raw(
        &server.url,
        &format!(
            "PUT /v1/blobs/{hash} HTTP/1.1\r\nhost: x\r\nauthorization: {auth}\r\n\
             content-type: image/jpeg\r\ncontent-length: {over}\r\nconnection: close\r\n\r\n"
        ),
        &vec![0u8; over],
    );
    assert_eq!(status, 413, "{head}\n{body}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let body: serde_json::Value = serde_json::from_str(&body).expect(&body);
    assert_eq!(body["error"], "too_large", "{body}");
    // Wrong content type on a JSON body.
    http(
        "POST",
        &v1("/v1/enroll"),
        &[("content-type", "text/plain")],
        Some(b"{}"),
    )
    .assert_error(415, "unsupported_media_type");
    // A path parameter that is not even text.
    http(
        "GET",
        &v1("/v1/blobs/%FF%FE"),
        &[("authorization", &auth)],
        None,
    )
    .assert_error(400, "bad_request");
    // Unknown routes and wrong methods.
    http("GET", &v1("/v1/nothing-here"), &[], None).assert_error(404, "not_found");
    let r = http("GET", &v1("/v1/push"), &[("authorization", &auth)], None);
    r.assert_error(405, "method_not_allowed");
    assert!(
        r.header("allow").is_some_and(|m| m.contains("POST")),
        "{:?}",
        r.headers
    );
    http(
        "DELETE",
        &v1("/v1/blobs/{hash}"),
        &[("authorization", &auth)],
        None,
    )
    .assert_error(405, "method_not_allowed");
    // Any integer is a device time (Schemathesis found i64::MIN + 1 overflowing).
    let r = http(
        "POST",
        &v1("/v1/push"),
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(br#"{"ops": [], "device_time": -9223372036854775807}"#),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    // Still the JSON a device expects after all that.
    assert_eq!(
        http("GET", &v1("/v1/me"), &[("authorization", &auth)], None).json()["user"],
        "张伟"
    );
}

/// Every route of the device API answers as documented: each documented
/// operation is routed (not the JSON 404 of unknown routes, not a 405), and
/// the document lists every route the router serves under /v1.
fn every_route_is_documented(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let auth = format!("Bearer {}", a.token());
    let doc = http("GET", &format!("{}/v1/openapi.json", server.url), &[], None).json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')));
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented: Vec<String> = Vec::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "head", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            documented.push(format!("{} {path}", method.to_uppercase()));
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has no responses"
            );
            if path.starts_with("/v1/") && path != "/v1/openapi.json" {
                assert!(op["responses"].get("400").is_some(), "{method} {path}: 400");
            }
            let url = format!("{}{}", server.url, path.replace("{hash}", &"0".repeat(64)));
            let m = method.to_uppercase();
            let body: Option<&[u8]> = if m == "GET" || m == "HEAD" {
                None
            } else {
                Some(b"")
            };
            let r = http(&m, &url, &[("authorization", &auth)], body);
            let unrouted = r.status == 405
                || (r.status == 404
                    && (String::from_utf8_lossy(&r.body).contains("no such endpoint")
                        || (m == "HEAD" && r.header("upload-offset").is_none())));
            assert!(
                !unrouted,
                "{m} {path} is documented but not routed: {}",
                r.status
            );
        }
    }
    documented.sort();
    // The routes `api::router` serves under /v1 (and /healthz).
    let mut routed: Vec<String> = [
        "GET /healthz",
        "GET /v1/openapi.json",
        "POST /v1/enroll",
        "GET /v1/me",
        "POST /v1/push",
        "GET /v1/pull",
        "GET /v1/snapshot",
        "GET /v1/checksum",
        "GET /v1/blobs/{hash}",
        "HEAD /v1/blobs/{hash}",
        "PUT /v1/blobs/{hash}",
        "POST /v1/points/sync",
    ]
    .map(String::from)
    .to_vec();
    routed.sort();
    assert_eq!(documented, routed);
    // Security, the protocol headers and the shared error answer are in it.
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let push = &doc["paths"]["/v1/push"]["post"];
    let params: Vec<&str> = push["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(params.contains(&"x-gridfield-wire") && params.contains(&"x-gridfield-install"));
    assert!(push["responses"]["200"]["headers"]["x-gridfield-time"].is_object());
    assert!(doc["components"]["schemas"]["PushRequest"].is_object());
    assert!(doc["components"]["schemas"]["Op"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

on_both_backends!(errors_under_v1_are_json, every_route_is_documented);
