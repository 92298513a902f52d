//! The client address of a request, for throttling and the audit trail: the
//! socket's peer address; behind a reverse proxy named with `--trusted-proxy`,
//! the address that proxy appended to `X-Forwarded-For`. A header from anyone
//! else is ignored, so a client cannot pick its own address.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::server::Server;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The throttle key of this client (its /64 for IPv6).
    pub fn key(&self) -> String {
        crate::throttle::client_key(self.0)
    }
}

/// The client behind `peer`: the right-most `X-Forwarded-For` entry that is not
/// itself a trusted proxy, when `peer` is one; else `peer`.
pub fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for e in entries.into_iter().rev() {
        match e.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => break,
        }
    }
    peer
}

impl FromRequestParts<std::sync::Arc<Server>> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &std::sync::Arc<Server>,
    ) -> Result<Self, Infallible> {
        // Served without connection info (in-process tests): one shared client.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(ClientAddr(client_of(
            peer,
            &parts.headers,
            &state.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "198.51.100.4".parse().unwrap();
        let h = xff("203.0.113.9, 192.0.2.7");
        assert_eq!(client_of(other, &h, &[proxy]), other);
        assert_eq!(client_of(other, &h, &[]), other);
        // The proxy appended the address it saw last; earlier entries are the client's word.
        assert_eq!(
            client_of(proxy, &h, &[proxy]),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_of(proxy, &HeaderMap::new(), &[proxy]), proxy);
        assert_eq!(client_of(proxy, &xff("junk"), &[proxy]), proxy);
    }
}
