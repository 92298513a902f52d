//! Hybrid logical clock (HLC): every local write is stamped so that per-field
//! last-writer-wins merges are ordered causally, and a phone whose wall clock is
//! wrong cannot keep winning once it has seen later stamps from the server.

use std::fmt;
use std::str::FromStr;

/// A clock reading more than this far ahead of local physical time is not
/// trusted to advance our wall component; its counter still orders it.
pub const MAX_DRIFT_MS: i64 = 5 * 60 * 1000;

/// One HLC stamp. Orders by (wall, counter, node); the string form sorts the same way.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hlc {
    pub wall_ms: i64,
    pub counter: u32,
    pub node: String,
}

impl Hlc {
    pub fn zero() -> Self {
        Hlc {
            wall_ms: 0,
            counter: 0,
            node: String::new(),
        }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Fixed widths keep lexicographic order equal to numeric order, so SQL can
        // compare stamps as TEXT.
        write!(f, "{:013}-{:06}-{}", self.wall_ms, self.counter, self.node)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed HLC stamp")]
pub struct HlcParseError;

impl FromStr for Hlc {
    type Err = HlcParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.splitn(3, '-');
        let wall = parts.next().ok_or(HlcParseError)?;
        let counter = parts.next().ok_or(HlcParseError)?;
        let node = parts.next().ok_or(HlcParseError)?;
        if wall.len() != 13 || counter.len() != 6 {
            return Err(HlcParseError);
        }
        Ok(Hlc {
            wall_ms: wall.parse().map_err(|_| HlcParseError)?,
            counter: counter.parse().map_err(|_| HlcParseError)?,
            node: node.to_string(),
        })
    }
}

/// The clock state of one node. Persisted by the store inside the same transaction
/// as the write it stamps, so a crash never reuses a stamp.
#[derive(Debug, Clone)]
pub struct HlcClock {
    last_wall: i64,
    last_counter: u32,
    node: String,
}

impl HlcClock {
    pub fn new(node: impl Into<String>) -> Self {
        HlcClock {
            last_wall: 0,
            last_counter: 0,
            node: node.into(),
        }
    }

    pub fn restore(node: impl Into<String>, last: Option<&Hlc>) -> Self {
        let mut c = HlcClock::new(node);
        if let Some(l) = last {
            c.last_wall = l.wall_ms;
            c.last_counter = l.counter;
        }
        c
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    pub fn last(&self) -> Hlc {
        Hlc {
            wall_ms: self.last_wall,
            counter: self.last_counter,
            node: self.node.clone(),
        }
    }

    /// A new stamp for a local event at physical time `now_ms`.
    pub fn tick(&mut self, now_ms: i64) -> Hlc {
        if now_ms > self.last_wall {
            self.last_wall = now_ms;
            self.last_counter = 0;
        } else {
            self.last_counter = self.last_counter.saturating_add(1);
        }
        self.last()
    }

    /// After the wall clock was corrected: a last stamp more than the drift limit
    /// ahead of `now_ms` came from a clock that ran fast; continue from `now_ms`.
    /// Returns whether the clock moved.
    pub fn rebase(&mut self, now_ms: i64) -> bool {
        if self.last_wall > now_ms + MAX_DRIFT_MS {
            self.last_wall = now_ms;
            self.last_counter = 0;
            return true;
        }
        false
    }

    /// Merge a stamp received from elsewhere, so our next stamp orders after it.
    /// A remote wall far ahead of our physical time is capped: a peer with a wild
    /// clock must not drag every later stamp into the future.
    pub fn observe(&mut self, remote: &Hlc, now_ms: i64) {
        let remote_wall = remote.wall_ms.min(now_ms + MAX_DRIFT_MS);
        let capped = remote_wall < remote.wall_ms;
        if remote_wall > self.last_wall {
            self.last_wall = remote_wall;
            self.last_counter = if capped { 0 } else { remote.counter };
        } else if remote_wall == self.last_wall && !capped {
            self.last_counter = self.last_counter.max(remote.counter);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_order_matches_struct_order() {
        let a = Hlc {
            wall_ms: 999,
            counter: 12,
            node: "b".into(),
        };
        let b = Hlc {
            wall_ms: 1000,
            counter: 0,
            node: "a".into(),
        };
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
        assert_eq!(a.to_string().parse::<Hlc>().unwrap(), a);
    }

    #[test]
    fn tick_is_monotonic_when_clock_goes_back() {
        let mut c = HlcClock::new("d1");
        let s1 = c.tick(10_000);
        let s2 = c.tick(5_000);
        let s3 = c.tick(5_000);
        assert!(s1 < s2 && s2 < s3);
        assert_eq!(s3.wall_ms, 10_000);
    }

    #[test]
    fn observe_orders_next_tick_after_remote() {
        let mut c = HlcClock::new("d1");
        c.tick(1_000);
        let remote = Hlc {
            wall_ms: 2_000,
            counter: 7,
            node: "srv".into(),
        };
        c.observe(&remote, 1_500);
        assert!(c.tick(1_500) > remote);
    }

    #[test]
    fn observe_caps_a_wild_future_clock() {
        let mut c = HlcClock::new("d1");
        let three_days = 3 * 24 * 3600 * 1000;
        let remote = Hlc {
            wall_ms: 1_000_000 + three_days,
            counter: 0,
            node: "fast".into(),
        };
        c.observe(&remote, 1_000_000);
        let next = c.tick(1_000_000);
        assert!(next.wall_ms <= 1_000_000 + MAX_DRIFT_MS);
    }

    #[test]
    fn rebase_drops_a_future_left_by_a_fast_clock_only() {
        let mut c = HlcClock::new("d1");
        let three_days = 3 * 24 * 3600 * 1000;
        c.tick(1_000_000 + three_days);
        assert!(c.rebase(1_000_000));
        assert!(c.tick(1_000_000).wall_ms <= 1_000_000);
        c.tick(1_000_100);
        assert!(!c.rebase(1_000_000), "a stamp within the drift limit stays");
    }

    #[test]
    fn rejects_malformed() {
        assert!("12-3-x".parse::<Hlc>().is_err());
        assert!("abcdefghijklm-000001-x".parse::<Hlc>().is_err());
    }

    proptest::proptest! {
        /// Whatever the local clock and the peers do, stamps only go up and
        /// always order after every stamp observed.
        #[test]
        fn stamps_are_monotonic_and_causal(events in proptest::collection::vec((0i64..10_000_000, proptest::option::of((0i64..20_000_000, 0u32..5))), 1..200)) {
            let mut c = HlcClock::new("me");
            let mut last = Hlc::zero();
            for (now, remote) in events {
                if let Some((wall, counter)) = remote {
                    let r = Hlc { wall_ms: wall, counter, node: "peer".into() };
                    c.observe(&r, now);
                    let next = c.tick(now);
                    if wall <= now + MAX_DRIFT_MS {
                        proptest::prop_assert!(next > r);
                    }
                    proptest::prop_assert!(next > last);
                    last = next;
                } else {
                    let next = c.tick(now);
                    proptest::prop_assert!(next > last);
                    proptest::prop_assert!(next.to_string() > last.to_string());
                    last = next;
                }
            }
        }
    }
}
