//! 隐患 (hazards): the record, its lifecycle state machine, which steps a role
//! may take from a state, who may raise one, and the category and severity
//! scales. The same rules run on the phone and on the server.

mod actions;
mod category;
mod lifecycle;
mod ownership;

use serde::{Deserialize, Serialize};

use crate::record::Delivery;

pub use actions::allowed_actions;
pub use category::{HAZARD_CATEGORIES, Severity, builtin_taxonomy, hazard_category_label};
pub use lifecycle::{
    HazardAction, HazardStatus, StepInput, TransitionError, is_overdue, next_status, target,
};
pub use ownership::{HazardRefusal, check_create};

/// 隐患.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hazard {
    pub id: String,
    pub address_code: String,
    pub category: String,
    pub severity: Severity,
    pub description: String,
    pub status: HazardStatus,
    pub assignee: Option<String>,
    pub deadline: Option<i64>,
    pub photos: Vec<String>,
    pub source_inspection: Option<String>,
    pub source_item: Option<String>,
    pub source_report: Option<String>,
    pub reported_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub delivery: Delivery,
    /// Computed when read: past the deadline and not closed.
    #[serde(default)]
    pub overdue: bool,
    /// Where the phone was when the hazard was reported (older apps: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<crate::address::GeoPoint>,
}

/// One lifecycle step of a hazard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HazardEvent {
    pub id: String,
    pub hazard_id: String,
    pub action: Option<HazardAction>,
    pub from_status: Option<HazardStatus>,
    pub to_status: HazardStatus,
    pub actor: String,
    pub device_id: String,
    pub at: i64,
    pub note: Option<String>,
    pub photos: Vec<String>,
    pub assignee: Option<String>,
    pub deadline: Option<i64>,
}
