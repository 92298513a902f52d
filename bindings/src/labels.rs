//! Labels the shells show for the core's statuses, actions and categories, in
//! the user's language; the words themselves come from the core.

use gridfield_core::checklist;
use gridfield_core::hazard::{self as hz, HazardAction as CoreHazardAction};

use crate::*;

#[uniffi::export]
pub fn hazard_status_label(status: HazardStatus, lang: Lang) -> String {
    hz::HazardStatus::from(status).label(lang.into()).into()
}

#[uniffi::export]
pub fn hazard_action_label(action: HazardAction, lang: Lang) -> String {
    CoreHazardAction::from(action).label(lang.into()).into()
}

#[uniffi::export]
pub fn severity_label(severity: Severity, lang: Lang) -> String {
    checklist::Severity::from(severity)
        .label(lang.into())
        .into()
}

#[uniffi::export]
pub fn review_status_label(status: ReviewStatus, lang: Lang) -> String {
    gridfield_core::model::ReviewStatus::from(status)
        .label(lang.into())
        .into()
}

#[uniffi::export]
pub fn role_label(role: Role, lang: Lang) -> String {
    gridfield_core::model::Role::from(role)
        .label(lang.into())
        .into()
}
