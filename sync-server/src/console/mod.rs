//! The supervisor web console under `/console`: server-rendered HTML for review,
//! hazards, reports, door plates, dashboard, conflicts, audit and exports.
//! Handlers are thin; reads live in `query`, decisions go through `logic` exactly
//! as a device's commands do, so their results reach phones by pull.

pub mod auth;
pub mod chart;
pub mod export;
pub mod html;
mod pages;
pub mod query;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use gridfield_core::i18n::Lang;

use crate::error::{ApiError, Result};
use crate::logic::{Reject, Server};
use auth::{AuthPolicy, ConsoleUser};
use html::{Flash, Nav, esc, t};

pub type AppState = Arc<Server>;

/// Console settings (`serve --secure-cookie --escalate-after-hours N`).
#[derive(Debug, Clone)]
pub struct Config {
    /// Add `Secure` to the session cookie (set it when served over HTTPS).
    pub secure_cookie: bool,
    /// An overdue hazard escalates one grid level up per this much time past its deadline.
    pub escalate_after_ms: i64,
    pub auth: AuthPolicy,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookie: false,
            escalate_after_ms: 48 * 3600 * 1000,
            auth: AuthPolicy::default(),
        }
    }
}

/// Console form bodies may carry one photo; larger bodies are refused before
/// parsing, smaller ones over the photo limit get a clear message on the page.
pub const MAX_FORM_BYTES: usize = 24 * 1024 * 1024;
pub const SESSION_COOKIE: &str = "gf_session";
pub const LANG_COOKIE: &str = "gf_lang";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(pages::dashboard))
        .route("/console/", get(pages::dashboard))
        .route("/console/login", get(pages::login_form).post(pages::login))
        .route("/console/logout", post(pages::logout))
        .route("/console/inspections", get(pages::inspections))
        .route("/console/inspections/batch", post(pages::batch_approve))
        .route("/console/inspections/{id}", get(pages::inspection))
        .route("/console/inspections/{id}/review", post(pages::review))
        .route("/console/hazards", get(pages::hazards))
        .route("/console/hazards/{id}", get(pages::hazard))
        .route("/console/hazards/{id}/step", post(pages::hazard_step))
        .route("/console/reports", get(pages::reports))
        .route("/console/reports/{id}", get(pages::report))
        .route("/console/reports/{id}/decide", post(pages::decide_report))
        .route("/console/addresses", get(pages::addresses))
        .route("/console/addresses/{code}", get(pages::address))
        .route("/console/plates", get(pages::plates))
        .route("/console/conflicts", get(pages::conflicts))
        .route("/console/audit", get(pages::audit))
        .route("/console/export/{file}", get(pages::export))
        .route("/console/photos/{hash}", get(pages::photo))
        .route("/console/static/console.css", get(css))
        .route("/console/static/console.js", get(js))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("static/console.css"),
    )
        .into_response()
}

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("static/console.js"),
    )
        .into_response()
}

/// Run blocking storage work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("task: {e}")))?
}

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

/// The language: `?lang=` (remembered in a cookie), else the cookie, else Chinese.
#[derive(Clone, Copy)]
pub struct LangChoice {
    pub lang: Lang,
    /// Set when `?lang=` asked for it, so the response remembers it.
    pub remember: bool,
}

impl LangChoice {
    fn from_parts(parts: &Parts) -> LangChoice {
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

/// A signed-in console user with the language of the request. Without a live
/// session, pages redirect to the sign-in form (and POSTs are refused).
pub struct Console {
    pub user: ConsoleUser,
    pub lang: LangChoice,
    pub token: String,
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Response> {
        let lang = LangChoice::from_parts(parts);
        let token = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty());
        let user = match token.clone() {
            Some(tok) => {
                let s = state.clone();
                blocking(move || s.db.read(|tx| auth::session_user(tx, &tok)))
                    .await
                    .map_err(|e| error_page(lang, None, e))?
            }
            None => None,
        };
        match (user, token) {
            (Some(user), Some(token)) => Ok(Console { user, lang, token }),
            _ => {
                if parts.method == axum::http::Method::GET {
                    let next = parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str())
                        .unwrap_or("/console");
                    Err(redirect(&format!(
                        "/console/login?next={}",
                        html::url(next)
                    )))
                } else {
                    Err(message_page(
                        lang,
                        None,
                        StatusCode::UNAUTHORIZED,
                        t(
                            lang.lang,
                            "登录已失效，请重新登录。",
                            "Your session ended; please sign in again.",
                        ),
                    ))
                }
            }
        }
    }
}

pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

pub fn html_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// A page that only says something (not found, refused, failed).
pub fn message_page(
    lang: LangChoice,
    user: Option<&ConsoleUser>,
    status: StatusCode,
    text: &str,
) -> Response {
    let body = format!(
        "<section class=\"card\"><h1>{}</h1><p>{}</p><p><a href=\"/console\">{}</a></p></section>",
        status.as_u16(),
        esc(text),
        t(lang.lang, "返回概览", "Back to the dashboard")
    );
    lang.apply(html_response(
        status,
        html::page(
            lang.lang,
            user,
            Nav::None,
            &status.as_u16().to_string(),
            None,
            &body,
        ),
    ))
}

pub fn not_found(lang: LangChoice, user: Option<&ConsoleUser>) -> Response {
    message_page(
        lang,
        user,
        StatusCode::NOT_FOUND,
        t(
            lang.lang,
            "没有找到该记录，或它不在您的网格范围内。",
            "Not found, or outside your grids.",
        ),
    )
}

pub fn error_page(lang: LangChoice, user: Option<&ConsoleUser>, e: ApiError) -> Response {
    let text = if e.status.is_server_error() {
        tracing::error!(code = %e.code, "{}", e.message);
        t(
            lang.lang,
            "服务器内部错误，请稍后重试。",
            "Internal server error; please try again.",
        )
        .to_string()
    } else {
        e.message.clone()
    };
    message_page(lang, user, e.status, &text)
}

/// A refused decision, in the user's language, as an error that rolls back the
/// write transaction it was raised in.
pub fn refused(r: Reject, lang: Lang) -> ApiError {
    ApiError::unprocessable(r.code, if lang.is_en() { r.en } else { r.zh })
}

/// A flash message carried across a redirect by a short code.
pub fn flash_for(code: &str, lang: Lang) -> Option<Flash> {
    let ok = |zh: &str, en: &str| {
        Some(Flash {
            ok: true,
            text: lang.pick(zh, en).to_string(),
        })
    };
    match code {
        "approved" => ok("已审核通过。", "Approved."),
        "returned" => ok(
            "已退回，意见将在下次同步时送达网格员。",
            "Returned; the comment reaches the worker at the next sync.",
        ),
        "batch" => ok("已批量审核通过。", "Approved the selected inspections."),
        "step" => ok("隐患已更新。", "Hazard updated."),
        "accepted" => ok("上报已采纳。", "Report accepted."),
        "dismissed" => ok(
            "上报未采纳，原因将在下次同步时送达志愿者。",
            "Report dismissed; the volunteer sees the reason at the next sync.",
        ),
        _ => None,
    }
}
