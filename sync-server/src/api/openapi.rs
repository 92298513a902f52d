//! The OpenAPI document of the device API, generated from the code: the wire
//! types' schemas (core's `openapi` feature) and each handler's
//! `#[utoipa::path]`. What every operation shares (the bearer token, the
//! `x-gridfield-*` headers, the JSON error answers) is added here, once.

use serde_json::{Value, json};
use utoipa::OpenApi;

use gridfield_core::wire;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gridfield sync API",
        version = "1",
        description = "Device enrollment, idempotent push, paged pull and photo blobs. Every error is `{\"error\": code, \"message\": text}` with the right status. All /v1 calls except enroll and this document need `Authorization: Bearer <token>`; devices send `x-gridfield-wire: 1`.\n\nEvery answer carries `x-gridfield-time` (the server's clock, ms): devices measure their clock's offset and stamp in corrected time. Devices send `x-gridfield-install: <install id>.<request number>` with every request; a number seen twice or far behind comes from a second installation of the same enrollment (a copied phone), answered `409 device_cloned`.\n\nTexts have length limits (characters): report text, hazard description, step note and review comment 2000; checklist answers 2000 (or the item's own limit); categories, names and ids 64. An operation over a limit is rejected on its own (`too_long`), the rest of the push applies."
    ),
    components(schemas(wire::ErrorBody)),
    tags(
        (name = "device", description = "Enrollment and identity"),
        (name = "sync", description = "Push, pull and replica checksums"),
        (name = "blobs", description = "Photos by SHA-256, uploaded resumably"),
        (name = "server", description = "Health and this document"),
    )
)]
pub struct ApiDoc;

const METHODS: [&str; 5] = ["get", "head", "put", "post", "delete"];

/// Add what every operation shares: the security scheme, the error answers a
/// request can get before its handler runs, and the protocol headers.
pub fn complete(doc: &mut Value) {
    let time_header = json!({
        "description": "the server's clock (ms since the epoch), on every answer",
        "schema": { "type": "integer", "format": "int64" }
    });
    doc["components"]["securitySchemes"]["bearer"] = json!({ "type": "http", "scheme": "bearer" });
    doc["components"]["responses"]["Error"] = json!({
        "description": "an error: `error` is a stable code, `message` the reason in Chinese (English in parentheses)",
        "headers": { wire::TIME_HEADER: time_header },
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } }
    });
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            let Some(op) = item.get_mut(method) else {
                continue;
            };
            let secured = op.get("security").is_some();
            let json_body = op
                .pointer("/requestBody/content/application~1json")
                .is_some();
            let has_body = op.get("requestBody").is_some();
            let mut errors: Vec<&str> = Vec::new();
            if path.starts_with("/v1/") && path != "/v1/openapi.json" {
                errors.push("400");
            }
            if secured {
                errors.extend(["401", "409"]);
                let params = op["parameters"].as_array_mut().map(std::mem::take);
                let mut params = params.unwrap_or_default();
                params.push(json!({
                    "name": wire::VERSION_HEADER, "in": "header", "required": false,
                    "description": "the client's wire version (1)",
                    "schema": { "type": "integer", "minimum": 1 }
                }));
                params.push(json!({
                    "name": wire::INSTALL_HEADER, "in": "header", "required": false,
                    "description": "`<install id>.<request number>`: which installation of the enrollment speaks; a second one is answered 409 device_cloned",
                    "schema": { "type": "string" }
                }));
                op["parameters"] = Value::Array(params);
            }
            if has_body {
                errors.push("413");
            }
            if json_body {
                errors.extend(["415", "422"]);
            }
            let responses = &mut op["responses"];
            for status in errors {
                if responses.get(status).is_none() {
                    responses[status] = json!({ "$ref": "#/components/responses/Error" });
                }
            }
            if let Some(responses) = responses.as_object_mut() {
                for r in responses.values_mut() {
                    if r.get("$ref").is_none() {
                        r["headers"][wire::TIME_HEADER] = time_header.clone();
                    }
                }
            }
        }
    }
}
