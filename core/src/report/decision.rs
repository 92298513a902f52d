//! A supervisor's decision on a volunteer's report: accept it (with 积分 points,
//! possibly raising a hazard) or dismiss it with a reason the volunteer sees.
//! Only a pending report is decided, and only once.

use super::ReportStatus;
use crate::i18n::Lang;
use crate::role::Role;

/// Most points one accepted report earns.
pub const MAX_POINTS: i64 = 100;
/// Longest decision note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// An accepted decision: what the report becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decided<'a> {
    pub status: ReportStatus,
    /// Credited points: the given ones when accepted, 0 when dismissed.
    pub points: i64,
    /// The note as stored (trimmed, `None` when blank).
    pub note: Option<&'a str>,
}

/// Why a decision was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionRefusal {
    NotPermitted,
    AlreadyDecided {
        status: ReportStatus,
    },
    /// Dismissing needs a reason the volunteer can read.
    ReasonRequired,
    NoteTooLong {
        max: usize,
    },
    InvalidPoints {
        max: i64,
    },
}

impl DecisionRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            DecisionRefusal::NotPermitted => "report.not_permitted",
            DecisionRefusal::AlreadyDecided { .. } => "report.already_decided",
            DecisionRefusal::ReasonRequired => "report.reason_required",
            DecisionRefusal::NoteTooLong { .. } => "report.note_too_long",
            DecisionRefusal::InvalidPoints { .. } => "report.invalid_points",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (DecisionRefusal::NotPermitted, Lang::Zh) => "只有网格长可以处理上报".into(),
            (DecisionRefusal::NotPermitted, Lang::En) => {
                "only supervisors decide on reports".into()
            }
            (DecisionRefusal::AlreadyDecided { status }, Lang::Zh) => {
                format!("该上报已处理（{}）", status.label(lang))
            }
            (DecisionRefusal::AlreadyDecided { status }, Lang::En) => {
                format!("report already {}", status.as_str())
            }
            (DecisionRefusal::ReasonRequired, Lang::Zh) => "不采纳时必须填写原因".into(),
            (DecisionRefusal::ReasonRequired, Lang::En) => {
                "a reason is required to dismiss a report".into()
            }
            (DecisionRefusal::NoteTooLong { max }, Lang::Zh) => format!("说明不能超过 {max} 字"),
            (DecisionRefusal::NoteTooLong { max }, Lang::En) => {
                format!("the note must be at most {max} characters")
            }
            (DecisionRefusal::InvalidPoints { max }, Lang::Zh) => format!("积分须在 0–{max} 之间"),
            (DecisionRefusal::InvalidPoints { max }, Lang::En) => format!("points must be 0–{max}"),
        }
    }

    /// One of each reason, for tests that walk every message.
    pub fn samples() -> Vec<DecisionRefusal> {
        vec![
            DecisionRefusal::NotPermitted,
            DecisionRefusal::AlreadyDecided {
                status: ReportStatus::Accepted,
            },
            DecisionRefusal::AlreadyDecided {
                status: ReportStatus::Dismissed,
            },
            DecisionRefusal::ReasonRequired,
            DecisionRefusal::NoteTooLong {
                max: MAX_NOTE_CHARS,
            },
            DecisionRefusal::InvalidPoints { max: MAX_POINTS },
        ]
    }
}

/// Judge `accept` (or dismiss) with `note` and `points` on a report in
/// `status`, in the server's order: role, state, reason, note length, points.
/// Points are ignored when dismissing. Raising a hazard on acceptance is judged
/// separately by [`crate::hazard::check_create`].
pub fn check(
    role: Role,
    status: ReportStatus,
    accept: bool,
    note: Option<&str>,
    points: i64,
) -> Result<Decided<'_>, DecisionRefusal> {
    if !role.supervises() {
        return Err(DecisionRefusal::NotPermitted);
    }
    if status != ReportStatus::Pending {
        return Err(DecisionRefusal::AlreadyDecided { status });
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if !accept && note.is_none() {
        return Err(DecisionRefusal::ReasonRequired);
    }
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
        return Err(DecisionRefusal::NoteTooLong {
            max: MAX_NOTE_CHARS,
        });
    }
    if accept && !(0..=MAX_POINTS).contains(&points) {
        return Err(DecisionRefusal::InvalidPoints { max: MAX_POINTS });
    }
    Ok(Decided {
        status: if accept {
            ReportStatus::Accepted
        } else {
            ReportStatus::Dismissed
        },
        points: if accept { points } else { 0 },
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportStatus as S;

    #[test]
    fn accept_with_points_or_dismiss_with_a_reason() {
        assert_eq!(
            check(Role::Supervisor, S::Pending, true, None, 5),
            Ok(Decided {
                status: S::Accepted,
                points: 5,
                note: None
            })
        );
        assert_eq!(
            check(Role::Admin, S::Pending, false, Some(" 重复上报 "), 50),
            Ok(Decided {
                status: S::Dismissed,
                points: 0,
                note: Some("重复上报")
            })
        );
        // Points are not judged when dismissing.
        assert!(check(Role::Supervisor, S::Pending, false, Some("x"), -1).is_ok());
    }

    #[test]
    fn refusals_in_order() {
        assert_eq!(
            check(Role::Worker, S::Accepted, false, None, -1),
            Err(DecisionRefusal::NotPermitted)
        );
        assert_eq!(
            check(Role::Supervisor, S::Dismissed, false, None, -1),
            Err(DecisionRefusal::AlreadyDecided {
                status: S::Dismissed
            })
        );
        assert_eq!(
            check(Role::Supervisor, S::Pending, false, Some("  "), 0),
            Err(DecisionRefusal::ReasonRequired)
        );
        let long = "字".repeat(MAX_NOTE_CHARS + 1);
        assert_eq!(
            check(Role::Supervisor, S::Pending, true, Some(&long), 200),
            Err(DecisionRefusal::NoteTooLong {
                max: MAX_NOTE_CHARS
            })
        );
        for p in [-1, MAX_POINTS + 1] {
            assert_eq!(
                check(Role::Supervisor, S::Pending, true, None, p),
                Err(DecisionRefusal::InvalidPoints { max: MAX_POINTS })
            );
        }
        assert!(check(Role::Supervisor, S::Pending, true, None, MAX_POINTS).is_ok());
    }

    #[test]
    fn messages_keep_todays_wording() {
        assert_eq!(
            DecisionRefusal::InvalidPoints { max: 100 }.message(Lang::Zh),
            "积分须在 0–100 之间"
        );
        assert_eq!(
            DecisionRefusal::AlreadyDecided {
                status: S::Accepted
            }
            .message(Lang::Zh),
            "该上报已处理（已采纳）"
        );
        assert_eq!(
            DecisionRefusal::NoteTooLong { max: 500 }.message(Lang::En),
            "the note must be at most 500 characters"
        );
    }
}
