//! `POST /v1/push`, `GET /v1/pull` and `GET /v1/checksum`: the sync round of a
//! device, each a call into `rules::{push, pull, checksum}`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use gridfield_core::wire::{self, PullResponse, PushRequest, PushResponse};
use serde::Deserialize;

use crate::api::router::{ApiJson, AppState, Device, blocking};
use crate::error::{ApiError, Result};
use crate::rules;

pub async fn push(
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
    let (results, head) = blocking(move || rules::push::push(&s2, &d, &req)).await?;
    let server_hlc = s
        .clock
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .tick(rules::now_ms())
        .to_string();
    Ok(Json(PushResponse {
        results,
        server_hlc,
        head: Some(head),
    }))
}

#[derive(Deserialize)]
pub struct PullParams {
    cursor: Option<String>,
    /// The highest position any answer gave the device (see `restore.rs`).
    seen: Option<String>,
    /// The taxonomies the device holds, `kind:version,…`: newer ones come along.
    taxonomies: Option<String>,
    limit: Option<u32>,
}

pub async fn pull(
    State(s): State<AppState>,
    Device(d): Device,
    Query(p): Query<PullParams>,
) -> Result<Json<PullResponse>> {
    Ok(Json(
        blocking(move || {
            rules::pull::pull(
                &s,
                &d,
                p.cursor.as_deref(),
                p.seen.as_deref(),
                p.taxonomies.as_deref(),
                p.limit.unwrap_or(500),
            )
        })
        .await?,
    ))
}

pub async fn checksum(
    State(s): State<AppState>,
    Device(d): Device,
) -> Result<Json<wire::ChecksumResponse>> {
    Ok(Json(wire::ChecksumResponse {
        kinds: blocking(move || rules::checksum::checksum(&s, &d)).await?,
    }))
}
