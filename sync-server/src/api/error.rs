//! The one place a rule's error becomes an HTTP status and a JSON error body
//! (`{"error": code, "message": text}`); the console's pages use it too. Internal
//! errors keep their detail for the log (`ApiError`'s response logs it and
//! answers a generic message).

use axum::http::StatusCode;

use gridfield_core::i18n::Lang;

use crate::error::ApiError;
use crate::messages::Msg;
use crate::rules::Error;

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
    fn internal_errors_are_server_errors() {
        let e = ApiError::from(Error::internal("corrupt issuer seed"));
        assert!(e.status.is_server_error());
        assert_eq!(e.code, "internal");
    }
}
