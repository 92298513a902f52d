//! 隐患 lifecycle as an explicit state machine: reported → assigned → rectifying →
//! rectified → verified → closed, with reopen. The same rules run on the phone
//! (to refuse impossible steps offline) and on the server (to judge stale ones).

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::role::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HazardStatus {
    Reported,
    Assigned,
    Rectifying,
    Rectified,
    Verified,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HazardAction {
    /// Give (or give again) the hazard to a responsible person, with a deadline.
    Assign,
    /// Rectification has started.
    StartRectification,
    /// The responsible party reports it fixed (photo expected).
    MarkRectified,
    /// An inspector confirmed the fix on site.
    Verify,
    /// The fix was not good enough: back to rectifying.
    RejectRectification,
    Close,
    Reopen,
}

impl HazardStatus {
    pub const ALL: [HazardStatus; 6] = [
        HazardStatus::Reported,
        HazardStatus::Assigned,
        HazardStatus::Rectifying,
        HazardStatus::Rectified,
        HazardStatus::Verified,
        HazardStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HazardStatus::Reported => "reported",
            HazardStatus::Assigned => "assigned",
            HazardStatus::Rectifying => "rectifying",
            HazardStatus::Rectified => "rectified",
            HazardStatus::Verified => "verified",
            HazardStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            HazardStatus::Reported => lang.pick("已上报", "reported"),
            HazardStatus::Assigned => lang.pick("已交办", "assigned"),
            HazardStatus::Rectifying => lang.pick("整改中", "rectifying"),
            HazardStatus::Rectified => lang.pick("已整改", "rectified"),
            HazardStatus::Verified => lang.pick("已复核", "verified"),
            HazardStatus::Closed => lang.pick("已销号", "closed"),
        }
    }

    pub fn is_open(self) -> bool {
        self != HazardStatus::Closed
    }
}

impl HazardAction {
    pub const ALL: [HazardAction; 7] = [
        HazardAction::Assign,
        HazardAction::StartRectification,
        HazardAction::MarkRectified,
        HazardAction::Verify,
        HazardAction::RejectRectification,
        HazardAction::Close,
        HazardAction::Reopen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HazardAction::Assign => "assign",
            HazardAction::StartRectification => "start_rectification",
            HazardAction::MarkRectified => "mark_rectified",
            HazardAction::Verify => "verify",
            HazardAction::RejectRectification => "reject_rectification",
            HazardAction::Close => "close",
            HazardAction::Reopen => "reopen",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            HazardAction::Assign => lang.pick("交办", "assign"),
            HazardAction::StartRectification => lang.pick("开始整改", "start rectification"),
            HazardAction::MarkRectified => lang.pick("整改完成", "mark rectified"),
            HazardAction::Verify => lang.pick("复核通过", "verify"),
            HazardAction::RejectRectification => lang.pick("复核不通过", "reject rectification"),
            HazardAction::Close => lang.pick("销号", "close"),
            HazardAction::Reopen => lang.pick("重新打开", "reopen"),
        }
    }

    /// Who may take this step. Verifying, closing and reopening are a
    /// supervisor's decision; field steps are the worker's too.
    pub fn allowed_for(self, role: Role) -> bool {
        match role {
            Role::Supervisor | Role::Admin => true,
            Role::Worker => matches!(
                self,
                HazardAction::Assign
                    | HazardAction::StartRectification
                    | HazardAction::MarkRectified
            ),
            Role::Volunteer | Role::Department => false,
        }
    }
}

/// Why a step was refused; travels back to the device that asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("cannot {action} a hazard that is {from}", action = .action.as_str(), from = .from.as_str())]
    NotFromState {
        from: HazardStatus,
        action: HazardAction,
    },
    #[error("role {role} may not {action}", role = .role.as_str(), action = .action.as_str())]
    NotPermitted { role: Role, action: HazardAction },
    #[error("{0}")]
    Missing(&'static str),
}

impl TransitionError {
    /// Stable identifier of the reason, for catalogs and clients.
    pub fn code(&self) -> &'static str {
        match self {
            TransitionError::NotFromState { .. } => "hazard.not_from_state",
            TransitionError::NotPermitted { .. } => "hazard.not_permitted",
            TransitionError::Missing("assignee") => "hazard.assignee_required",
            TransitionError::Missing("note") => "hazard.note_required",
            TransitionError::Missing(_) => "hazard.missing",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (TransitionError::NotFromState { from, action }, Lang::Zh) => {
                format!(
                    "隐患当前状态为「{}」，不能执行「{}」",
                    from.label(lang),
                    action.label(lang)
                )
            }
            (TransitionError::NotPermitted { role, action }, Lang::Zh) => {
                format!("{}无权执行「{}」", role.label(lang), action.label(lang))
            }
            (TransitionError::Missing(what), Lang::Zh) => match *what {
                "assignee" => "交办时必须指定责任人".to_string(),
                "note" => "此操作必须填写说明".to_string(),
                _ => format!("缺少必填信息：{what}"),
            },
            (e, Lang::En) => e.to_string(),
        }
    }
}

/// What accompanies a step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepInput {
    pub assignee: Option<String>,
    pub deadline: Option<i64>,
    pub note: Option<String>,
    pub photos: Vec<String>,
}

/// The state after `action` from `from`, or why not.
pub fn next_status(
    from: HazardStatus,
    action: HazardAction,
    role: Role,
    input: &StepInput,
) -> Result<HazardStatus, TransitionError> {
    use HazardAction as A;
    if !action.allowed_for(role) {
        return Err(TransitionError::NotPermitted { role, action });
    }
    let to = target(from, action).ok_or(TransitionError::NotFromState { from, action })?;
    if action == A::Assign
        && input
            .assignee
            .as_deref()
            .is_none_or(|a| a.trim().is_empty())
    {
        return Err(TransitionError::Missing("assignee"));
    }
    if matches!(action, A::RejectRectification | A::Reopen)
        && input.note.as_deref().is_none_or(|n| n.trim().is_empty())
    {
        return Err(TransitionError::Missing("note"));
    }
    Ok(to)
}

/// Where `action` leads from `from`, whoever asks and with whatever input:
/// the transition table of the lifecycle, and nothing else.
pub fn target(from: HazardStatus, action: HazardAction) -> Option<HazardStatus> {
    use HazardAction as A;
    use HazardStatus as S;
    Some(match (from, action) {
        // Re-assigning an open hazard moves it back to assigned.
        (S::Reported | S::Assigned | S::Rectifying, A::Assign) => S::Assigned,
        (S::Assigned, A::StartRectification) => S::Rectifying,
        // A quick fix may be reported without a separate "started" step.
        (S::Assigned | S::Rectifying, A::MarkRectified) => S::Rectified,
        (S::Rectified, A::Verify) => S::Verified,
        (S::Rectified, A::RejectRectification) => S::Rectifying,
        (S::Verified, A::Close) => S::Closed,
        (S::Verified | S::Closed, A::Reopen) => S::Assigned,
        _ => return None,
    })
}

/// Overdue = past its deadline and not closed.
pub fn is_overdue(status: HazardStatus, deadline: Option<i64>, now_ms: i64) -> bool {
    status.is_open() && deadline.is_some_and(|d| d < now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use HazardAction as A;
    use HazardStatus as S;

    fn input() -> StepInput {
        StepInput {
            assignee: Some("王师傅".into()),
            note: Some("ok".into()),
            ..Default::default()
        }
    }

    #[test]
    fn full_lifecycle() {
        let mut s = S::Reported;
        for a in [
            A::Assign,
            A::StartRectification,
            A::MarkRectified,
            A::Verify,
            A::Close,
        ] {
            s = next_status(s, a, Role::Supervisor, &input()).unwrap();
        }
        assert_eq!(s, S::Closed);
        assert_eq!(
            next_status(s, A::Reopen, Role::Supervisor, &input()).unwrap(),
            S::Assigned
        );
    }

    #[test]
    fn every_pair_either_moves_or_explains() {
        for from in S::ALL {
            for a in A::ALL {
                match next_status(from, a, Role::Admin, &input()) {
                    Ok(to) => assert!(
                        from != S::Closed || a == A::Reopen,
                        "{from:?} {a:?} -> {to:?}"
                    ),
                    Err(e) => assert!(matches!(e, TransitionError::NotFromState { .. })),
                }
            }
        }
    }

    #[test]
    fn impossible_and_forbidden_steps_are_refused() {
        let e = next_status(S::Reported, A::Verify, Role::Supervisor, &input()).unwrap_err();
        assert_eq!(
            e,
            TransitionError::NotFromState {
                from: S::Reported,
                action: A::Verify
            }
        );
        assert!(e.message(Lang::Zh).contains("已上报"));
        let e = next_status(S::Rectified, A::Verify, Role::Worker, &input()).unwrap_err();
        assert!(matches!(e, TransitionError::NotPermitted { .. }));
        let e = next_status(S::Reported, A::Assign, Role::Volunteer, &input()).unwrap_err();
        assert!(matches!(e, TransitionError::NotPermitted { .. }));
        let no_assignee = StepInput::default();
        assert_eq!(
            next_status(S::Reported, A::Assign, Role::Worker, &no_assignee),
            Err(TransitionError::Missing("assignee"))
        );
    }

    #[test]
    fn overdue() {
        assert!(is_overdue(S::Assigned, Some(10), 11));
        assert!(!is_overdue(S::Assigned, Some(10), 10));
        assert!(!is_overdue(S::Closed, Some(10), 11));
        assert!(!is_overdue(S::Assigned, None, 11));
    }
}
