//! `POST /v1/points/sync`: a phone's points round (its voucher key certified,
//! the vouchers it issued debited, its own ledger back): `rules::points::sync`.

use axum::Json;
use axum::extract::State;
use gridfield_core::points::{PointsSyncRequest, PointsSyncResponse};
use gridfield_core::wire;

use crate::api::router::{ApiJson, AppState, Device, blocking};
use crate::error::{ApiError, Result};
use crate::rules::{self, now_ms};

/// Hand in issued vouchers (each answered on its own) and, until certified, the
/// device's voucher key; get the user's own ledger and confirmed balance.
#[utoipa::path(post, path = "/v1/points/sync", tag = "sync", security(("bearer" = [])),
    request_body = PointsSyncRequest,
    responses(
        (status = 200, description = "the user's ledger, balance, key certificate and one outcome per voucher", body = PointsSyncResponse),
        (status = 400, description = "`malformed_json`, `malformed` voucher key", body = wire::ErrorBody),
    ))]
pub async fn sync(
    State(s): State<AppState>,
    Device(d): Device,
    ApiJson(req): ApiJson<PointsSyncRequest>,
) -> Result<Json<PointsSyncResponse>> {
    Ok(Json(
        blocking(move || {
            s.db.write_as(|tx| rules::points::sync(tx, &d, &req, now_ms()).map_err(ApiError::from))
        })
        .await?,
    ))
}
