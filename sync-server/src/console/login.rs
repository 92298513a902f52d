//! Signing in and out of the console. The password checks and sessions live in
//! `auth`; this is the form, its cookies and the brake on guessing: per account
//! and client address, a few failures are free, then growing delays answered
//! 429 with `Retry-After` (`crate::throttle`).

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::cookies::{clear_session, set_session};
use super::errors::error_page;
use super::forms::{Pairs, Params};
use super::html::{Flash, Frame, Nav, render};
use super::msg::Msg;
use super::{AppState, Console, LangChoice, auth, blocking, csrf, redirect};
use crate::api::client::ClientAddr;
use crate::rules::now_ms;
use crate::throttle::RetryAfter;

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage<'a> {
    frame: Frame<'a>,
    next: &'a str,
}

fn login_page(lang: LangChoice, error: Option<Msg>, next: &str, status: StatusCode) -> Response {
    let l = lang.lang;
    let page = LoginPage {
        frame: Frame::new(l, None, Nav::None, Msg::SignIn)
            .with_flash(error.map(|m| Flash::err(m.text(l)))),
        next,
    };
    render(lang, status, &page)
}

pub async fn form(lang: LangChoice, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    login_page(
        lang,
        None,
        p.get("next").unwrap_or("/console"),
        StatusCode::OK,
    )
}

/// Only our own pages are valid targets after signing in.
fn safe_next(n: Option<&str>) -> String {
    match n {
        Some(n) if n.starts_with("/console") && !n.contains("//") && !n.contains('\\') => {
            n.to_string()
        }
        _ => "/console".to_string(),
    }
}

/// The sign-in form again, 429 with `Retry-After`: this account from this
/// client failed too often just now.
fn throttled(lang: LangChoice, next: &str, r: RetryAfter) -> Response {
    let mut page = login_page(
        lang,
        Some(Msg::TooManyAttempts { seconds: r.seconds }),
        next,
        StatusCode::TOO_MANY_REQUESTS,
    );
    page.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(r.seconds));
    page
}

pub async fn submit(
    State(s): State<AppState>,
    client: ClientAddr,
    lang: LangChoice,
    Form(f): Form<Pairs>,
) -> Response {
    let p = Params(f);
    let next = safe_next(p.get("next"));
    let (Some(user), Some(pw)) = (
        p.get("user"),
        p.0.iter()
            .find(|(k, _)| k == "password")
            .map(|(_, v)| v.clone()),
    ) else {
        return login_page(
            lang,
            Some(Msg::EnterCredentials),
            &next,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let user = user.to_string();
    // Keyed by the name as typed, known or not, so the answers cannot tell them apart.
    let key = format!("{}|{user}", client.key());
    if let Err(r) = s.throttles.login.attempt(&key, now_ms()) {
        return throttled(lang, &next, r);
    }
    let s2 = s.clone();
    let res = blocking(move || {
        let policy = s2.console.auth.clone();
        let addr = client.0.to_string();
        s2.db
            .write(|tx| auth::login(tx, &policy, &user, &pw, &addr))
    })
    .await;
    match res {
        Ok(Ok(token)) => {
            s.throttles.login.succeeded(&key);
            let mut r = redirect(&next);
            set_session(
                &mut r,
                &token,
                s.console.auth.session_ms / 1000,
                s.console.secure_cookie,
            );
            lang.apply(r)
        }
        // The attempt stays counted as a failure; its delay runs from now.
        Ok(Err(auth::LoginError::BadCredentials)) => {
            s.throttles.login.failed(&key, now_ms());
            login_page(
                lang,
                Some(Msg::WrongCredentials),
                &next,
                StatusCode::UNAUTHORIZED,
            )
        }
        Err(e) => error_page(lang, None, e),
    }
}

pub async fn logout(State(s): State<AppState>, c: Console, Form(f): Form<Pairs>) -> Response {
    if let Err(r) = csrf::check(&c, &Params(f)) {
        return *r;
    }
    let token = c.token.clone();
    if let Err(e) = blocking(move || s.db.write(|tx| auth::logout(tx, &token))).await {
        return error_page(c.lang, Some(&c.user), e);
    }
    let mut r = redirect("/console/login");
    clear_session(&mut r);
    r
}
