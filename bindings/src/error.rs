//! The one public error of the bindings, and the single place that maps the core's
//! internal errors onto it. Every variant carries a stable `code` and a reason a
//! person can read, in Simplified Chinese and in English; none carries personal data.

use gridfield_core::Lang;
use gridfield_core::error::Error as CoreError;

/// What went wrong, grouped by what the app does about it.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum GridfieldError {
    /// The key from the keystore does not open this database (nothing was touched).
    #[error("{reason_en}")]
    WrongKey {
        code: String,
        reason: String,
        reason_en: String,
    },
    /// No store here yet (enroll first), or one already exists (do not enroll twice).
    #[error("{reason_en}")]
    Setup {
        code: String,
        reason: String,
        reason_en: String,
    },
    /// The phone's storage is full; nothing was saved.
    #[error("{reason_en}")]
    StorageFull {
        code: String,
        reason: String,
        reason_en: String,
    },
    /// The input does not fit (answers, text, photo too large, a refused hazard step,
    /// a forged plate given where a valid one is required…): show the reason, keep the form.
    #[error("{reason_en}")]
    InvalidInput {
        code: String,
        reason: String,
        reason_en: String,
    },
    #[error("{reason_en}")]
    NotFound {
        code: String,
        reason: String,
        reason_en: String,
    },
    /// This role may not do that (a volunteer inspecting, a worker verifying).
    #[error("{reason_en}")]
    NotPermitted {
        code: String,
        reason: String,
        reason_en: String,
    },
    /// Not enrolled, no network, or the server said no: everything stays on the phone.
    #[error("{reason_en}")]
    Sync {
        code: String,
        reason: String,
        reason_en: String,
        /// The server's HTTP status, 0 when it was not reached.
        http_status: u16,
    },
    /// An administrator revoked this device (a lost phone): its store and photos
    /// were wiped, unsynced work included. Show the reason, close the store and
    /// offer a fresh enrollment.
    #[error("{reason_en}")]
    Revoked {
        code: String,
        reason: String,
        reason_en: String,
    },
    /// The sync was cancelled; nothing was lost and it continues next time.
    #[error("{reason_en}")]
    Cancelled {
        code: String,
        reason: String,
        reason_en: String,
    },
    /// The app needs an update (the database is from a newer version).
    #[error("{reason_en}")]
    UpdateRequired {
        code: String,
        reason: String,
        reason_en: String,
    },
    /// A fault inside the app (database, file system): worth a bug report.
    #[error("{reason_en}")]
    Internal {
        code: String,
        reason: String,
        reason_en: String,
    },
}

impl GridfieldError {
    pub fn code(&self) -> &str {
        match self {
            GridfieldError::WrongKey { code, .. }
            | GridfieldError::Setup { code, .. }
            | GridfieldError::StorageFull { code, .. }
            | GridfieldError::InvalidInput { code, .. }
            | GridfieldError::NotFound { code, .. }
            | GridfieldError::NotPermitted { code, .. }
            | GridfieldError::Sync { code, .. }
            | GridfieldError::Revoked { code, .. }
            | GridfieldError::Cancelled { code, .. }
            | GridfieldError::UpdateRequired { code, .. }
            | GridfieldError::Internal { code, .. } => code,
        }
    }

    /// The reason in `lang`, for a shell that did not keep both.
    pub fn reason(&self, lang: Lang) -> &str {
        let (zh, en) = match self {
            GridfieldError::WrongKey {
                reason, reason_en, ..
            }
            | GridfieldError::Setup {
                reason, reason_en, ..
            }
            | GridfieldError::StorageFull {
                reason, reason_en, ..
            }
            | GridfieldError::InvalidInput {
                reason, reason_en, ..
            }
            | GridfieldError::NotFound {
                reason, reason_en, ..
            }
            | GridfieldError::NotPermitted {
                reason, reason_en, ..
            }
            | GridfieldError::Sync {
                reason, reason_en, ..
            }
            | GridfieldError::Revoked {
                reason, reason_en, ..
            }
            | GridfieldError::Cancelled {
                reason, reason_en, ..
            }
            | GridfieldError::UpdateRequired {
                reason, reason_en, ..
            }
            | GridfieldError::Internal {
                reason, reason_en, ..
            } => (reason, reason_en),
        };
        if lang == Lang::En { en } else { zh }
    }

    pub(crate) fn invalid(code: &str, zh: &str, en: &str) -> Self {
        GridfieldError::InvalidInput {
            code: code.into(),
            reason: zh.into(),
            reason_en: en.into(),
        }
    }
}

impl From<CoreError> for GridfieldError {
    fn from(e: CoreError) -> Self {
        let code = e.code().to_string();
        let reason = e.message(Lang::Zh);
        let reason_en = e.message(Lang::En);
        match e {
            CoreError::WrongKey => GridfieldError::WrongKey {
                code,
                reason,
                reason_en,
            },
            CoreError::NotInitialised(_) | CoreError::AlreadyInitialised(_) => {
                GridfieldError::Setup {
                    code,
                    reason,
                    reason_en,
                }
            }
            CoreError::DiskFull => GridfieldError::StorageFull {
                code,
                reason,
                reason_en,
            },
            CoreError::SchemaTooNew { .. } => GridfieldError::UpdateRequired {
                code,
                reason,
                reason_en,
            },
            CoreError::Plate(_)
            | CoreError::Answers(_)
            | CoreError::Transition(_)
            | CoreError::Photo(_)
            | CoreError::Invalid { .. }
            | CoreError::Json(_)
            | CoreError::Template(_) => GridfieldError::InvalidInput {
                code,
                reason,
                reason_en,
            },
            CoreError::NotFound { .. } => GridfieldError::NotFound {
                code,
                reason,
                reason_en,
            },
            CoreError::NotPermitted(_) => GridfieldError::NotPermitted {
                code,
                reason,
                reason_en,
            },
            CoreError::Network(_) | CoreError::NotEnrolled | CoreError::SyncInProgress => {
                GridfieldError::Sync {
                    code,
                    reason,
                    reason_en,
                    http_status: 0,
                }
            }
            CoreError::Server { status, .. } => GridfieldError::Sync {
                code,
                reason,
                reason_en,
                http_status: status,
            },
            CoreError::Revoked => GridfieldError::Revoked {
                code,
                reason,
                reason_en,
            },
            CoreError::Cancelled => GridfieldError::Cancelled {
                code,
                reason,
                reason_en,
            },
            CoreError::Sqlite(_) | CoreError::Io(_) => GridfieldError::Internal {
                code,
                reason,
                reason_en,
            },
        }
    }
}

pub type Result<T, E = GridfieldError> = std::result::Result<T, E>;
