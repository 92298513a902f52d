//! `POST /v1/enroll` (a code becomes a device token) and `GET /v1/me` (who the
//! token belongs to).

use axum::Json;
use axum::extract::State;
use gridfield_core::wire::{EnrollRequest, EnrollResponse};

use crate::api::router::{ApiJson, AppState, Device, blocking};
use crate::error::{ApiError, Result};
use crate::messages::Msg;
use crate::rules::enrollment;

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

pub async fn me(Device(d): Device) -> Json<serde_json::Value> {
    Json(
        serde_json::json!({ "device_id": d.device_id, "user": d.user, "role": d.role, "grid_scope": d.grid_code }),
    )
}
