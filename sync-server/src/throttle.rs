//! Throttling of guesses (console passwords, enrollment codes): a few failures
//! are free, then each further failure of the same key blocks that key for a
//! growing delay (1 s, 2 s, 4 s … capped). A blocked key is answered 429 with
//! `Retry-After` at once; the server never sleeps on a request. Each attempt
//! counts as a failure from the moment it starts until it succeeds, so a burst
//! of parallel guesses is braked like a sequence of them.
//!
//! The state is in memory, per server process: it is a brake on guessing, not a
//! record (the audit trail is the record), so a restart forgetting it is fine,
//! and keeping it out of the database means a flood of guesses costs no writes
//! beyond their audit rows. Several instances behind one balancer each brake on
//! their own, which multiplies an attacker's rate by the number of instances.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// How many failures are free and how the delay grows after them.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Failures before the first delay.
    pub free_failures: u32,
    /// The delay after the first failure past the free ones; doubled each time.
    pub base_ms: i64,
    /// The longest delay.
    pub max_ms: i64,
    /// A key with no failure for this long starts afresh.
    pub forget_ms: i64,
}

impl Policy {
    /// Console sign-in, per account and client address.
    pub const LOGIN: Policy = Policy {
        free_failures: 3,
        base_ms: 1000,
        max_ms: 10 * 60 * 1000,
        forget_ms: 3600 * 1000,
    };
    /// Enrollment codes, per client address: an office enrolling many phones at
    /// once may mistype a few codes.
    pub const ENROLL: Policy = Policy {
        free_failures: 5,
        base_ms: 1000,
        max_ms: 10 * 60 * 1000,
        forget_ms: 3600 * 1000,
    };

    /// Residents' reports from a plate's public page, per client address: each
    /// report counts; a few are free, then the client waits.
    pub const PUBLIC_REPORT_CLIENT: Policy = Policy {
        free_failures: 3,
        base_ms: 60 * 1000,
        max_ms: 3600 * 1000,
        forget_ms: 3600 * 1000,
    };
    /// The same, per plate: a crowd at one door cannot flood its grid's inbox.
    pub const PUBLIC_REPORT_PLATE: Policy = Policy {
        free_failures: 10,
        base_ms: 60 * 1000,
        max_ms: 3600 * 1000,
        forget_ms: 3600 * 1000,
    };

    /// The delay after `failures` failures (0 while they are free).
    pub fn delay_ms(&self, failures: u32) -> i64 {
        if failures < self.free_failures {
            return 0;
        }
        let doublings = (failures - self.free_failures).min(30);
        self.base_ms.saturating_mul(1 << doublings).min(self.max_ms)
    }
}

/// Keys kept at most; past this the stalest are forgotten first.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: i64,
    blocked_until: i64,
}

/// One throttle: a policy and the failures of each key.
#[derive(Debug)]
pub struct Throttle {
    policy: Policy,
    keys: Mutex<HashMap<String, Entry>>,
}

/// A refused attempt: try again after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter {
    pub seconds: i64,
}

impl RetryAfter {
    fn from_ms(ms: i64) -> RetryAfter {
        RetryAfter {
            seconds: ((ms + 999) / 1000).max(1),
        }
    }
}

impl Throttle {
    pub fn new(policy: Policy) -> Throttle {
        Throttle {
            policy,
            keys: Mutex::new(HashMap::new()),
        }
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Start an attempt: refused while the key is blocked; otherwise counted as
    /// a failure (and the key blocked as that failure warrants) until
    /// [`Throttle::succeeded`] says otherwise. Returns the failures so far.
    pub fn attempt(&self, key: &str, now: i64) -> Result<u32, RetryAfter> {
        let mut keys = self.keys();
        if let Some(e) = keys.get(key)
            && e.blocked_until > now
        {
            return Err(RetryAfter::from_ms(e.blocked_until - now));
        }
        if keys.len() >= MAX_KEYS && !keys.contains_key(key) {
            let forget = self.policy.forget_ms;
            keys.retain(|_, e| now - e.last_failure < forget);
            if keys.len() >= MAX_KEYS
                && let Some(stalest) = keys
                    .iter()
                    .min_by_key(|(_, e)| e.last_failure)
                    .map(|(k, _)| k.clone())
            {
                keys.remove(&stalest);
            }
        }
        let e = keys.entry(key.to_string()).or_insert(Entry {
            failures: 0,
            last_failure: now,
            blocked_until: 0,
        });
        if now - e.last_failure >= self.policy.forget_ms {
            e.failures = 0;
        }
        e.failures = e.failures.saturating_add(1);
        e.last_failure = now;
        e.blocked_until = now + self.policy.delay_ms(e.failures);
        Ok(e.failures)
    }

    /// A started attempt failed: its delay runs from now, when the answer goes
    /// out (a slow password check must not eat the delay).
    pub fn failed(&self, key: &str, now: i64) {
        if let Some(e) = self.keys().get_mut(key) {
            e.last_failure = e.last_failure.max(now);
            e.blocked_until = e.blocked_until.max(now + self.policy.delay_ms(e.failures));
        }
    }

    /// After a successful attempt: the key starts afresh.
    pub fn succeeded(&self, key: &str) {
        self.keys().remove(key);
    }
}

/// The throttles one server shares between its requests.
#[derive(Debug)]
pub struct Throttles {
    pub login: Throttle,
    pub enroll: Throttle,
    pub public_report_client: Throttle,
    pub public_report_plate: Throttle,
}

impl Default for Throttles {
    fn default() -> Self {
        Throttles {
            login: Throttle::new(Policy::LOGIN),
            enroll: Throttle::new(Policy::ENROLL),
            public_report_client: Throttle::new(Policy::PUBLIC_REPORT_CLIENT),
            public_report_plate: Throttle::new(Policy::PUBLIC_REPORT_PLATE),
        }
    }
}

/// The part of a client address that identifies one client: the whole IPv4
/// address; the /64 prefix of an IPv6 one (a single host usually holds a whole /64).
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_after_the_free_failures_and_are_capped() {
        let p = Policy::LOGIN;
        let delays: Vec<i64> = (1..=6).map(|n| p.delay_ms(n)).collect();
        assert_eq!(delays, vec![0, 0, 1000, 2000, 4000, 8000]);
        assert_eq!(p.delay_ms(40), p.max_ms);
        assert_eq!(p.delay_ms(u32::MAX), p.max_ms);
    }

    #[test]
    fn a_blocked_key_does_not_block_another() {
        let t = Throttle::new(Policy::LOGIN);
        let now = 1_000_000;
        let k = "10.0.0.9|alice";
        assert_eq!(t.attempt(k, now), Ok(1));
        assert_eq!(t.attempt(k, now), Ok(2));
        // The third failure is still tried, and blocks the key for a second.
        assert_eq!(t.attempt(k, now), Ok(3));
        assert_eq!(t.attempt(k, now), Err(RetryAfter { seconds: 1 }));
        assert_eq!(t.attempt("192.0.2.1|alice", now), Ok(1));
        assert_eq!(t.attempt(k, now + 999), Err(RetryAfter { seconds: 1 }));
        assert_eq!(t.attempt(k, now + 1000), Ok(4));
        assert_eq!(t.attempt(k, now + 1000), Err(RetryAfter { seconds: 2 }));
        t.succeeded(k);
        assert_eq!(t.attempt(k, now + 1000), Ok(1));
    }

    #[test]
    fn the_delay_runs_from_the_failed_answer() {
        let t = Throttle::new(Policy::LOGIN);
        for n in 1..=3 {
            assert_eq!(t.attempt("k", 0), Ok(n));
        }
        // The third check took 5 s; the second of delay starts when it answers.
        t.failed("k", 5000);
        assert_eq!(t.attempt("k", 5500), Err(RetryAfter { seconds: 1 }));
        assert_eq!(t.attempt("k", 6000), Ok(4));
    }

    #[test]
    fn a_success_clears_the_attempt_it_ends() {
        let t = Throttle::new(Policy::LOGIN);
        for _ in 0..10 {
            assert_eq!(t.attempt("k", 0), Ok(1));
            t.succeeded("k");
        }
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_hour() {
        let t = Throttle::new(Policy::LOGIN);
        for n in 1..=3 {
            assert_eq!(t.attempt("k", 0), Ok(n));
        }
        let later = Policy::LOGIN.forget_ms;
        assert_eq!(t.attempt("k", later), Ok(1));
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_eq!(client_key("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7");
    }
}
