//! What a rule can answer besides success: typed variants the API maps to HTTP in
//! one place (`api::error`). A `Refused` is a domain answer (a push reports it per
//! operation); the others end the request.

use gridfield_core::i18n::Lang;
use gridfield_core::refusal::Refusal;

use crate::error::ApiError;
use crate::messages::Msg;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an operation was refused, for the person holding the phone.
#[derive(Debug, Clone)]
pub struct Reject {
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

pub(crate) fn reject(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Error {
    Error::Refused(Reject {
        code,
        zh: zh.into(),
        en: en.into(),
    })
}

/// A refusal in the server's own words (the catalog).
pub(crate) fn refuse(code: &'static str, msg: Msg) -> Error {
    reject(code, msg.text(Lang::Zh), msg.text(Lang::En))
}

/// A domain rule's refusal from the core, in the same words the device shows,
/// under its protocol-v1 wire code.
impl From<Refusal> for Error {
    fn from(r: Refusal) -> Error {
        reject(r.wire_code(), r.message(Lang::Zh), r.message(Lang::En))
    }
}

/// Shorthand for a core rule's reason (`WriteRefusal`, `ReviewRefusal`, ...).
pub(crate) fn refused(r: impl Into<Refusal>) -> Error {
    Error::from(r.into())
}

/// A text over its kind's limit (`gridfield_core::text`), in the words the
/// phone shows for the same input.
pub(crate) fn too_long(e: gridfield_core::Error) -> Error {
    reject("too_long", e.message(Lang::Zh), e.message(Lang::En))
}

pub(crate) fn out_of_scope() -> Error {
    refuse("out_of_scope", Msg::OutOfScope)
}

pub(crate) fn unknown_address() -> Error {
    refuse("unknown_address", Msg::UnknownAddress)
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing asked for does not exist (or is not the caller's to see).
    #[error("not found: {0}")]
    NotFound(String),
    /// The request itself is malformed.
    #[error("{code}: {message}")]
    Invalid { code: &'static str, message: String },
    /// No valid credential: an unknown, used or expired code, a bad token.
    #[error("{code}: {message}")]
    Unauthorized { code: &'static str, message: String },
    /// A domain rule said no; the reason goes to the user in both languages.
    #[error("refused: {}", .0.code)]
    Refused(Reject),
    /// The request contradicts what the server holds (a grid moved elsewhere).
    #[error("{code}: {message}")]
    Conflict { code: &'static str, message: String },
    /// A photo chunk did not start where the upload stands: resume from `offset`.
    #[error("expected offset {offset}")]
    OffsetMismatch { offset: u64 },
    /// The assembled photo bytes do not hash to the photo's name.
    #[error("bytes do not match the hash")]
    HashMismatch,
    /// A photo above the size limit.
    #[error("photo larger than {max_bytes} bytes")]
    PhotoTooLarge { max_bytes: u64 },
    /// Photo bytes that are not a JPEG, PNG or WebP image (`ImageType::sniff`).
    #[error("not a supported image")]
    UnsupportedMediaType,
    /// A chunk longer than the declared upload length.
    #[error("more bytes than upload-length")]
    TooLong,
    /// Already in HTTP terms: storage and the install and restore checks, which
    /// the console shares, speak `ApiError`; passed through unchanged.
    #[error(transparent)]
    Http(#[from] ApiError),
    /// A fault of ours (a corrupt document, no randomness): logged, never shown.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
        Error::Internal(e.into())
    }

    pub fn invalid(code: &'static str, message: impl Into<String>) -> Error {
        Error::Invalid {
            code,
            message: message.into(),
        }
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Error {
        Error::Unauthorized {
            code,
            message: message.into(),
        }
    }

    /// The refusal inside, if this is one.
    pub fn refusal(self) -> std::result::Result<Reject, Error> {
        match self {
            Error::Refused(r) => Ok(r),
            e => Err(e),
        }
    }
}
