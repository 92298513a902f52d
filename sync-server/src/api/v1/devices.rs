//! `POST /v1/enroll` (a code becomes a device token) and `GET /v1/me` (who the
//! token belongs to). Wrong codes are braked per client address
//! (`crate::throttle`) and each is audited.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridfield_core::wire::{EnrollRequest, EnrollResponse};

use crate::api::client::ClientAddr;
use crate::api::router::{ApiJson, AppState, Device, blocking};
use crate::error::ApiError;
use crate::messages::Msg;
use crate::rules::{enrollment, now_ms};

/// Enroll a device with a single-use code; the answer's token is shown once.
#[utoipa::path(post, path = "/v1/enroll", tag = "device",
    request_body = EnrollRequest,
    responses(
        (status = 200, description = "enrolled", body = EnrollResponse),
        (status = 400, description = "`invalid_code`: blank or longer than 64", body = gridfield_core::wire::ErrorBody),
        (status = 401, description = "`invalid_code`, `code_used`, `code_expired`", body = gridfield_core::wire::ErrorBody),
        (status = 429, description = "`too_many_attempts`: too many failed codes from this client address; retry after `Retry-After` seconds",
            body = gridfield_core::wire::ErrorBody,
            headers(("retry-after" = u64, description = "seconds until the next attempt is judged"))),
    ))]
pub async fn enroll(
    State(s): State<AppState>,
    client: ClientAddr,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Response {
    if req.code.trim().is_empty() || req.code.len() > 64 {
        // Not a guess at any code: refused before the throttle, not audited.
        return ApiError::bad_request("invalid_code", Msg::MalformedEnrollCode.wire())
            .into_response();
    }
    let key = client.key();
    let failures = match s.throttles.enroll.attempt(&key, now_ms()) {
        Ok(n) => n,
        Err(r) => {
            let mut resp = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                Msg::TooManyEnrollAttempts { seconds: r.seconds }.wire(),
            )
            .into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(r.seconds));
            return resp;
        }
    };
    let s2 = s.clone();
    let res = blocking(move || {
        s2.db
            .write_as(|tx| enrollment::enroll(tx, &req).map_err(ApiError::from))
    })
    .await;
    match res {
        Ok(r) => {
            s.throttles.enroll.succeeded(&key);
            Json(r).into_response()
        }
        // An unknown, used or expired code: the attempt stays counted, and audited.
        Err(e) if e.status.is_client_error() => {
            s.throttles.enroll.failed(&key, now_ms());
            let (addr, reason) = (client.0.to_string(), e.code.clone());
            let audited = blocking(move || {
                s.db.write_as(|tx| {
                    enrollment::audit_failure(tx, &addr, &reason, failures).map_err(ApiError::from)
                })
            })
            .await;
            match audited {
                Ok(()) => e.into_response(),
                Err(a) => a.into_response(),
            }
        }
        Err(e) => e.into_response(),
    }
}

/// Who this token is.
#[utoipa::path(get, path = "/v1/me", tag = "device", security(("bearer" = [])),
    responses((status = 200, description = "the device, its user, role and scope", body = gridfield_core::wire::MeResponse)))]
pub async fn me(Device(d): Device) -> Json<serde_json::Value> {
    Json(
        serde_json::json!({ "device_id": d.device_id, "user": d.user, "role": d.role, "grid_scope": d.grid_code }),
    )
}
