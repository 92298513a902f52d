//! Which lifecycle steps a role may take on a hazard in a given state: what a
//! screen offers as buttons. Inputs (assignee, note) are asked for afterwards,
//! so they do not narrow the list.

use super::lifecycle::{HazardAction, HazardStatus, target};
use crate::role::Role;

/// The steps `role` may take from `state`, in [`HazardAction::ALL`] order.
pub fn allowed_actions(role: Role, state: HazardStatus) -> Vec<HazardAction> {
    HazardAction::ALL
        .into_iter()
        .filter(|a| a.allowed_for(role) && target(state, *a).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hazard::{StepInput, next_status};
    use HazardAction as A;
    use HazardStatus as S;

    /// What the FFI computed before: try every step with an input that has
    /// everything any step could need.
    fn probed(role: Role, state: HazardStatus) -> Vec<HazardAction> {
        let probe = StepInput {
            assignee: Some("-".into()),
            deadline: Some(i64::MAX / 2),
            note: Some("-".into()),
            photos: vec!["0".repeat(64)],
        };
        HazardAction::ALL
            .into_iter()
            .filter(|a| next_status(state, *a, role, &probe).is_ok())
            .collect()
    }

    #[test]
    fn same_as_probing_every_transition() {
        for role in Role::ALL {
            for state in S::ALL {
                assert_eq!(
                    allowed_actions(role, state),
                    probed(role, state),
                    "{role:?} {state:?}"
                );
            }
        }
    }

    #[test]
    fn examples() {
        assert_eq!(
            allowed_actions(Role::Worker, S::Assigned),
            vec![A::Assign, A::StartRectification, A::MarkRectified]
        );
        assert_eq!(
            allowed_actions(Role::Supervisor, S::Rectified),
            vec![A::Verify, A::RejectRectification]
        );
        assert!(allowed_actions(Role::Worker, S::Rectified).is_empty());
        assert!(allowed_actions(Role::Volunteer, S::Reported).is_empty());
        assert_eq!(allowed_actions(Role::Admin, S::Closed), vec![A::Reopen]);
    }
}
