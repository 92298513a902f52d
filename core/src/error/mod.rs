//! One error type for the core, with a stable code for scripts and shells. The
//! sentence a person reads is in `catalog` (Chinese and English side by side);
//! `Display` is the English log form and is the only place technical detail goes.
//! Messages never contain personal data (names, phones, ID numbers): only ids,
//! codes, field labels and reasons.

mod catalog;
mod message;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use catalog::{Action, Choices, Input, Invalid, Missing};

use crate::checklist::{TemplateError, ValidationErrors};
use crate::hazard::TransitionError;
use crate::photo::PhotoError;
use crate::plate::PlateError;
use crate::refusal::Refusal;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the database key is wrong, or the file is not a Gridfield database")]
    WrongKey,
    #[error("no device store in {0}; run init or enroll first")]
    NotInitialised(PathBuf),
    #[error("a device store already exists in {0}")]
    AlreadyInitialised(PathBuf),
    #[error(
        "database schema version {found} is newer than this app supports ({supported}); update the app"
    )]
    SchemaTooNew { found: u32, supported: u32 },
    #[error("the device storage is full; free some space and try again (nothing was saved)")]
    DiskFull,
    #[error("database: {0}")]
    Sqlite(rusqlite::Error),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error("bad JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("door plate rejected: {0}")]
    Plate(#[from] PlateError),
    #[error("checklist template: {0}")]
    Template(#[from] TemplateError),
    #[error("answers do not fit the checklist: {0}")]
    Answers(#[from] ValidationErrors),
    #[error("hazard step refused: {0}")]
    Transition(#[from] TransitionError),
    #[error("photo: {0}")]
    Photo(#[from] PhotoError),
    /// `what` is the identifier of a [`Missing`] (a record kind or `photo`).
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    /// `field` is the input's key (an entity field's name, `comment`, `deadline`...),
    /// for code and logs; `input` names it to people.
    #[error("invalid {field}: {reason}")]
    Invalid {
        field: String,
        input: Input,
        reason: Invalid,
    },
    #[error("not permitted: {0}")]
    NotPermitted(Action),
    /// The server could not be reached or the connection broke (after retries).
    #[error("cannot reach the sync server: {0}")]
    Network(String),
    /// The server answered with an error status; `code` is its `ErrorBody.error`.
    #[error("the sync server refused the request ({status} {code}): {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    /// The user (or the app going to background) cancelled a sync; nothing was lost.
    #[error("sync cancelled; nothing was lost, it continues next time")]
    Cancelled,
    /// No server address or token on this device (initialised offline, not enrolled).
    #[error("this device is not enrolled with a sync server; run enroll first")]
    NotEnrolled,
    /// Another sync of the same device store is running.
    #[error("a sync is already running for this device")]
    SyncInProgress,
    /// An administrator revoked this device (a lost phone, a worker who left):
    /// its store was wiped, unsynced work included; it can only be enrolled afresh.
    #[error("this device was revoked; its local store was wiped")]
    Revoked,
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => Error::WrongKey,
            Some(ErrorCode::DiskFull) => Error::DiskFull,
            _ => Error::Sqlite(e),
        }
    }
}

impl Error {
    /// A domain rule's refusal (`crate::refusal`): a matter of the actor's role is
    /// "not permitted", anything else invalid input; the words are the rule's own,
    /// the same the server answers for the same input.
    pub fn refused(r: impl Into<Refusal>) -> Self {
        let r = r.into();
        if r.is_permission() {
            return Error::NotPermitted(Action::Rule(r));
        }
        use crate::inspection::ReviewRefusal as R;
        use crate::report::DecisionRefusal as D;
        let input = match r {
            Refusal::Review(R::CommentRequired | R::CommentTooLong { .. }) => Input::Comment,
            Refusal::Report(D::ReasonRequired | D::NoteTooLong { .. }) => Input::Note,
            Refusal::HazardStep(_) => Input::HazardAction,
            _ => Input::Inspection,
        };
        Error::Invalid {
            field: input.key().to_string(),
            input,
            reason: Invalid::Rule(r),
        }
    }

    /// An input the core refuses, and why.
    pub fn invalid(input: Input, reason: Invalid) -> Self {
        Error::Invalid {
            field: input.key().to_string(),
            input,
            reason,
        }
    }

    /// A name given as a field of `kind` that it does not have.
    pub fn not_a_field(kind: crate::address::EntityKind, name: &str) -> Self {
        Error::Invalid {
            field: name.to_string(),
            input: Input::FieldsOf(kind),
            reason: Invalid::NotAField,
        }
    }

    pub fn not_found(what: impl Into<Missing>, id: impl Into<String>) -> Self {
        Error::NotFound {
            what: what.into().key(),
            id: id.into(),
        }
    }

    /// Stable machine-readable code, for `--json` output and the shells.
    pub fn code(&self) -> &'static str {
        match self {
            Error::WrongKey => "wrong_key",
            Error::NotInitialised(_) => "not_initialised",
            Error::AlreadyInitialised(_) => "already_initialised",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::DiskFull => "disk_full",
            Error::Sqlite(_) => "database",
            Error::Io(_) => "io",
            Error::Json(_) => "bad_json",
            Error::Plate(e) => e.code(),
            Error::Template(_) => "bad_template",
            Error::Answers(_) => "answers_invalid",
            Error::Transition(_) => "transition_refused",
            Error::Photo(PhotoError::TooLarge { .. }) => "photo_too_large",
            Error::Photo(PhotoError::UnsupportedType) => "photo_unsupported",
            Error::Photo(_) => "photo",
            Error::NotFound { .. } => "not_found",
            Error::Invalid { .. } => "invalid",
            Error::NotPermitted(_) => "not_permitted",
            Error::Network(_) => "network",
            Error::Server { status, code, .. } => server_code(*status, code),
            Error::Cancelled => "cancelled",
            Error::NotEnrolled => "not_enrolled",
            Error::SyncInProgress => "sync_in_progress",
            Error::Revoked => "device_revoked",
        }
    }
}

/// A stable code for a server error: the few the device acts on, else by status.
fn server_code(status: u16, code: &str) -> &'static str {
    match (status, code) {
        (_, "device_revoked") => "device_revoked",
        (_, "invalid_code") => "invalid_code",
        (_, "code_used") => "code_used",
        (_, "code_expired") => "code_expired",
        (_, "device_cloned") => "device_cloned",
        (_, "server_restored") => "server_restored",
        (401, _) => "unauthorized",
        (403, _) => "forbidden",
        (426, _) | (_, "wire_version") => "upgrade_required",
        (429, _) => "rate_limited",
        (500..=599, _) => "server_error",
        _ => "server_refused",
    }
}
