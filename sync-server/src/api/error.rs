//! The one place a rule's error becomes an HTTP status and a JSON error body
//! (`{"error": code, "message": text}`); the console's pages use it too. Internal
//! errors keep their detail for the log (`ApiError`'s response logs it and
//! answers a generic message). Axum's own refusals (a query or path that does not
//! parse, a body over the limit, a wrong method) are mapped here too, once for
//! every `/v1` route: the extractors below and the `json_errors` layer.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use gridfield_core::i18n::Lang;

use crate::error::ApiError;
use crate::messages::Msg;
use crate::rules::Error;

/// `Query` whose rejection is our JSON 400 (`bad_query`).
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|_: QueryRejection| ApiError::bad_request("bad_query", Msg::BadQuery.wire()))
    }
}

/// `Path` whose rejection is our JSON 400 (`bad_path`).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|_: PathRejection| ApiError::bad_request("bad_path", Msg::BadPath.wire()))
    }
}

/// The error code and words for a refusal that reached the edge without a JSON
/// body: axum's own (body limit, method routing, an extractor this API does not
/// wrap), by its status.
fn edge_error(status: StatusCode) -> ApiError {
    let (code, msg) = match status {
        StatusCode::NOT_FOUND => ("not_found", Msg::NoSuchEndpoint),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", Msg::MethodNotAllowed),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", Msg::BodyTooLarge),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", Msg::UnsupportedMediaType),
        s if s.is_server_error() => ("internal", Msg::InternalError),
        _ => ("bad_request", Msg::BadRequest),
    };
    ApiError::new(status, code, msg.wire())
}

/// Layer over the device API: every error answer is `{"error","message"}` JSON
/// with its status kept. Answers that are JSON already pass unchanged, and so
/// does HEAD, whose answers have no body (a blob's 404 carries `upload-offset`).
pub async fn json_errors(req: Request, next: Next) -> Response {
    let head = req.method() == Method::HEAD;
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if head || is_json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let (parts, _) = res.into_parts();
    let mut out = edge_error(status).into_response();
    // Keep what the refusal said in headers (`allow` on a 405, `upload-offset`).
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    out
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        match e {
            Error::NotFound(what) => ApiError::not_found(what),
            Error::Invalid { code, message } => ApiError::bad_request(code, message),
            Error::Unauthorized { code, message } => ApiError::unauthorized(code, message),
            Error::Refused(r) => ApiError::unprocessable(r.code, format!("{} ({})", r.zh, r.en)),
            Error::Conflict { code, message } => ApiError::conflict(code, message),
            Error::OffsetMismatch { offset } => {
                ApiError::conflict("offset_mismatch", format!("expected offset {offset}"))
            }
            Error::HashMismatch => {
                ApiError::unprocessable("hash_mismatch", Msg::HashMismatch.wire())
            }
            // Chinese only, as phones have always shown it.
            Error::PhotoTooLarge { max_bytes } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "photo_too_large",
                Msg::PhotoTooLarge {
                    max_mb: max_bytes / 1048576,
                }
                .text(Lang::Zh),
            ),
            Error::UnsupportedMediaType => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                Msg::PhotoNotAnImage.wire(),
            ),
            Error::TooLong => ApiError::bad_request("too_long", "more bytes than upload-length"),
            Error::Http(e) => e,
            Error::Internal(source) => ApiError::internal(source.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_mismatch_is_a_conflict_naming_the_offset() {
        let e = ApiError::from(Error::OffsetMismatch { offset: 42 });
        assert_eq!(e.status, StatusCode::CONFLICT);
        assert_eq!(e.code, "offset_mismatch");
        assert_eq!(e.message, "expected offset 42");
    }

    #[test]
    fn edge_refusals_keep_their_status_and_name_it() {
        for (status, code) in [
            (StatusCode::NOT_FOUND, "not_found"),
            (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            (StatusCode::BAD_REQUEST, "bad_request"),
        ] {
            let e = edge_error(status);
            assert_eq!((e.status, e.code.as_str()), (status, code));
        }
    }

    #[test]
    fn internal_errors_are_server_errors() {
        let e = ApiError::from(Error::internal("corrupt issuer seed"));
        assert!(e.status.is_server_error());
        assert_eq!(e.code, "internal");
    }
}
