//! Cookies the console sets and reads: the session token and the chosen
//! language (`?lang=` remembered for a year).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use gridfield_core::i18n::Lang;

pub const SESSION_COOKIE: &str = "gf_session";
pub const LANG_COOKIE: &str = "gf_lang";

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Start a session in the browser: the token, for `max_age_s`, HTTPS only when asked.
pub fn set_session(r: &mut Response, token: &str, max_age_s: i64, secure: bool) {
    let c = format!(
        "{SESSION_COOKIE}={token}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub fn clear_session(r: &mut Response) {
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "gf_session=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
}

/// The language: `?lang=` (remembered in a cookie), else the cookie, else Chinese.
#[derive(Clone, Copy)]
pub struct LangChoice {
    pub lang: Lang,
    /// Set when `?lang=` asked for it, so the response remembers it.
    pub remember: bool,
}

impl LangChoice {
    pub(crate) fn from_parts(parts: &Parts) -> LangChoice {
        let q = parts.uri.query().unwrap_or("");
        if let Some(l) = q
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::parse(v))
        {
            return LangChoice {
                lang: l,
                remember: true,
            };
        }
        LangChoice {
            lang: cookie(&parts.headers, LANG_COOKIE)
                .and_then(|v| Lang::parse(&v))
                .unwrap_or_default(),
            remember: false,
        }
    }

    /// Add the language cookie to a response when it was just chosen.
    pub fn apply(self, mut r: Response) -> Response {
        if self.remember {
            let v = format!(
                "{LANG_COOKIE}={}; Path=/console; Max-Age=31536000; SameSite=Strict",
                if self.lang.is_en() { "en" } else { "zh" }
            );
            if let Ok(v) = HeaderValue::from_str(&v) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        r
    }
}

impl<S: Send + Sync> FromRequestParts<S> for LangChoice {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        Ok(LangChoice::from_parts(parts))
    }
}
