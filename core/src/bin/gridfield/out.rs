//! Output: readable Chinese (or English) for people, JSON for scripts.

use gridfield_core::error::{Input, Invalid};
use gridfield_core::{Error, Lang};
use serde::Serialize;

pub fn json<T: Serialize>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("serializable output")
    );
}

/// One line on stderr; with --json also a JSON object on stdout for scripts.
pub fn error(e: &Error, lang: Lang, as_json: bool) {
    let prefix = lang.pick("错误", "error");
    eprintln!("{prefix}: {}", e.message(lang).replace('\n', "; "));
    if as_json {
        println!(
            "{}",
            serde_json::json!({ "error": e.code(), "message": e.message(lang) })
        );
    }
}

/// A deadline given as a date means the end of that day, China time.
pub fn parse_date_end_of_day(s: &str) -> Result<i64, Error> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid(Input::Date, Invalid::BadDate))?;
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
