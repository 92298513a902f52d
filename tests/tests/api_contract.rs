//! The device API's contract (issue #14, item 10, and the generated OpenAPI
//! document): every error under `/v1` is `{"error","message"}` JSON with the
//! right status, axum's own refusals included, and every route is documented.

use gridfield_tests::*;

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
    let hash = "a".repeat(64);
    let huge = vec![0u8; 30 * 1024 * 1024];
    http(
        "PUT",
        &v1(&format!("/v1/blobs/{hash}")),
        &[("authorization", &auth), ("content-type", "image/jpeg")],
        Some(&huge),
    )
    .assert_error(413, "too_large");
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
        "GET /v1/checksum",
        "GET /v1/blobs/{hash}",
        "HEAD /v1/blobs/{hash}",
        "PUT /v1/blobs/{hash}",
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
