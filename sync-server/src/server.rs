//! The state one server instance shares between its requests: the database, the
//! hybrid logical clock, the console's settings, the checksum cache and the
//! throttles of guesses.

use std::net::IpAddr;
use std::sync::Mutex;

use gridfield_core::hlc::{Hlc, HlcClock};

use crate::db::Db;
use crate::error::Result;
use crate::rules::{self, checksum::ChecksumCache, now_ms};
use crate::throttle::Throttles;

/// Shared by every request of one server instance.
pub struct Server {
    pub db: Db,
    pub clock: Mutex<HlcClock>,
    pub console: crate::console::Config,
    pub checksums: ChecksumCache,
    /// Brakes on guessing console passwords and enrollment codes (in memory).
    pub throttles: Throttles,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<IpAddr>,
}

impl Server {
    pub fn new(db: Db) -> Result<Server> {
        let node = format!("srv-{}", &rules::random_hex(4)?);
        let s = Server {
            db,
            clock: Mutex::new(HlcClock::new(node)),
            console: crate::console::Config::default(),
            checksums: ChecksumCache::default(),
            throttles: Throttles::default(),
            trusted_proxies: Vec::new(),
        };
        s.db.write(|tx| Ok(rules::plates::issuer(tx).map(|_| ())?))?;
        Ok(s)
    }

    pub(crate) fn tick(&self) -> Hlc {
        self.clock
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .tick(now_ms())
    }
}
