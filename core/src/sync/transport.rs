//! HTTP to the Gridfield server with retries: wire version and installation
//! headers on every request, the server's clock learned from every answer,
//! transient failures retried with exponential backoff and a cancel honoured.

use std::cell::Cell;
use std::time::Duration;

use serde::Serialize;

use super::CancelHandle;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::wire::{self, ErrorBody};

/// Largest response body accepted (a pull page).
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Get,
    Head,
    Post,
    Put,
}

impl Method {
    fn http(self) -> ureq::http::Method {
        match self {
            Method::Get => ureq::http::Method::GET,
            Method::Head => ureq::http::Method::HEAD,
            Method::Post => ureq::http::Method::POST,
            Method::Put => ureq::http::Method::PUT,
        }
    }
}

/// Attempts per request and the first backoff delay (doubling).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retry {
    pub attempts: u32,
    pub first_delay: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 4,
            first_delay: Duration::from_millis(200),
        }
    }
}

/// A whole response, read before the next request.
pub(super) struct Reply {
    pub(super) status: u16,
    headers: ureq::http::HeaderMap,
    pub(super) body: Vec<u8>,
}

impl Reply {
    pub(super) fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Server {
            status: self.status,
            code: "bad_response".into(),
            message: format!("unreadable answer: {e}"),
        })
    }

    pub(super) fn header_i64(&self, name: &str) -> Option<i64> {
        self.headers.get(name)?.to_str().ok()?.trim().parse().ok()
    }

    pub(super) fn offset(&self) -> Option<u64> {
        self.headers
            .get("upload-offset")?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    pub(super) fn error(&self) -> Error {
        match serde_json::from_slice::<ErrorBody>(&self.body) {
            Ok(b) => Error::Server {
                status: self.status,
                code: b.error,
                message: b.message,
            },
            Err(_) => {
                let text: String = String::from_utf8_lossy(&self.body)
                    .chars()
                    .take(200)
                    .collect();
                Error::Server {
                    status: self.status,
                    code: format!("http_{}", self.status),
                    message: text,
                }
            }
        }
    }
}

pub(super) struct Http<'a> {
    agent: ureq::Agent,
    base: String,
    auth: Option<String>,
    cancel: &'a CancelHandle,
    /// The device store this client speaks for: it numbers each request of this
    /// installation and learns the server's clock from each answer.
    store: Option<&'a Store>,
    retry: Retry,
    pub(super) bytes_up: Cell<u64>,
    pub(super) bytes_down: Cell<u64>,
}

impl<'a> Http<'a> {
    pub(super) fn new(base: &str, token: Option<&str>, cancel: &'a CancelHandle) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .http_status_as_error(false)
            .user_agent(concat!("gridfield-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Http {
            agent,
            base: base.trim_end_matches('/').to_string(),
            auth: token.map(|t| format!("Bearer {t}")),
            cancel,
            store: None,
            retry: Retry::default(),
            bytes_up: Cell::new(0),
            bytes_down: Cell::new(0),
        }
    }

    pub(super) fn linked(mut self, store: &'a Store) -> Self {
        self.store = Some(store);
        self
    }

    /// Another client for the same server (its connection pool shared), counting
    /// its own bytes: for a request made on another thread.
    pub(super) fn fork(&self) -> Http<'a> {
        Http {
            agent: self.agent.clone(),
            base: self.base.clone(),
            auth: self.auth.clone(),
            cancel: self.cancel,
            store: self.store,
            retry: self.retry,
            bytes_up: Cell::new(0),
            bytes_down: Cell::new(0),
        }
    }

    /// Send with retries: transport failures, 5xx and 429 are retried with
    /// exponential backoff; any other answer (2xx–4xx) is returned for the caller
    /// to judge. Gives up with `Network` or `Server` after the last attempt.
    pub(super) fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Reply> {
        let mut url = format!("{}{}", self.base, path);
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&percent_encode(k));
            url.push('=');
            url.push_str(&percent_encode(v));
        }
        let mut delay = self.retry.first_delay;
        let mut attempt = 1;
        loop {
            self.cancel.check()?;
            // Every attempt is a request of its own: a retry never repeats a number.
            let mut headers = headers.to_vec();
            let sent_raw = self.store.map(|s| s.raw_now());
            if let Some(s) = self.store {
                headers.push((wire::INSTALL_HEADER, s.request_id()?));
            }
            let outcome = self.once(method, &url, &headers, body);
            if let (Some(s), Some(sent), Ok(r)) = (self.store, sent_raw, &outcome)
                && let Some(t) = r.header_i64(wire::TIME_HEADER)
            {
                s.observe_server_time(t, sent, s.raw_now())?;
            }
            let last = attempt >= self.retry.attempts;
            match outcome {
                Ok(r) if r.status >= 500 || r.status == 429 => {
                    if last {
                        return Err(r.error());
                    }
                }
                Ok(r) => {
                    let Some(s) = self.store else { return Ok(r) };
                    // A HEAD answer has no body to say why it is refused: ask
                    // again with GET (refused just the same) to learn the reason.
                    let r = if method == Method::Head && r.status == 401 {
                        self.once(Method::Get, &url, &headers, None).unwrap_or(r)
                    } else {
                        r
                    };
                    super::revoked::check(s, &r)?;
                    return Ok(r);
                }
                Err(e) if transient(&e) => {
                    if last {
                        return Err(Error::Network(e.to_string()));
                    }
                }
                Err(e) => return Err(Error::Network(e.to_string())),
            }
            self.sleep(delay)?;
            delay *= 2;
            attempt += 1;
        }
    }

    fn once(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Reply, ureq::Error> {
        let mut b = ureq::http::Request::builder()
            .method(method.http())
            .uri(url)
            .header(wire::VERSION_HEADER, wire::WIRE_VERSION.to_string());
        if let Some(a) = &self.auth {
            b = b.header("authorization", a);
        }
        if body.is_some()
            && !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            b = b.header("content-type", "application/json");
        }
        for (k, v) in headers {
            b = b.header(*k, v);
        }
        let mut resp = match body {
            Some(bytes) => {
                self.bytes_up.set(self.bytes_up.get() + bytes.len() as u64);
                self.agent.run(b.body(bytes)?)?
            }
            None => self.agent.run(b.body(())?)?,
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = if method == Method::Head {
            Vec::new()
        } else {
            resp.body_mut()
                .with_config()
                .limit(MAX_RESPONSE_BYTES)
                .read_to_vec()?
        };
        self.bytes_down
            .set(self.bytes_down.get() + body.len() as u64);
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// POST a JSON body and read a JSON answer; any other status than 200 is the
    /// server's error.
    pub(super) fn post_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T> {
        let reply = self.send(
            Method::Post,
            path,
            &[],
            &[],
            Some(&serde_json::to_vec(body)?),
        )?;
        if reply.status != 200 {
            return Err(reply.error());
        }
        reply.json()
    }

    /// Sleep for the backoff, waking early to honour a cancel.
    fn sleep(&self, d: Duration) -> Result<()> {
        let step = Duration::from_millis(25);
        let mut left = d;
        while !left.is_zero() {
            self.cancel.check()?;
            let s = left.min(step);
            std::thread::sleep(s);
            left -= s;
        }
        self.cancel.check()
    }
}

/// Worth another try: the request may not have arrived, or its answer was lost.
fn transient(e: &ureq::Error) -> bool {
    use std::io::ErrorKind as K;
    match e {
        // A compressed answer cut short fails inside the decoder; it is still a cut.
        ureq::Error::Decompress(_, io) => matches!(
            io.kind(),
            K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted | K::TimedOut
        ),
        ureq::Error::Io(io) => matches!(
            io.kind(),
            K::ConnectionRefused
                | K::ConnectionReset
                | K::ConnectionAborted
                | K::NotConnected
                | K::BrokenPipe
                | K::TimedOut
                | K::UnexpectedEof
                | K::Interrupted
                | K::WouldBlock
                | K::HostUnreachable
                | K::NetworkUnreachable
                | K::NetworkDown
        ),
        // BodyStalled: the peer hung up inside a body with a partial chunk left over.
        ureq::Error::Timeout(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::Protocol(_)
        | ureq::Error::BodyStalled => true,
        _ => false,
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
