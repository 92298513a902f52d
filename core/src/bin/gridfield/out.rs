//! Output: readable Chinese (or English) for people, JSON for scripts; and the
//! CLI's failure type, which keeps system detail (OS and library messages, in
//! English) out of Chinese text.

use gridfield_core::photo::PhotoError;
use gridfield_core::{Error, Lang};
use serde::Serialize;

use crate::catalog::Msg;

/// Why a command failed: the core refused or broke, or the CLI's own input check
/// refused (JSON code `invalid`, as when these were core `Invalid` errors).
#[derive(Debug)]
pub enum Failure {
    Core(Error),
    Refused(Msg),
}

pub type Outcome<T> = std::result::Result<T, Failure>;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

impl From<Msg> for Failure {
    fn from(m: Msg) -> Self {
        Failure::Refused(m)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Core(e.into())
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Failure::Core(e.into())
    }
}

impl From<gridfield_core::plate::PlateError> for Failure {
    fn from(e: gridfield_core::plate::PlateError) -> Self {
        Failure::Core(e.into())
    }
}

impl Failure {
    fn code(&self) -> &'static str {
        match self {
            Failure::Core(e) => e.code(),
            Failure::Refused(_) => "invalid",
        }
    }

    /// The message in `lang`: the core's, made more precise where the CLI knows
    /// what happened to a file (the system's detail stays in logs, in no language).
    pub fn message(&self, lang: Lang) -> String {
        let e = match self {
            Failure::Refused(m) => return m.text(lang),
            Failure::Core(e) => e,
        };
        let msg = match e {
            Error::Io(io) => match io.kind() {
                std::io::ErrorKind::NotFound => Msg::FileNotFound,
                std::io::ErrorKind::PermissionDenied => Msg::FileDenied,
                _ => Msg::FileFailed,
            },
            Error::Json(j) => Msg::BadJson {
                line: j.line(),
                column: j.column(),
            },
            Error::Sqlite(_) => Msg::DatabaseFailed,
            Error::Network(_) => Msg::NetworkFailed,
            Error::Photo(PhotoError::Io(_)) => Msg::PhotoIoFailed,
            _ => return e.message(lang),
        };
        msg.text(lang)
    }
}

pub fn json<T: Serialize>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("serializable output")
    );
}

/// One line on stderr; with --json also a JSON object on stdout for scripts.
pub fn error(e: &Failure, lang: Lang, as_json: bool) {
    let prefix = Msg::ErrorPrefix.text(lang);
    eprintln!("{prefix}: {}", e.message(lang).replace('\n', "; "));
    if as_json {
        println!(
            "{}",
            serde_json::json!({ "error": e.code(), "message": e.message(lang) })
        );
    }
}

/// A label and its value on one line.
pub fn row(label: Msg, lang: Lang, value: impl std::fmt::Display) {
    println!("{}: {value}", label.text(lang));
}

/// A deadline given as a date means the end of that day, China time.
pub fn parse_date_end_of_day(s: &str) -> Outcome<i64> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| Msg::BadDate {
        value: s.to_string(),
    })?;
    let t = d.and_hms_milli_opt(23, 59, 59, 999).expect("valid time");
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    Ok(t.and_local_timezone(tz)
        .single()
        .expect("fixed offset is unambiguous")
        .timestamp_millis())
}

pub fn fmt_time(ms: i64) -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| ms.to_string())
}

pub fn fmt_date(ms: i64) -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| ms.to_string())
}
