//! Reviewing an inspection (审核): a supervisor approves it or returns it with a
//! comment, and only a submitted inspection can be reviewed. The device checks
//! this before queueing a review; the server checks it again against its state.

use super::ReviewStatus;
use crate::i18n::Lang;
use crate::role::Role;

/// Longest review comment, in characters (the device's limit on free text).
pub const MAX_COMMENT_CHARS: usize = 2000;

/// What the supervisor decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewDecision {
    Approve,
    /// Back to the worker, with a comment saying what to fix.
    Return,
}

impl ReviewDecision {
    /// From the `approve` flag commands and forms carry.
    pub fn from_approve(approve: bool) -> ReviewDecision {
        if approve {
            ReviewDecision::Approve
        } else {
            ReviewDecision::Return
        }
    }

    /// The status the inspection takes.
    pub fn status(self) -> ReviewStatus {
        match self {
            ReviewDecision::Approve => ReviewStatus::Approved,
            ReviewDecision::Return => ReviewStatus::Returned,
        }
    }
}

/// An accepted review: the status to store and the comment as stored (trimmed,
/// `None` when blank).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reviewed<'a> {
    pub status: ReviewStatus,
    pub comment: Option<&'a str>,
}

/// Why a review was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewRefusal {
    /// Only supervisors (and administrators) review.
    NotPermitted,
    /// Returning an inspection needs a comment the worker can act on.
    CommentRequired,
    CommentTooLong {
        max: usize,
    },
    /// Drafts, approved and returned inspections are not up for review.
    NotSubmitted {
        status: ReviewStatus,
    },
}

impl ReviewRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            ReviewRefusal::NotPermitted => "review.not_permitted",
            ReviewRefusal::CommentRequired => "review.comment_required",
            ReviewRefusal::CommentTooLong { .. } => "review.comment_too_long",
            ReviewRefusal::NotSubmitted { .. } => "review.not_submitted",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (ReviewRefusal::NotPermitted, Lang::Zh) => "只有网格长可以审核检查记录".into(),
            (ReviewRefusal::NotPermitted, Lang::En) => "only supervisors review inspections".into(),
            (ReviewRefusal::CommentRequired, Lang::Zh) => "退回时必须填写意见".into(),
            (ReviewRefusal::CommentRequired, Lang::En) => {
                "a comment is required to return an inspection".into()
            }
            (ReviewRefusal::CommentTooLong { max }, Lang::Zh) => {
                format!("意见超过长度上限（{max} 字）")
            }
            (ReviewRefusal::CommentTooLong { max }, Lang::En) => {
                format!("the comment is longer than {max} characters")
            }
            (ReviewRefusal::NotSubmitted { status }, Lang::Zh) => {
                format!("该检查记录当前为「{}」，不能审核", status.label(lang))
            }
            (ReviewRefusal::NotSubmitted { status }, Lang::En) => {
                format!("inspection is {}, not submitted", status.as_str())
            }
        }
    }

    /// One of each reason, for tests that walk every message.
    pub fn samples() -> Vec<ReviewRefusal> {
        let mut v = vec![
            ReviewRefusal::NotPermitted,
            ReviewRefusal::CommentRequired,
            ReviewRefusal::CommentTooLong {
                max: MAX_COMMENT_CHARS,
            },
        ];
        v.extend(
            ReviewStatus::ALL
                .into_iter()
                .filter(|s| *s != ReviewStatus::Submitted)
                .map(|status| ReviewRefusal::NotSubmitted { status }),
        );
        v
    }
}

/// Judge a review of an inspection that is in `status`. The checks run in the
/// order both sides ran them: role, comment, then the inspection's state (the
/// part that needs storage), so the same input gives the same first reason.
pub fn check(
    role: Role,
    status: ReviewStatus,
    decision: ReviewDecision,
    comment: Option<&str>,
) -> Result<Reviewed<'_>, ReviewRefusal> {
    if !role.supervises() {
        return Err(ReviewRefusal::NotPermitted);
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if decision == ReviewDecision::Return && comment.is_none() {
        return Err(ReviewRefusal::CommentRequired);
    }
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(ReviewRefusal::CommentTooLong {
            max: MAX_COMMENT_CHARS,
        });
    }
    if status != ReviewStatus::Submitted {
        return Err(ReviewRefusal::NotSubmitted { status });
    }
    Ok(Reviewed {
        status: decision.status(),
        comment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReviewDecision::{Approve, Return};
    use ReviewStatus as S;

    #[test]
    fn a_supervisor_approves_or_returns_a_submitted_inspection() {
        for role in [Role::Supervisor, Role::Admin] {
            assert_eq!(
                check(role, S::Submitted, Approve, None),
                Ok(Reviewed {
                    status: S::Approved,
                    comment: None
                })
            );
            assert_eq!(
                check(role, S::Submitted, Return, Some("  补拍灭火器照片 ")),
                Ok(Reviewed {
                    status: S::Returned,
                    comment: Some("补拍灭火器照片")
                })
            );
        }
        // A blank comment on approval is no comment.
        assert_eq!(
            check(Role::Supervisor, S::Submitted, Approve, Some("  "))
                .unwrap()
                .comment,
            None
        );
    }

    #[test]
    fn only_supervisors_review() {
        for role in [Role::Worker, Role::Volunteer] {
            assert_eq!(
                check(role, S::Submitted, Approve, None),
                Err(ReviewRefusal::NotPermitted)
            );
        }
    }

    #[test]
    fn returning_needs_a_comment_of_reasonable_length() {
        for c in [None, Some(""), Some("   ")] {
            assert_eq!(
                check(Role::Supervisor, S::Submitted, Return, c),
                Err(ReviewRefusal::CommentRequired)
            );
        }
        let long = "字".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(
            check(Role::Supervisor, S::Submitted, Approve, Some(&long)),
            Err(ReviewRefusal::CommentTooLong {
                max: MAX_COMMENT_CHARS
            })
        );
        let max = "字".repeat(MAX_COMMENT_CHARS);
        assert!(check(Role::Supervisor, S::Submitted, Return, Some(&max)).is_ok());
    }

    #[test]
    fn only_a_submitted_inspection_is_reviewed() {
        for status in [S::Draft, S::Approved, S::Returned] {
            assert_eq!(
                check(Role::Supervisor, status, Approve, None),
                Err(ReviewRefusal::NotSubmitted { status })
            );
        }
    }

    #[test]
    fn the_first_reason_is_the_same_whatever_else_is_wrong() {
        // Role before comment before state, as the device and the server check.
        assert_eq!(
            check(Role::Worker, S::Draft, Return, None),
            Err(ReviewRefusal::NotPermitted)
        );
        assert_eq!(
            check(Role::Supervisor, S::Draft, Return, None),
            Err(ReviewRefusal::CommentRequired)
        );
    }

    #[test]
    fn messages_keep_todays_wording() {
        let e = ReviewRefusal::NotSubmitted {
            status: S::Approved,
        };
        assert_eq!(e.message(Lang::Zh), "该检查记录当前为「已通过」，不能审核");
        assert_eq!(e.message(Lang::En), "inspection is approved, not submitted");
        assert_eq!(e.code(), "review.not_submitted");
    }
}
