//! `POST /v1/push`, `GET /v1/pull` and `GET /v1/checksum`: the sync round of a
//! device, each a call into `rules::{push, pull, checksum}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gridfield_core::wire::{self, PullResponse, PushRequest, PushResponse};
use serde::Deserialize;

use crate::api::error::ApiQuery;
use crate::api::router::{ApiJson, AppState, Device, blocking};
use crate::error::{ApiError, Result};
use crate::rules;

/// Push outbox operations, idempotent by `op_id`. Each op is judged on its own
/// and answered per op (applied, duplicate, rejected with a reason, or waiting
/// for its photos); the batch always commits.
#[utoipa::path(post, path = "/v1/push", tag = "sync", security(("bearer" = [])),
    request_body = PushRequest,
    responses(
        (status = 200, description = "one result per operation, in order", body = PushResponse),
        (status = 400, description = "`malformed_json`, `invalid_hlc`, `invalid_op`", body = wire::ErrorBody),
        (status = 413, description = "`too_large` body or `too_many_ops` (more than 500)", body = wire::ErrorBody),
    ))]
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullParams {
    /// Opaque position from the previous page; absent: from the start.
    cursor: Option<String>,
    /// The highest position any answer gave the device (see `restore.rs`).
    seen: Option<String>,
    /// The taxonomies the device holds, `kind:version,…`: newer ones come along.
    taxonomies: Option<String>,
    /// The version of the visit rules the device holds (0: none): another
    /// version comes along, cut to the device's scope. Older apps leave it out.
    #[param(minimum = 0)]
    visit_rules: Option<i64>,
    /// The version of the legacy plate mappings the device holds (empty: none):
    /// the mappings of its scope come whole when they differ. Older apps leave it out.
    legacy_plates: Option<String>,
    /// `1`: the app holds cases (事件) and receives them; older apps, which do
    /// not know the change, leave it out.
    #[param(minimum = 0, maximum = 1)]
    cases: Option<u8>,
    /// Changes per page (at most 1000; default 500).
    #[param(minimum = 0)]
    limit: Option<u32>,
}

/// One page of the changes in the device's scope after `cursor`.
#[utoipa::path(get, path = "/v1/pull", tag = "sync", security(("bearer" = [])),
    params(PullParams),
    responses(
        (status = 200, description = "a page of changes; `more` says whether to ask again", body = PullResponse),
        (status = 400, description = "`bad_query` or a malformed cursor", body = wire::ErrorBody),
        (status = 409, description = "`server_restored`: the cursor or `seen` names another database, another epoch, or a position past this database's head: the server was restored or replaced. The device re-uploads the operations it kept and pulls everything again. Or `device_cloned`.", body = wire::ErrorBody),
    ))]
pub async fn pull(
    State(s): State<AppState>,
    Device(d): Device,
    ApiQuery(p): ApiQuery<PullParams>,
) -> Result<Json<PullResponse>> {
    Ok(Json(
        blocking(move || {
            rules::pull::pull(
                &s,
                &d,
                p.cursor.as_deref(),
                p.seen.as_deref(),
                rules::pull::Held {
                    taxonomies: p.taxonomies.as_deref(),
                    visit_rules: p.visit_rules,
                    legacy_plates: p.legacy_plates.as_deref(),
                },
                p.cases == Some(1),
                p.limit.unwrap_or(500),
            )
        })
        .await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChecksumParams {
    /// `1`: the app holds cases (it pulls with `cases=1`), so they are digested too.
    #[param(minimum = 0, maximum = 1)]
    cases: Option<u8>,
}

/// Per-kind digests of the device's scope, to detect a replica that drifted.
#[utoipa::path(get, path = "/v1/checksum", tag = "sync", security(("bearer" = [])),
    params(ChecksumParams),
    responses((status = 200, description = "`count:sha256` per record kind", body = wire::ChecksumResponse)))]
pub async fn checksum(
    State(s): State<AppState>,
    Device(d): Device,
    ApiQuery(p): ApiQuery<ChecksumParams>,
) -> Result<Json<wire::ChecksumResponse>> {
    let cases = p.cases == Some(1);
    Ok(Json(wire::ChecksumResponse {
        kinds: blocking(move || rules::checksum::checksum(&s, &d, cases)).await?,
    }))
}
