//! Which steps an actor may take on a case now: what a screen offers as buttons.
//! Inputs (note, target, rating…) are asked for afterwards, so they do not
//! narrow the list.

use super::Case;
use super::lifecycle::{Actor, CaseAction, permitted, target};

/// The steps `actor` may take on `case`, in [`CaseAction::ALL`] order. Mediation
/// steps only on disputes; escalation not from the top level.
pub fn allowed_actions(case: &Case, actor: &Actor<'_>) -> Vec<CaseAction> {
    CaseAction::ALL
        .into_iter()
        .filter(|a| target(case.status, *a).is_some() && permitted(case, *a, actor))
        .filter(|a| !matches!(a, CaseAction::Mediate | CaseAction::Agree) || case.is_dispute())
        .filter(|a| {
            *a != CaseAction::Escalate || super::level::parent_path(&case.owner_path).is_some()
        })
        .collect()
}
