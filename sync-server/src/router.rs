//! HTTP: routes, the auth extractor, JSON error mapping and the middleware stack.
//! Handlers only unpack requests and call `logic` on a blocking thread.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gridfield_core::wire::{self, EnrollRequest, PullResponse, PushRequest, PushResponse};
use serde::Deserialize;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::trace::TraceLayer;

use crate::error::{ApiError, Result};
use crate::logic::{self, BlobState, DeviceCtx, Server};

pub type AppState = Arc<Server>;

/// JSON bodies above this are refused with 413 (a push batch is far smaller).
pub const MAX_JSON_BYTES: usize = 4 * 1024 * 1024;
const OPENAPI: &str = include_str!("openapi.json");

pub fn router(state: AppState) -> Router {
    let blobs = Router::new()
        .route(
            "/v1/blobs/{hash}",
            get(blob_get).head(blob_head).put(blob_put),
        )
        .layer(DefaultBodyLimit::max(logic::MAX_BLOB_BYTES as usize + 1024));
    let api = Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/enroll", post(enroll))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .route("/v1/me", get(me))
        .route("/v1/checksum", get(checksum))
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .merge(blobs)
        // Default gzip (level 6) for devices: they pay for every byte on a weak
        // mobile link; level 1 cost 60% more bytes per pulled record for no
        // measurable gain in records per second (docs/BENCHMARKS.md).
        .layer(CompressionLayer::new());
    // Fastest gzip for the console: browsers on the office network, and whole-scope
    // exports of a hundred megabytes, where the server's CPU matters more than bytes.
    let console =
        crate::console::router().layer(CompressionLayer::new().quality(CompressionLevel::Fastest));
    api.merge(console)
        .fallback(|| async { ApiError::not_found("no such endpoint") })
        .layer(RequestDecompressionLayer::new())
        .layer(axum::middleware::map_response(server_time))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Run blocking storage work off the async threads.
/// Every answer carries the server's clock: devices stamp in corrected time.
async fn server_time(mut r: Response) -> Response {
    r.headers_mut()
        .insert(wire::TIME_HEADER, HeaderValue::from(logic::now_ms()));
    r
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("task: {e}")))?
}

/// `Json` whose rejections are our JSON errors.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(match &e {
                JsonRejection::JsonSyntaxError(_) => {
                    ApiError::bad_request("malformed_json", e.body_text())
                }
                JsonRejection::JsonDataError(_) => {
                    ApiError::unprocessable("invalid_body", e.body_text())
                }
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "expected application/json",
                ),
                _ if e.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    "请求体过大 (request body too large)",
                ),
                _ => ApiError::bad_request("bad_body", e.body_text()),
            }),
        }
    }
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
            .ok_or_else(|| {
                ApiError::unauthorized("unauthorized", "缺少令牌 (missing bearer token)")
            })?
            .to_string();
        let install = parts
            .headers
            .get(wire::INSTALL_HEADER)
            .map(|v| v.to_str().unwrap_or("").to_string());
        let s = state.clone();
        let mut dev = blocking(move || s.db.read(|tx| logic::authenticate(tx, &token))).await?;
        dev.install = install;
        Ok(Device(dev))
    }
}

async fn healthz(State(s): State<AppState>) -> Response {
    let backend = s.db.backend();
    match blocking(move || s.db.read(|tx| tx.query("SELECT 1", &[]).map(|_| ()))).await {
        Ok(()) => Json(serde_json::json!({ "status": "ok", "backend": backend })).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI,
    )
        .into_response()
}

async fn enroll(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Json<wire::EnrollResponse>> {
    if req.code.trim().is_empty() || req.code.len() > 64 {
        return Err(ApiError::bad_request(
            "invalid_code",
            "注册码格式不正确 (malformed enrollment code)",
        ));
    }
    Ok(Json(
        blocking(move || s.db.write(|tx| logic::enroll(tx, &req))).await?,
    ))
}

async fn me(Device(d): Device) -> Json<serde_json::Value> {
    Json(
        serde_json::json!({ "device_id": d.device_id, "user": d.user, "role": d.role, "grid_scope": d.grid_code }),
    )
}

async fn push(
    State(s): State<AppState>,
    Device(d): Device,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>> {
    if req.ops.len() > wire::MAX_PUSH_OPS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_ops",
            format!("at most {} operations per push", wire::MAX_PUSH_OPS),
        ));
    }
    let s2 = s.clone();
    let (results, head) = blocking(move || logic::push(&s2, &d, &req)).await?;
    let server_hlc = s
        .clock
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .tick(logic::now_ms())
        .to_string();
    Ok(Json(PushResponse {
        results,
        server_hlc,
        head: Some(head),
    }))
}

#[derive(Deserialize)]
struct PullParams {
    cursor: Option<String>,
    /// The highest position any answer gave the device (see `restore.rs`).
    seen: Option<String>,
    limit: Option<u32>,
}

async fn pull(
    State(s): State<AppState>,
    Device(d): Device,
    Query(p): Query<PullParams>,
) -> Result<Json<PullResponse>> {
    Ok(Json(
        blocking(move || {
            logic::pull(
                &s,
                &d,
                p.cursor.as_deref(),
                p.seen.as_deref(),
                p.limit.unwrap_or(500),
            )
        })
        .await?,
    ))
}

async fn checksum(
    State(s): State<AppState>,
    Device(d): Device,
) -> Result<Json<wire::ChecksumResponse>> {
    Ok(Json(wire::ChecksumResponse {
        kinds: blocking(move || logic::checksum(&s, &d)).await?,
    }))
}

fn check_hash(hash: &str) -> Result<()> {
    if gridfield_core::photo::is_valid_hash(hash) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "bad_hash",
            "blob name must be a lowercase SHA-256 hex digest",
        ))
    }
}

async fn blob_head(
    State(s): State<AppState>,
    Device(_): Device,
    Path(hash): Path<String>,
) -> Result<Response> {
    check_hash(&hash)?;
    let st = blocking(move || s.db.read(|tx| logic::blob_state(tx, &hash))).await?;
    Ok(match st {
        BlobState::Complete => StatusCode::OK.into_response(),
        BlobState::Partial(n) => {
            (StatusCode::NOT_FOUND, [("upload-offset", n.to_string())]).into_response()
        }
        BlobState::Absent => {
            (StatusCode::NOT_FOUND, [("upload-offset", "0".to_string())]).into_response()
        }
    })
}

fn header_u64(h: &HeaderMap, name: &str) -> Result<Option<u64>> {
    match h.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .map(Some)
            .ok_or_else(|| ApiError::bad_request("bad_header", format!("{name} must be a number"))),
    }
}

async fn blob_put(
    State(s): State<AppState>,
    Device(d): Device,
    Path(hash): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    check_hash(&hash)?;
    let offset = header_u64(&headers, "upload-offset")?.unwrap_or(0);
    let total = header_u64(&headers, "upload-length")?.unwrap_or(offset + body.len() as u64);
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    let h2 = hash.clone();
    let s2 = s.clone();
    let res = blocking(move || {
        s2.db
            .write(|tx| logic::put_blob_chunk(tx, &h2, offset, total, &mime, &body))
    })
    .await;
    match res {
        Ok(BlobState::Complete) => {
            tracing::debug!(device = %d.device_id, %hash, "blob complete");
            Ok(Json(serde_json::json!({ "status": "complete" })).into_response())
        }
        Ok(BlobState::Partial(n)) => Ok((
            StatusCode::ACCEPTED,
            [("upload-offset", n.to_string())],
            Json(serde_json::json!({ "status": "partial", "offset": n })),
        )
            .into_response()),
        Ok(BlobState::Absent) => Err(ApiError::internal("blob vanished")),
        Err(e) if e.code == "hash_mismatch" => {
            // The refused transaction rolled back its own cleanup: drop the bad
            // partial copy now, or every resume would rebuild the same wrong bytes.
            blocking(move || s.db.write(|tx| logic::discard_upload(tx, &hash))).await?;
            Err(e)
        }
        Err(e) if e.code == "offset_mismatch" => {
            let have = e.message.trim_start_matches("expected offset ").to_string();
            Ok((StatusCode::CONFLICT, [("upload-offset", have)], e).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn blob_get(
    State(s): State<AppState>,
    Device(_): Device,
    Path(hash): Path<String>,
) -> Result<Response> {
    check_hash(&hash)?;
    let b = blocking(move || s.db.read(|tx| logic::get_blob(tx, &hash))).await?;
    let (mime, data) = b.ok_or_else(|| ApiError::not_found("photo not on the server"))?;
    Ok(([(header::CONTENT_TYPE, mime)], data).into_response())
}
