//! HTTP: routes, the shared state, the auth extractor and the middleware stack.
//! Handlers live in `v1/`; each unpacks a request and calls `rules` on a
//! blocking thread.

use std::sync::{Arc, OnceLock};

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use futures_util::StreamExt;
use gridfield_core::wire;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::v1::{blobs, devices, points, snapshot, sync};
use crate::error::{ApiError, Result};
use crate::messages::Msg;
use crate::rules::{self, DeviceCtx};
use crate::server::Server;

pub type AppState = Arc<Server>;

/// JSON bodies above this are refused with 413 (a push batch is far smaller).
pub const MAX_JSON_BYTES: usize = 4 * 1024 * 1024;

/// The device API's routes and their OpenAPI description, from the same
/// annotations (`#[utoipa::path]` on each handler): a route cannot exist
/// undocumented, nor a documented one be missing.
fn v1_routes() -> OpenApiRouter<AppState> {
    let blobs = OpenApiRouter::new()
        .routes(routes!(blobs::head, blobs::get, blobs::put))
        .layer(DefaultBodyLimit::max(
            rules::photos::MAX_BLOB_BYTES as usize + 1024,
        ));
    OpenApiRouter::with_openapi(super::openapi::ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
        .routes(routes!(devices::enroll))
        .routes(routes!(sync::push))
        .routes(routes!(sync::pull))
        .routes(routes!(snapshot::snapshot))
        .routes(routes!(devices::me))
        .routes(routes!(sync::checksum))
        .routes(routes!(points::sync))
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .merge(blobs)
}

/// The OpenAPI document of the device API, as served at `/v1/openapi.json`.
pub fn openapi() -> serde_json::Value {
    let (_, doc) = v1_routes().split_for_parts();
    let mut doc = serde_json::to_value(&doc).unwrap_or_default();
    super::openapi::complete(&mut doc);
    doc
}

pub fn router(state: AppState) -> Router {
    let (v1, _) = v1_routes().split_for_parts();
    let api = v1
        // Every refusal under /v1 is a JSON error, axum's own included.
        .layer(axum::middleware::from_fn(super::error::json_errors))
        // Default gzip (level 6) for devices: they pay for every byte on a weak
        // mobile link; level 1 cost 60% more bytes per pulled record for no
        // measurable gain in records per second (docs/BENCHMARKS.md).
        .layer(CompressionLayer::new());
    // Fastest gzip for the console: browsers on the office network, and whole-scope
    // exports of a hundred megabytes, where the server's CPU matters more than bytes.
    let console =
        crate::console::router().layer(CompressionLayer::new().quality(CompressionLevel::Fastest));
    let public = crate::public::router();
    api.merge(console)
        .merge(public)
        .fallback(|| async { ApiError::not_found(Msg::NoSuchEndpoint.wire()) })
        .layer(RequestDecompressionLayer::new())
        .layer(axum::middleware::map_response(server_time))
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            crate::console::headers::security_headers,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Every answer carries the server's clock: devices stamp in corrected time.
async fn server_time(mut r: Response) -> Response {
    r.headers_mut()
        .insert(wire::TIME_HEADER, HeaderValue::from(rules::now_ms()));
    r
}

/// Run blocking storage work off the async threads.
pub(crate) async fn blocking<T: Send + 'static, E: From<ApiError> + Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, E> + Send + 'static,
) -> std::result::Result<T, E> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| E::from(ApiError::internal(format!("task: {e}"))))?
}

/// `Json` whose rejections are our JSON errors.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if let Some(n) = declared.filter(|n| *n > MAX_JSON_BYTES as u64) {
            // Read and drop a body that is not absurdly large before answering:
            // a client still sending would otherwise meet a closed connection
            // (a broken pipe) instead of the answer.
            if n <= DRAIN_BYTES {
                let mut body = req.into_body().into_data_stream();
                while let Some(Ok(_)) = body.next().await {}
            }
            return Err(too_large());
        }
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(match &e {
                JsonRejection::JsonSyntaxError(_) => {
                    ApiError::bad_request("malformed_json", without_values(&e.body_text()))
                }
                JsonRejection::JsonDataError(_) => {
                    ApiError::unprocessable("invalid_body", without_values(&e.body_text()))
                }
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "expected application/json",
                ),
                _ if e.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
                _ => ApiError::bad_request("bad_body", e.body_text()),
            }),
        }
    }
}

/// A declared body this much larger than allowed is refused without reading it.
const DRAIN_BYTES: u64 = 4 * MAX_JSON_BYTES as u64;

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        Msg::BodyTooLarge.wire(),
    )
}

/// A JSON error's text without the values it quotes (`invalid type: string
/// "…"`): what a device sent may be a phone or an ID number.
fn without_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split('"').enumerate() {
        if i > 0 {
            out.push('"');
        }
        out.push_str(if i % 2 == 1 { "…" } else { part });
    }
    out
}

/// The authenticated device: bearer token, checked on every request.
pub struct Device(pub DeviceCtx);

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        if let Some(v) = parts.headers.get(wire::VERSION_HEADER) {
            let v: u32 = v.to_str().ok().and_then(|s| s.parse().ok()).unwrap_or(0);
            if v == 0 {
                return Err(ApiError::bad_request(
                    "unsupported_wire_version",
                    "unknown protocol version",
                ));
            }
        }
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("unauthorized", Msg::MissingToken.wire()))?
            .to_string();
        let install = parts
            .headers
            .get(wire::INSTALL_HEADER)
            .map(|v| v.to_str().unwrap_or("").to_string());
        let s = state.clone();
        let mut dev = blocking(move || {
            s.db.read_as(|tx| rules::enrollment::authenticate(tx, &token))
        })
        .await?;
        dev.install = install;
        Ok(Device(dev))
    }
}

/// What `/healthz` answers.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` when the storage answered.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
}

/// Liveness and storage check.
#[utoipa::path(get, path = "/healthz", tag = "server",
    responses((status = 200, description = "the server and its storage answer", body = Health)))]
async fn healthz(State(s): State<AppState>) -> Response {
    let backend = s.db.backend();
    match blocking(move || s.db.read(|tx| tx.query("SELECT 1", &[]).map(|_| ()))).await {
        Ok(()) => Json(Health {
            status: "ok".into(),
            backend: backend.to_string(),
        })
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "server",
    responses((status = 200, description = "the OpenAPI document of this API", body = Object)))]
async fn openapi_json() -> Response {
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(|| openapi().to_string());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        doc.as_str(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_errors_do_not_repeat_what_was_sent() {
        let t = r#"ops[0]: invalid type: string "13900000001", expected i64 at line 1"#;
        assert_eq!(
            super::without_values(t),
            r#"ops[0]: invalid type: string "…", expected i64 at line 1"#
        );
    }
}
