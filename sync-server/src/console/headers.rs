//! Security headers on every response of the server (console pages, the sign-in
//! form, error pages, static files, photos and the API alike), set by one
//! middleware layer: a strict Content-Security-Policy (scripts, styles and
//! images from the server itself only; no inline script or style, no plugins, no
//! framing), nosniff, no cross-site referrer, and HSTS when served over HTTPS.

use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;

use super::AppState;

/// The console's pages load `console.js` and `console.css` from the server and
/// photos from `/console/photos/`; the charts and door-plate QR codes are inline
/// SVG elements, which need no source of their own.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// A year, as browsers and preload lists expect.
pub const HSTS: &str = "max-age=31536000";

pub async fn security_headers(State(s): State<AppState>, mut r: Response) -> Response {
    let h = r.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    match &s.console.map_tiles {
        // The map's tile host may serve images too.
        Some(t) => {
            h.insert(header::CONTENT_SECURITY_POLICY, t.csp.clone());
        }
        None => set(h, header::CONTENT_SECURITY_POLICY, CSP),
    }
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    if s.console.secure_cookie {
        set(h, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    r
}
