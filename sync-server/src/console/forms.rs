//! Reading console forms and the checks the pages make on what was typed:
//! dates, deadlines and uploaded photos. The checks are pure functions (to move
//! into the domain rules); `read_multipart` is the HTTP side.

use axum::extract::Multipart;
use axum::http::StatusCode;

use super::msg::Msg;
use super::query::{DAY_MS, TZ_OFFSET_MS};

pub type Pairs = Vec<(String, String)>;

/// Query or form fields by name; blank values count as absent.
#[derive(Default)]
pub struct Params(pub Pairs);

impl Params {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub fn all(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Present at all, even blank.
    pub fn has(&self, k: &str) -> bool {
        self.0.iter().any(|(n, _)| n == k)
    }

    pub fn page(&self) -> i64 {
        self.get("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0i64)
            .clamp(0, 1_000_000)
    }
}

/// `yyyy-mm-dd` (a local day) → its first millisecond, China Standard Time.
pub fn parse_date(s: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis() - TZ_OFFSET_MS)
}

/// A rectification deadline typed as a date: due by the end of that day, and
/// not before today.
pub fn deadline(typed: &str, now: i64) -> Result<i64, Msg> {
    let start = parse_date(typed).ok_or(Msg::DeadlineFormat)?;
    let today = ((now + TZ_OFFSET_MS) / DAY_MS) * DAY_MS - TZ_OFFSET_MS;
    if start < today {
        return Err(Msg::DeadlinePast {
            today: super::html::date(now),
        });
    }
    Ok(start + DAY_MS - 1)
}

/// An uploaded photo: at most `max_bytes`, and an image by its bytes (never by
/// what the browser declared). Returns its MIME type.
pub fn photo(bytes: &[u8], max_bytes: u64) -> Result<&'static str, (StatusCode, Msg)> {
    if bytes.len() as u64 > max_bytes {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            Msg::PhotoTooLarge {
                mb: max_bytes / 1_048_576,
            },
        ));
    }
    gridfield_core::photo::sniff_mime(bytes)
        .ok_or((StatusCode::UNPROCESSABLE_ENTITY, Msg::PhotoType))
}

/// Read a multipart form: text fields, and at most one photo (bytes). A body over
/// the transport limit is an error with its own message.
pub async fn read_multipart(mut m: Multipart) -> Result<(Params, Option<Vec<u8>>), Msg> {
    let mut fields = Vec::new();
    let mut photo = None;
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(Msg::UploadTooLarge);
            }
            Err(_) => return Err(Msg::FormUnreadable),
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "photo" {
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Msg::UploadTooLarge
                } else {
                    Msg::PhotoUploadFailed
                }
            })?;
            if !bytes.is_empty() {
                photo = Some(bytes.to_vec());
            }
        } else {
            let text = field.text().await.map_err(|_| Msg::UploadTooLarge)?;
            fields.push((name, text));
        }
    }
    Ok((Params(fields), photo))
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAN_2_2024_NOON_CST: i64 = 1_704_168_000_000;

    #[test]
    fn dates_are_local_days() {
        // 2024-01-02 00:00 in China is 2024-01-01 16:00 UTC.
        assert_eq!(parse_date("2024-01-02"), Some(1_704_124_800_000));
        assert_eq!(parse_date(" 2024-01-02 "), parse_date("2024-01-02"));
        assert_eq!(parse_date("2024/01/02"), None);
        assert_eq!(parse_date("2024-02-30"), None);
    }

    #[test]
    fn deadlines_end_the_day_and_not_in_the_past() {
        let now = JAN_2_2024_NOON_CST;
        let today = parse_date("2024-01-02").unwrap();
        assert_eq!(deadline("2024-01-02", now), Ok(today + DAY_MS - 1));
        assert_eq!(
            deadline("2024-01-01", now),
            Err(Msg::DeadlinePast {
                today: "2024-01-02".into()
            })
        );
        assert_eq!(deadline("soon", now), Err(Msg::DeadlineFormat));
    }

    #[test]
    fn photos_by_size_and_bytes() {
        let png = include_bytes!("../../../core/tests/fixtures/signature.png");
        assert_eq!(photo(png, 1 << 20), Ok("image/png"));
        // A PNG signature in front of anything else is no photo.
        assert_eq!(
            photo(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 1024),
            Err((StatusCode::UNPROCESSABLE_ENTITY, Msg::PhotoType))
        );
        assert_eq!(
            photo(png, 4),
            Err((StatusCode::PAYLOAD_TOO_LARGE, Msg::PhotoTooLarge { mb: 0 }))
        );
        assert_eq!(
            photo(b"<svg></svg>", 1024),
            Err((StatusCode::UNPROCESSABLE_ENTITY, Msg::PhotoType))
        );
    }

    #[test]
    fn params_treat_blank_as_absent() {
        let p = Params(vec![("a".into(), " ".into()), ("b".into(), "x".into())]);
        assert_eq!(p.get("a"), None);
        assert!(p.has("a"));
        assert_eq!(p.get("b"), Some("x"));
        assert_eq!(p.page(), 0);
    }
}
