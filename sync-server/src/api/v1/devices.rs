//! `POST /v1/enroll` (a code becomes a device token) and `GET /v1/me` (who the
//! token belongs to).

use axum::Json;
use axum::extract::State;
use gridfield_core::wire::{EnrollRequest, EnrollResponse};

use crate::api::router::{ApiJson, AppState, Device, blocking};
use crate::error::{ApiError, Result};
use crate::messages::Msg;
use crate::rules::enrollment;

/// Enroll a device with a single-use code; the answer's token is shown once.
#[utoipa::path(post, path = "/v1/enroll", tag = "device",
    request_body = EnrollRequest,
    responses(
        (status = 200, description = "enrolled", body = EnrollResponse),
        (status = 400, description = "`invalid_code`: blank or longer than 64", body = gridfield_core::wire::ErrorBody),
        (status = 401, description = "`invalid_code`, `code_used`, `code_expired`", body = gridfield_core::wire::ErrorBody),
    ))]
pub async fn enroll(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Json<EnrollResponse>> {
    if req.code.trim().is_empty() || req.code.len() > 64 {
        return Err(ApiError::bad_request(
            "invalid_code",
            Msg::MalformedEnrollCode.wire(),
        ));
    }
    Ok(Json(
        blocking(move || s.db.write_as(|tx| enrollment::enroll(tx, &req))).await?,
    ))
}

/// Who this token is.
#[utoipa::path(get, path = "/v1/me", tag = "device", security(("bearer" = [])),
    responses((status = 200, description = "the device, its user, role and scope", body = gridfield_core::wire::MeResponse)))]
pub async fn me(Device(d): Device) -> Json<serde_json::Value> {
    Json(
        serde_json::json!({ "device_id": d.device_id, "user": d.user, "role": d.role, "grid_scope": d.grid_code }),
    )
}
