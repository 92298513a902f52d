//! Who sees which case, and what of it. A level sees the cases that happened in
//! its subtree; a department only those ever dispatched to it; a volunteer only
//! the cases made from their own reports, and never the parties, the mediation
//! record or the notes of the timeline. The server's pull and the console apply
//! these; the phone holds only what it was sent.

use super::lifecycle::Actor;
use super::{Case, CaseEvent};
use crate::role::Role;

pub fn visible_to(case: &Case, actor: &Actor<'_>) -> bool {
    match actor.role {
        Role::Volunteer => case.reported_by == actor.user,
        Role::Department => actor
            .department
            .is_some_and(|d| case.departments.iter().any(|x| x == d)),
        Role::Worker | Role::Supervisor | Role::Admin => {
            case.grid_path.starts_with(actor.scope_path)
        }
    }
}

/// The case as `role` may receive it: volunteers get the outcome, not the people.
pub fn redacted_for(case: &Case, role: Role) -> Case {
    let mut c = case.clone();
    if !role.sees_personal_data() {
        c.parties.clear();
        c.dispute = None;
        c.rating = c.rating.map(|mut r| {
            r.note = None;
            r
        });
    }
    c
}

/// A timeline step as `role` may receive it: volunteers see what happened and
/// when, not the notes or photos (they may name the parties).
pub fn redacted_event_for(event: &CaseEvent, role: Role) -> CaseEvent {
    let mut e = event.clone();
    if !role.sees_personal_data() {
        e.note = None;
        e.photos.clear();
    }
    e
}
