//! What the console accepts in a request's path and query string: no control
//! characters (PostgreSQL refuses NUL in text, and none belongs in a search or a
//! filter) and nothing that does not decode to UTF-8. Checked once, for every
//! console route, before any handler can pass a value on to SQL.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::LangChoice;
use super::errors::message_page;
use super::msg::Msg;

/// Percent-decoded `s` (`+` as a space) is UTF-8 without control characters.
pub fn clean(s: &str) -> bool {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' && i + 2 < b.len() {
            match std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(v) => {
                    out.push(v);
                    i += 3;
                    continue;
                }
                None => out.push(c),
            }
        } else {
            out.push(if c == b'+' { b' ' } else { c });
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(text) => !text.chars().any(char::is_control),
        Err(_) => false,
    }
}

/// Refuse a request whose path or query carries a control character, with a
/// page that says so (400) instead of an error from the database.
pub async fn refuse_control_characters(req: Request, next: Next) -> Response {
    let uri = req.uri();
    if clean(uri.path()) && clean(uri.query().unwrap_or("")) {
        return next.run(req).await;
    }
    let (parts, _) = req.into_parts();
    message_page(
        LangChoice::from_parts(&parts),
        None,
        StatusCode::BAD_REQUEST,
        Msg::ControlCharacters,
    )
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn control_characters_and_broken_utf8_are_not_clean() {
        for ok in [
            "q=%E5%BB%BA%E8%AE%BE%E8%B7%AF",
            "q=a+b&grid=320583",
            "",
            "q=100%",
            "q=%zz",
        ] {
            assert!(clean(ok), "{ok}");
        }
        for bad in [
            "q=%00",
            "q=a%0Ab",
            "q=%1F",
            "q=%7F",
            "q=%C2%85",
            "q=%FF",
            "/console/addresses/a%00",
        ] {
            assert!(!clean(bad), "{bad}");
        }
    }
}
