//! `/v1/blobs/{hash}`: photos by their SHA-256 name. HEAD tells how far an upload
//! got, PUT appends a chunk at `upload-offset` (resumable), GET downloads. A photo
//! the device may not see (`rules::photos::may_see`) answers exactly like a
//! missing one; photos are served as the image type their bytes are, never as
//! markup (`photo_response`, which the console serves its photos with too).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::router::{AppState, Device, blocking};
use crate::error::{ApiError, Result};
use crate::rules::Error;
use crate::rules::photos::{self, BlobState, Download};

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

/// Is the photo complete? A 404 carries `upload-offset` of a partial upload.
#[utoipa::path(head, path = "/v1/blobs/{hash}", tag = "blobs", security(("bearer" = [])),
    params(("hash" = String, Path, description = "SHA-256 of the photo, 64 lowercase hex", pattern = "^[0-9a-f]{64}$")),
    responses(
        (status = 200, description = "complete, and a record the device may see refers to it (or the device uploaded it)"),
        (status = 404, description = "absent, partial, or outside the device's scope (answered alike)", headers(("upload-offset" = u64, description = "bytes of this device's own partial upload (0 if none)"))),
    ))]
pub async fn head(
    State(s): State<AppState>,
    Device(d): Device,
    Path(hash): Path<String>,
) -> Result<Response> {
    check_hash(&hash)?;
    let st = blocking(move || s.db.read_as(|tx| photos::blob_state(tx, &hash, &d))).await?;
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

/// Append a chunk at `upload-offset` (resumable); the last chunk completes the photo.
#[utoipa::path(put, path = "/v1/blobs/{hash}", tag = "blobs", security(("bearer" = [])),
    params(
        ("hash" = String, Path, description = "SHA-256 of the photo, 64 lowercase hex", pattern = "^[0-9a-f]{64}$"),
        ("upload-offset" = Option<u64>, Header, description = "where this chunk starts (default 0)"),
        ("upload-length" = Option<u64>, Header, description = "the photo's whole length"),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the chunk's bytes"),
    responses(
        (status = 200, description = "complete"),
        (status = 202, description = "partial; `upload-offset` says how far", headers(("upload-offset" = u64))),
        (status = 409, description = "`offset_mismatch`: resume from `upload-offset`", body = gridfield_core::wire::ErrorBody, headers(("upload-offset" = u64))),
        (status = 413, description = "`photo_too_large`", body = gridfield_core::wire::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not a JPEG, PNG or WebP by its bytes (the declared content-type is ignored)", body = gridfield_core::wire::ErrorBody),
        (status = 422, description = "`hash_mismatch`: the bytes do not hash to the name", body = gridfield_core::wire::ErrorBody),
    ))]
pub async fn put(
    State(s): State<AppState>,
    Device(d): Device,
    Path(hash): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    check_hash(&hash)?;
    let offset = header_u64(&headers, "upload-offset")?.unwrap_or(0);
    let total = header_u64(&headers, "upload-length")?.unwrap_or(offset + body.len() as u64);
    // The declared content-type is not read: a photo's type comes from its bytes.
    let (h2, s2, d2) = (hash.clone(), s.clone(), d.clone());
    let res = blocking(move || {
        s2.db
            .write_as(|tx| photos::put_blob_chunk(tx, &h2, &d2, offset, total, &body))
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
        Err(e @ (Error::HashMismatch | Error::UnsupportedMediaType)) => {
            // The refused transaction rolled back its own cleanup: drop the bad
            // partial copy now, or every resume would rebuild the same wrong bytes.
            blocking(move || s.db.write_as(|tx| photos::discard_upload(tx, &hash, &d))).await?;
            Err(e.into())
        }
        Err(Error::OffsetMismatch { offset }) => Ok((
            StatusCode::CONFLICT,
            [("upload-offset", offset.to_string())],
            ApiError::from(Error::OffsetMismatch { offset }),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// Download a photo.
#[utoipa::path(get, path = "/v1/blobs/{hash}", tag = "blobs", security(("bearer" = [])),
    params(("hash" = String, Path, description = "SHA-256 of the photo, 64 lowercase hex", pattern = "^[0-9a-f]{64}$")),
    responses(
        (status = 200, description = "the photo's bytes, as its sniffed type with `nosniff` and a content-disposition", content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"),
            (Vec<u8> = "application/octet-stream"))),
        (status = 404, description = "`not_found`: missing, or no record the device may see refers to it (answered alike)", body = gridfield_core::wire::ErrorBody),
    ))]
pub async fn get(
    State(s): State<AppState>,
    Device(d): Device,
    Path(hash): Path<String>,
) -> Result<Response> {
    check_hash(&hash)?;
    let h2 = hash.clone();
    let b = blocking(move || s.db.read_as(|tx| photos::download(tx, &h2, &d))).await?;
    let b = b.ok_or_else(|| ApiError::not_found("photo not on the server"))?;
    Ok(photo_response(&hash, b))
}

/// A photo as every surface serves it: the type its bytes are, never sniffed
/// again by the browser, inline under its hash with the type's extension. Bytes
/// that are no image (stored before types were checked) download as a file.
pub fn photo_response(hash: &str, b: Download) -> Response {
    let (mime, disposition) = match b.kind {
        Some(t) => (
            t.mime(),
            format!("inline; filename=\"{hash}.{}\"", t.extension()),
        ),
        None => (
            "application/octet-stream",
            format!("attachment; filename=\"{hash}.bin\""),
        ),
    };
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, max-age=86400".to_string()),
        ],
        b.data,
    )
        .into_response()
}
