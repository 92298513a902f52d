//! The per-field merge rule for descriptive entities, written once: the server
//! judges every pushed field write with it, and the tests state it from here.
//!
//! A write carries its *base*: the stamp of the value it replaced on the writer's
//! replica, recorded in the same transaction as the write. Concurrency is judged
//! by what the writer had seen when it wrote, never by when it pushed.

use crate::clock::hlc::Hlc;

/// The stored version of one field as the judge needs it.
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    /// Stamp of the stored value.
    pub stamp: &'a str,
    /// The stamp the writing device gave it, when the server stored another one
    /// (clock-corrected or bumped past a newer stamp): a later write from the
    /// same replica names this one as its base.
    pub orig: Option<&'a str>,
}

/// What happens to one incoming field write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The writer had seen the stored value (or there was none): it wins,
    /// whatever the clocks say. Nothing is lost.
    Successor,
    /// Neither had seen the other. The greater stamp wins; if the values differ,
    /// the loser goes to the conflict log.
    Concurrent { incoming_wins: bool },
}

/// Judge one incoming write of a field.
pub fn judge(current: Option<Current<'_>>, base: Option<&str>, incoming: &str) -> Verdict {
    let Some(cur) = current.filter(|c| !c.stamp.is_empty()) else {
        return Verdict::Successor;
    };
    match base {
        Some(b) if b == cur.stamp || Some(b) == cur.orig => Verdict::Successor,
        // Stamps are fixed-width text whose order is their causal order.
        _ => Verdict::Concurrent {
            incoming_wins: incoming > cur.stamp,
        },
    }
}

/// The stamp a winning successor is stored with: its own, unless a slow clock put
/// it at or below the value it replaced; then the smallest stamp after that one,
/// so a field's stamps only ever rise and later concurrent writes compare right.
pub fn successor_stamp(current: Option<&Hlc>, incoming: &Hlc) -> Hlc {
    match current {
        Some(c) if incoming <= c => Hlc {
            wall_ms: c.wall_ms,
            counter: c.counter.saturating_add(1),
            node: incoming.node.clone(),
        },
        _ => incoming.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(wall: i64, node: &str) -> String {
        Hlc {
            wall_ms: wall,
            counter: 0,
            node: node.into(),
        }
        .to_string()
    }

    #[test]
    fn a_write_that_saw_the_stored_value_wins_even_with_an_older_stamp() {
        let stored = s(2_000, "b");
        let cur = Current {
            stamp: &stored,
            orig: None,
        };
        // A slow phone: its stamp is below the value it replaced.
        assert_eq!(
            judge(Some(cur), Some(&stored), &s(1_000, "a")),
            Verdict::Successor
        );
    }

    #[test]
    fn a_write_that_did_not_see_the_stored_value_is_concurrent() {
        let stored = s(2_000, "b");
        let base = s(500, "a");
        let cur = Current {
            stamp: &stored,
            orig: None,
        };
        assert_eq!(
            judge(Some(cur), Some(&base), &s(1_000, "a")),
            Verdict::Concurrent {
                incoming_wins: false
            }
        );
        assert_eq!(
            judge(Some(cur), Some(&base), &s(3_000, "a")),
            Verdict::Concurrent {
                incoming_wins: true
            }
        );
        // No base: the writer had no value at all, but the server has one.
        assert_eq!(
            judge(Some(cur), None, &s(3_000, "a")),
            Verdict::Concurrent {
                incoming_wins: true
            }
        );
    }

    #[test]
    fn the_original_stamp_of_a_corrected_write_counts_as_seen() {
        let stored = s(2_000, "a");
        let orig = s(9_000, "a");
        let cur = Current {
            stamp: &stored,
            orig: Some(&orig),
        };
        assert_eq!(
            judge(Some(cur), Some(&orig), &s(9_500, "a")),
            Verdict::Successor
        );
    }

    #[test]
    fn an_empty_field_takes_any_write() {
        assert_eq!(judge(None, None, &s(1, "a")), Verdict::Successor);
    }

    #[test]
    fn successor_stamps_only_rise() {
        let cur: Hlc = s(2_000, "b").parse().unwrap();
        let slow: Hlc = s(1_000, "a").parse().unwrap();
        let st = successor_stamp(Some(&cur), &slow);
        assert!(st > cur);
        assert_eq!(st.node, "a");
        let fast: Hlc = s(3_000, "a").parse().unwrap();
        assert_eq!(successor_stamp(Some(&cur), &fast), fast);
    }
}
