//! The supervisor web console under `/console`: server-rendered HTML for review,
//! hazards, reports, door plates, dashboard, conflicts, audit and exports.
//! Handlers are thin; reads live in `query`, decisions go through `rules` exactly
//! as a device's commands do, so their results reach phones by pull.

mod addresses;
pub mod auth;
mod case_charts;
mod case_msg;
mod case_page;
mod case_query;
mod cases;
pub mod chart;
mod cookies;
mod coverage;
pub mod coverage_cache;
mod coverage_query;
mod csrf;
mod dashboard;
mod dashboard_query;
mod describe;
mod downloads;
mod errors;
pub mod export;
mod forms;
mod hazards;
pub mod headers;
pub mod html;
mod input;
mod inspections;
mod list;
mod login;
mod logs;
mod map;
pub(crate) mod map_msg;
pub mod msg;
mod points;
mod points_msg;
pub mod query;
mod records_msg;
mod reports;
mod template_form;
mod template_msg;
mod templates;
mod triage_msg;
mod visit_msg;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::error::{ApiError, Result};
use crate::server::Server;
use auth::{AuthPolicy, ConsoleUser};
pub use cookies::{LANG_COOKIE, LangChoice, SESSION_COOKIE, cookie};
use errors::{error_page, message_page};
pub use map::MapTiles;
use msg::Msg;

pub type AppState = Arc<Server>;

/// Console settings (`serve --secure-cookie --escalate-after-hours N`).
#[derive(Debug, Clone)]
pub struct Config {
    /// Add `Secure` to the session cookie (set it when served over HTTPS).
    pub secure_cookie: bool,
    /// An overdue hazard escalates one grid level up per this much time past its deadline.
    pub escalate_after_ms: i64,
    /// Reports at one address and of one category this close in time are flagged
    /// as possible duplicates in the inbox.
    pub duplicate_window_ms: i64,
    /// Inspections shorter than this are flagged in the review queue.
    pub min_inspection_ms: i64,
    pub auth: AuthPolicy,
    /// The map's base-map tiles (`serve --map-tiles`); none draws polygons alone.
    pub map_tiles: Option<MapTiles>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookie: false,
            escalate_after_ms: 48 * 3600 * 1000,
            duplicate_window_ms: gridfield_core::report::DUPLICATE_WINDOW_MS,
            min_inspection_ms: 5 * 60 * 1000,
            auth: AuthPolicy::default(),
            map_tiles: None,
        }
    }
}

/// Console form bodies may carry one photo; larger bodies are refused before
/// parsing, smaller ones over the photo limit get a clear message on the page.
pub const MAX_FORM_BYTES: usize = 24 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        // The server's own address leads a person who typed it to the console.
        .route("/", get(|| async { redirect("/console") }))
        .route("/console", get(dashboard::page))
        .route("/console/", get(dashboard::page))
        .route("/console/login", get(login::form).post(login::submit))
        .route("/console/logout", post(login::logout))
        .route("/console/inspections", get(inspections::list))
        .route(
            "/console/inspections/batch",
            post(inspections::batch_approve),
        )
        .route("/console/inspections/{id}", get(inspections::show))
        .route(
            "/console/inspections/{id}/review",
            post(inspections::review),
        )
        .route("/console/hazards", get(hazards::list))
        .route("/console/hazards/{id}", get(hazards::show))
        .route("/console/hazards/{id}/step", post(hazards::step))
        .route("/console/cases", get(cases::list))
        .route("/console/cases/intake", get(cases::intake))
        .route("/console/cases/inbox", get(cases::inbox))
        .route("/console/cases/overdue", get(cases::overdue))
        .route("/console/cases/export/{file}", get(cases::export))
        .route("/console/cases/{id}", get(case_page::show))
        .route("/console/cases/{id}/step", post(case_page::step))
        .route("/console/reports", get(reports::list))
        .route("/console/reports/{id}", get(reports::show))
        .route("/console/reports/{id}/decide", post(reports::decide))
        .route("/console/coverage", get(coverage::page))
        .route("/console/coverage/list", get(coverage::list))
        .route("/console/coverage/export/{file}", get(coverage::export))
        .route(
            "/console/reports/{id}/category",
            post(reports::recategorise),
        )
        .route("/console/points", get(points::page))
        .route("/console/points/{id}/approve", post(points::approve))
        .route("/console/points/settlement/{file}", get(points::settlement))
        .route("/console/shop", get(points::shop).post(points::present))
        .route("/console/addresses", get(addresses::list))
        .route(
            "/console/addresses/export.csv",
            get(addresses::export_entities),
        )
        .route("/console/addresses/{code}", get(addresses::show))
        .route("/console/addresses/{code}/reveal", post(addresses::reveal))
        .route("/console/plates", get(addresses::plates))
        .route("/console/templates", get(templates::list))
        .route("/console/templates/new", post(templates::create))
        .route("/console/templates/import", post(templates::import))
        .route(
            "/console/templates/{id}/edit",
            get(templates::edit).post(templates::save),
        )
        .route("/console/templates/{id}/export", get(templates::export))
        .route("/console/templates/{id}/retire", post(templates::retire))
        .route("/console/conflicts", get(logs::conflicts))
        .route("/console/conflicts/{id}/keep-other", post(logs::keep_other))
        .route("/console/audit", get(logs::audit))
        .route("/console/audit/export.csv", get(logs::audit_export))
        .route("/console/export/{file}", get(downloads::export))
        .route("/console/photos/{hash}", get(downloads::photo))
        .route("/console/static/console.css", get(css))
        .route("/console/static/console.js", get(js))
        .route("/console/map", get(map::page))
        .route("/console/map/data", get(map::data_json))
        .route("/console/static/map.js", get(map::map_js))
        .route(
            "/console/static/vendor/leaflet/leaflet.js",
            get(map::leaflet_js),
        )
        .route(
            "/console/static/vendor/leaflet/leaflet.css",
            get(map::leaflet_css),
        )
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::from_fn(input::refuse_control_characters))
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
            (Some(user), Some(token)) => {
                if user.is_department() && !department_may_open(parts.uri.path()) {
                    let p = parts.uri.path();
                    if parts.method == axum::http::Method::GET
                        && (p == "/console" || p == "/console/")
                    {
                        return Err(redirect("/console/cases/inbox"));
                    }
                    return Err(message_page(
                        lang,
                        Some(&user),
                        StatusCode::NOT_FOUND,
                        Msg::NotFound,
                    ));
                }
                Ok(Console { user, lang, token })
            }
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
                        Msg::SessionEnded,
                    ))
                }
            }
        }
    }
}

/// A department user (职能部门) sees the cases dispatched to their department and
/// nothing else of the grid: no hazards, inspections, registers, logs or exports.
fn department_may_open(path: &str) -> bool {
    path == "/console/cases"
        || path.starts_with("/console/cases/")
        || path.starts_with("/console/photos/")
        || path == "/console/logout"
}

pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}
