//! HTTP to the Gridfield server with retries: wire version and installation
//! headers on every request, the server's clock learned from every answer,
//! transient failures retried with exponential backoff and a cancel honoured
//! between requests and in the middle of one.
//!
//! reqwest (rustls, gzip, HTTP/2 where the server offers it) on the core's own
//! tokio runtime (`runtime`). The sync round stays blocking code on a background
//! thread; each request is a future it waits for, raced against the cancel.

use std::cell::Cell;
use std::time::Duration;

use serde::Serialize;

use super::CancelHandle;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::wire::{self, ErrorBody};

mod runtime;
#[cfg(test)]
mod tests;

use runtime::block_on;
pub use runtime::cancellable;

/// Largest response body accepted (a pull page).
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How often a request in flight looks at its cancel handle.
const CANCEL_POLL: Duration = Duration::from_millis(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Get,
    Head,
    Post,
    Put,
}

impl Method {
    fn http(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
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
    headers: reqwest::header::HeaderMap,
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
    client: reqwest::Client,
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
        Http {
            client: client(),
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
            client: self.client.clone(),
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
    /// to judge. Gives up with `Network` or `Server` after the last attempt, and
    /// with `Cancelled` as soon as the cancel handle is set, even mid-request.
    pub(super) fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Reply> {
        Ok(self.exchange(method, path, query, headers, body, false)?.0)
    }

    /// Like [`send`](Self::send), but a successful (2xx) answer's body is not read
    /// here: the caller takes it chunk by chunk as it arrives ([`Streamed::chunk`]),
    /// e.g. to apply one part of a large answer while the next is on the wire.
    /// Retries cover the request up to the answer's head; a cut inside the body is
    /// the caller's to resume. Any other answer comes whole, as with `send`.
    pub(super) fn send_streaming(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Streamed<'_, 'a>> {
        let (head, body) = self.exchange(method, path, query, headers, body, true)?;
        Ok(Streamed {
            head,
            body,
            http: self,
        })
    }

    fn exchange(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, String)],
        body: Option<&[u8]>,
        stream: bool,
    ) -> Result<(Reply, Option<reqwest::Response>)> {
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
            let outcome = self.run(self.once(method, &url, &headers, body, stream))?;
            if let (Some(s), Some(sent), Ok((r, _))) = (self.store, sent_raw, &outcome)
                && let Some(t) = r.header_i64(wire::TIME_HEADER)
            {
                s.observe_server_time(t, sent, s.raw_now())?;
            }
            let last = attempt >= self.retry.attempts;
            match outcome {
                Ok((r, _)) if r.status >= 500 || r.status == 429 => {
                    if last {
                        return Err(r.error());
                    }
                }
                Ok((r, streamed)) => {
                    let Some(s) = self.store else {
                        return Ok((r, streamed));
                    };
                    // A HEAD answer has no body to say why it is refused: ask
                    // again with GET (refused just the same) to learn the reason.
                    let r = if method == Method::Head && r.status == 401 {
                        match self.run(self.once(Method::Get, &url, &headers, None, false))? {
                            Ok((g, _)) => g,
                            Err(_) => r,
                        }
                    } else {
                        r
                    };
                    super::revoked::check(s, &r)?;
                    return Ok((r, streamed));
                }
                Err(f) if f.transient() => {
                    if last {
                        return Err(f.into());
                    }
                }
                Err(f) => return Err(f.into()),
            }
            self.sleep(delay)?;
            delay *= 2;
            attempt += 1;
        }
    }

    /// Wait for `f` on the network runtime, giving up with `Cancelled` as soon as
    /// the cancel handle is set (the request in flight is dropped, its connection
    /// closed). The outer result is the cancel; the inner one the request's own.
    fn run<T>(&self, f: impl Future<Output = T>) -> Result<T> {
        let cancel = self.cancel;
        block_on(async move {
            tokio::select! {
                biased;
                () = cancelled(cancel) => Err(Error::Cancelled),
                out = f => Ok(out),
            }
        })
    }

    /// One request: its answer's head and, unless it is streamed, its whole body
    /// (at most `MAX_RESPONSE_BYTES`).
    async fn once(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, String)],
        body: Option<&[u8]>,
        stream: bool,
    ) -> Result<(Reply, Option<reqwest::Response>), Failure> {
        let mut b = self
            .client
            .request(method.http(), url)
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
        if let Some(bytes) = body {
            self.bytes_up.set(self.bytes_up.get() + bytes.len() as u64);
            b = b.body(bytes.to_vec());
        }
        let mut resp = b.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let mut reply = Reply {
            status,
            headers,
            body: Vec::new(),
        };
        if stream && (200..300).contains(&status) {
            return Ok((reply, Some(resp)));
        }
        if method != Method::Head {
            while let Some(chunk) = resp.chunk().await? {
                self.bytes_down
                    .set(self.bytes_down.get() + chunk.len() as u64);
                if (reply.body.len() + chunk.len()) as u64 > MAX_RESPONSE_BYTES {
                    return Err(Failure::TooLarge);
                }
                reply.body.extend_from_slice(&chunk);
            }
        }
        Ok((reply, None))
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

/// A successful answer whose body is read as it arrives.
pub(super) struct Streamed<'h, 'a> {
    /// Status and headers (the body is empty: it comes through `chunk`).
    pub(super) head: Reply,
    body: Option<reqwest::Response>,
    http: &'h Http<'a>,
}

impl Streamed<'_, '_> {
    /// The next part of the body as it came off the wire (decompressed), `None`
    /// at its end. A cut is `Network`; a cancel is `Cancelled`.
    pub(super) fn chunk(&mut self) -> Result<Option<Vec<u8>>> {
        let Some(resp) = self.body.as_mut() else {
            return Ok(None);
        };
        let next = self.http.run(resp.chunk())?.map_err(Failure::from)?;
        match next {
            Some(c) => {
                let down = &self.http.bytes_down;
                down.set(down.get() + c.len() as u64);
                Ok(Some(c.to_vec()))
            }
            None => {
                self.body = None;
                Ok(None)
            }
        }
    }
}

/// Why a request got no answer.
#[derive(Debug)]
enum Failure {
    Http(reqwest::Error),
    /// The answer is larger than `MAX_RESPONSE_BYTES`.
    TooLarge,
}

impl From<reqwest::Error> for Failure {
    fn from(e: reqwest::Error) -> Self {
        Failure::Http(e)
    }
}

impl Failure {
    /// Worth another try: the request may not have arrived, or its answer was
    /// lost or cut short (also inside a compressed body).
    fn transient(&self) -> bool {
        match self {
            Failure::Http(e) => {
                e.is_timeout() || e.is_connect() || e.is_request() || e.is_body() || e.is_decode()
            }
            Failure::TooLarge => false,
        }
    }
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Self {
        match f {
            // The chain of causes, without the URL (it carries cursors and hashes).
            Failure::Http(e) => {
                let e = e.without_url();
                let mut text = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    text.push_str(": ");
                    text.push_str(&s.to_string());
                    source = s.source();
                }
                Error::Network(text)
            }
            Failure::TooLarge => {
                Error::Network(format!("answer larger than {MAX_RESPONSE_BYTES} bytes"))
            }
        }
    }
}

/// Resolves once the cancel handle is set.
async fn cancelled(cancel: &CancelHandle) {
    while !cancel.is_cancelled() {
        tokio::time::sleep(CANCEL_POLL).await;
    }
}

/// The process's one HTTP client: its connection pool is shared by every round
/// and fork (a keep-alive or HTTP/2 connection is reused across requests).
fn client() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(REQUEST_TIMEOUT)
                .user_agent(concat!("gridfield-core/", env!("CARGO_PKG_VERSION")))
                .build()
                .expect("the HTTP client builds")
        })
        .clone()
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
