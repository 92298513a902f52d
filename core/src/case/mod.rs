//! 事件 (cases): the general closed loop beside hazards — report, accept, dispatch
//! across levels and departments, handle, finish, verify, close, evaluate — with
//! disputes (矛盾纠纷) mediated and settled on the level that owns them. The record,
//! its lifecycle, who may take which step, routing (分级分类推送), time limits and
//! who sees what: the same rules on the phone, the server and the console.
//!
//! A *level* is a node of the grid tree (网格 → 村(社区) → 镇(街道) → 县(市)); a case
//! is owned by one level at a time (`owner_path`, whose queue holds it) and happened
//! in one grid (`grid_path`, which decides who sees it).

mod actions;
mod dispute;
mod level;
mod lifecycle;
mod party;
mod refusal;
mod routing;
mod types;
mod visibility;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::hazard::Severity;
use crate::record::Delivery;

pub use actions::allowed_actions;
pub use dispute::{Agreement, Dispute, MediationOutcome, MediationSession, Signature, SignerRole};
pub use level::{Tier, owner_code, parent_path};
pub use lifecycle::{
    Actor, CaseAction, CaseStatus, Opening, Step, StepInput, apply_step, check_create, is_overdue,
    open, permitted, target,
};
pub use party::{Party, PartyRole};
pub use refusal::CaseRefusal;
pub use routing::{Route, RouteTarget, RoutingRule, RuleError, RuleProblem, route, validate_rules};
pub use types::{CaseTypeRules, DISPUTE, builtin_taxonomy, is_dispute_type, type_rules};
pub use visibility::{redacted_event_for, redacted_for, visible_to};

/// The taxonomy kind of case types (`taxonomy::Taxonomy::kind`).
pub const TAXONOMY_KIND: &str = "case";

/// 事件.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: String,
    /// A code of the case taxonomy (`dispute.neighbor`).
    pub case_type: String,
    pub severity: Severity,
    pub source: CaseSource,
    /// The report, hazard or hotline ticket it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    /// Where it happened, if at an address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_code: Option<String>,
    /// The grid it happened in (scope: who sees it).
    pub grid_path: String,
    /// The level whose queue holds it now.
    pub owner_path: String,
    pub description: String,
    #[serde(default)]
    pub photos: Vec<String>,
    /// The people involved (personal data: never to volunteers).
    #[serde(default)]
    pub parties: Vec<Party>,
    pub status: CaseStatus,
    /// Who handles it now (a person or a department), once dispatched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<Handler>,
    /// Every department it was ever dispatched to: they keep seeing it.
    #[serde(default)]
    pub departments: Vec<String>,
    /// The current step's time limit (epoch ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<i64>,
    /// Set for 矛盾纠纷.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute: Option<Dispute>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    pub reported_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub delivery: Delivery,
    /// Computed when read: past the deadline and still open.
    #[serde(default)]
    pub overdue: bool,
    /// Where the phone was when the case was reported (older apps, console: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<crate::address::GeoPoint>,
}

/// Where a case came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseSource {
    /// Recorded by a grid worker in the field.
    Worker,
    /// A volunteer's or resident's report turned into a case by a supervisor.
    Report,
    /// Entered at the console from a hotline call (12345 and the like).
    Hotline,
    /// A hazard escalated into a case.
    Hazard,
}

impl CaseSource {
    pub const ALL: [CaseSource; 4] = [
        CaseSource::Worker,
        CaseSource::Report,
        CaseSource::Hotline,
        CaseSource::Hazard,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseSource::Worker => "worker",
            CaseSource::Report => "report",
            CaseSource::Hotline => "hotline",
            CaseSource::Hazard => "hazard",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        match self {
            CaseSource::Worker => lang.pick("网格员采集", "grid worker"),
            CaseSource::Report => lang.pick("群众上报", "resident report"),
            CaseSource::Hotline => lang.pick("热线受理", "hotline"),
            CaseSource::Hazard => lang.pick("隐患转办", "from a hazard"),
        }
    }
}

/// Who handles a dispatched case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Handler {
    /// A user (grid worker or supervisor), by user name.
    Person(String),
    /// A department (职能部门), by code.
    Department(String),
}

/// Where a dispatch sends a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DispatchTarget {
    /// A user in scope: the case is theirs to handle.
    Person { user: String },
    /// A department; `level_path` is the level it hangs off, filled in by the
    /// server from its register (a device's word is not taken for it).
    Department {
        code: String,
        #[serde(default)]
        level_path: String,
    },
    /// A lower level's queue (下派): `path` must lie strictly below the owner.
    Level { path: String },
}

/// 评价.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rating {
    pub score: Satisfaction,
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    Basic,
    Unsatisfied,
}

impl Satisfaction {
    pub const ALL: [Satisfaction; 3] = [
        Satisfaction::Satisfied,
        Satisfaction::Basic,
        Satisfaction::Unsatisfied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::Basic => "basic",
            Satisfaction::Unsatisfied => "unsatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        match self {
            Satisfaction::Satisfied => lang.pick("满意", "satisfied"),
            Satisfaction::Basic => lang.pick("基本满意", "basically satisfied"),
            Satisfaction::Unsatisfied => lang.pick("不满意", "not satisfied"),
        }
    }
}

/// One step of a case's timeline: who, when, on which device, what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseEvent {
    pub id: String,
    pub case_id: String,
    /// `None` for the report that opened the case.
    pub action: Option<CaseAction>,
    pub from_status: Option<CaseStatus>,
    pub to_status: CaseStatus,
    pub actor: String,
    pub device_id: String,
    pub at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default)]
    pub photos: Vec<String>,
    /// The level that owns the case after this step.
    pub owner_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<Handler>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<i64>,
}

/// A department (职能部门: 住建, 消防, 市场监管, 派出所, 司法所…) hanging off a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    /// Unique across the deployment (`320583001-police`): what a case's handler names.
    pub code: String,
    /// What kind of department (`police`, `justice`, `housing`…): what case types
    /// and routing rules name, resolved to the nearest department of that kind.
    pub kind: String,
    pub zh: String,
    pub en: String,
    /// The level it belongs to: cases owned at or below it may be dispatched to it.
    pub level_path: String,
}

impl Department {
    pub fn label(&self, lang: crate::i18n::Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

impl Case {
    pub fn is_dispute(&self) -> bool {
        self.dispute.is_some()
    }

    /// Photos the case refers to: its own, its steps' are on the steps.
    pub fn photo_hashes(&self) -> Vec<String> {
        let mut all = self.photos.clone();
        if let Some(a) = self.dispute.as_ref().and_then(|d| d.agreement.as_ref()) {
            all.extend(a.photo_hashes());
        }
        all
    }
}
