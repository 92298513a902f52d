//! Error pages: not found, refused and failed requests, each as one page in the
//! shared layout, and the one place that maps a handler's error to its page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use gridfield_core::i18n::Lang;

use super::auth::ConsoleUser;
use super::html::{Flash, Frame, Nav, render};
use super::msg::Msg;
use super::{Console, LangChoice};
use crate::error::ApiError;
use crate::rules::{self, Reject};

#[derive(Template)]
#[template(path = "console/message.html")]
struct MessagePage<'a> {
    frame: Frame<'a>,
    code: u16,
    text: String,
}

/// A page that only says something (not found, refused, failed).
pub fn message_text(
    lang: LangChoice,
    user: Option<&ConsoleUser>,
    status: StatusCode,
    text: String,
) -> Response {
    let mut frame = Frame::new(lang.lang, user, Nav::None, Msg::NotFound);
    frame.title = status.as_u16().to_string();
    let page = MessagePage {
        frame,
        code: status.as_u16(),
        text,
    };
    render(lang, status, &page)
}

pub fn message_page(
    lang: LangChoice,
    user: Option<&ConsoleUser>,
    status: StatusCode,
    msg: Msg,
) -> Response {
    message_text(lang, user, status, msg.text(lang.lang))
}

pub fn not_found(lang: LangChoice, user: Option<&ConsoleUser>) -> Response {
    message_page(lang, user, StatusCode::NOT_FOUND, Msg::NotFound)
}

/// A failed request's page: its message when the client can act on it, a
/// generic one (and a log line) when the server failed.
pub fn error_page(lang: LangChoice, user: Option<&ConsoleUser>, e: ApiError) -> Response {
    if e.status == StatusCode::NOT_FOUND {
        return not_found(lang, user);
    }
    let text = if e.status.is_server_error() {
        tracing::error!(code = %e.code, "{}", e.message);
        Msg::InternalError.text(lang.lang)
    } else {
        e.message.clone()
    };
    message_text(lang, user, e.status, text)
}

impl Console {
    /// The response of a page handler: its page, or the page for its error.
    pub fn finish(&self, r: Result<Response, ApiError>) -> Response {
        r.unwrap_or_else(|e| error_page(self.lang, Some(&self.user), e))
    }
}

/// A record outside the user's scope (or gone) is the same answer as no record.
pub fn missing() -> ApiError {
    ApiError::not_found("not found")
}

/// A refused decision, in the user's language, as an error that rolls back the
/// write transaction it was raised in.
pub fn refused(r: Reject, lang: Lang) -> ApiError {
    ApiError::unprocessable(r.code, if lang.is_en() { r.en } else { r.zh })
}

/// A rule's answer to a console decision: a refusal becomes an error in the
/// user's language (rolling back the write transaction), anything else maps as
/// the API maps it.
pub fn decided<T>(r: rules::Result<T>, lang: Lang) -> Result<T, ApiError> {
    match r {
        Ok(v) => Ok(v),
        Err(rules::Error::Refused(r)) => Err(refused(r, lang)),
        Err(e) => Err(e.into()),
    }
}

/// A flash message carried across a redirect by a short code.
pub fn flash_for(code: &str, lang: Lang) -> Option<Flash> {
    let msg = match code {
        "approved" => Msg::FlashApproved,
        "returned" => Msg::FlashReturned,
        "batch" => Msg::FlashBatch,
        "step" => Msg::FlashStep,
        "accepted" => Msg::FlashAccepted,
        "dismissed" => Msg::FlashDismissed,
        "done" => Msg::Triage(super::triage_msg::TriageMsg::QueueDone),
        _ => return None,
    };
    Some(Flash {
        ok: true,
        text: msg.text(lang),
    })
}
