//! Cross-site request forgery: every console form carries the session's CSRF
//! token, and every POST handler checks it before doing anything.

use axum::http::StatusCode;
use axum::response::Response;

use super::Console;
use super::errors::message_page;
use super::forms::Params;
use super::msg::Msg;

/// Constant-time comparison of the form's CSRF token with the session's.
pub fn csrf_ok(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The form's token matches the session's, or the page that says it expired.
pub fn check(c: &Console, p: &Params) -> Result<(), Box<Response>> {
    if csrf_ok(&c.user.csrf, p.get("csrf").unwrap_or("")) {
        Ok(())
    } else {
        Err(Box::new(message_page(
            c.lang,
            Some(&c.user),
            StatusCode::FORBIDDEN,
            Msg::CsrfFailed,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_compare() {
        assert!(csrf_ok("abc", "abc"));
        assert!(!csrf_ok("abc", "abd"));
        assert!(!csrf_ok("abc", "ab"));
        assert!(!csrf_ok("", ""));
    }
}
