//! Records that workers create in the field — inspections, hazards and their
//! steps, volunteer reports — and the operations the outbox carries for them.
//! The same types travel over the wire, so client and server agree by construction.

use serde::{Deserialize, Serialize};

use crate::checklist::{Answers, ItemPhotos, Severity, is_photo_hash};
use crate::hazard::{HazardAction, HazardStatus, StepInput};
use crate::model::{EntityKind, GeoPoint, ReportStatus, ReviewStatus};

/// Where a record is on its way: saved on the device → on the server → reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Local,
    Server,
    Reviewed,
    /// The server refused it; the reason is in the audit trail.
    Rejected,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Local => "local",
            Delivery::Server => "server",
            Delivery::Reviewed => "reviewed",
            Delivery::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "local" => Some(Self::Local),
            "server" => Some(Self::Server),
            "reviewed" => Some(Self::Reviewed),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

/// 检查记录.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    pub id: String,
    pub template_id: String,
    pub template_version: u32,
    pub address_code: String,
    pub subject_kind: Option<EntityKind>,
    pub subject_id: Option<String>,
    pub inspector: String,
    pub device_id: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub location: Option<GeoPoint>,
    pub answers: Answers,
    pub photos: ItemPhotos,
    pub score: Option<u32>,
    pub passed: Option<bool>,
    pub vetoed: Option<bool>,
    pub review_status: ReviewStatus,
    pub review_comment: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
    pub delivery: Delivery,
}

impl Inspection {
    /// Every photo the record refers to: failure evidence, photo items and the signature.
    pub fn photo_hashes(&self) -> Vec<String> {
        let mut out: Vec<String> = self.photos.values().flatten().cloned().collect();
        for v in self.answers.values() {
            match v {
                serde_json::Value::String(s) if is_photo_hash(s) => out.push(s.clone()),
                serde_json::Value::Array(a) => out.extend(
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .filter(|s| is_photo_hash(s))
                        .map(String::from),
                ),
                _ => {}
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// 隐患.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// One lifecycle step of a hazard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// 上报 from a volunteer or resident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    pub address_code: String,
    pub address_text: String,
    pub text: String,
    pub photos: Vec<String>,
    pub reporter: String,
    pub device_id: String,
    pub status: ReportStatus,
    pub points: i64,
    pub decision_note: Option<String>,
    pub hazard_id: Option<String>,
    pub created_at: i64,
    pub delivery: Delivery,
}

/// What an outbox entry asks the server to do. Descriptive edits carry only the
/// fields that changed (merged per field by HLC); workflow steps are commands the
/// server validates against its current state (`from` is what the device saw).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Op {
    EntityUpsert {
        kind: EntityKind,
        address_code: String,
        fields: serde_json::Map<String, serde_json::Value>,
        /// Per field, the stamp of the value this write replaced on the writer's
        /// replica (absent: the field had no value there). `None` from apps older
        /// than the causal merge. See [`crate::merge`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bases: Option<serde_json::Map<String, serde_json::Value>>,
    },
    InspectionSubmit {
        inspection: Box<Inspection>,
    },
    HazardCreate {
        hazard: Box<Hazard>,
    },
    HazardStep {
        event_id: String,
        action: HazardAction,
        from: HazardStatus,
        input: StepInput,
        at: i64,
    },
    ReportCreate {
        report: Box<Report>,
    },
    /// A supervisor's decision on a submitted inspection: approve, or return with
    /// a comment that reaches the worker's phone.
    InspectionReview {
        approve: bool,
        comment: Option<String>,
        at: i64,
    },
}

impl Op {
    pub fn type_name(&self) -> &'static str {
        match self {
            Op::EntityUpsert { .. } => "entity_upsert",
            Op::InspectionSubmit { .. } => "inspection_submit",
            Op::HazardCreate { .. } => "hazard_create",
            Op::HazardStep { .. } => "hazard_step",
            Op::ReportCreate { .. } => "report_create",
            Op::InspectionReview { .. } => "inspection_review",
        }
    }

    /// Photos this operation refers to: it is not delivered until they are too.
    pub fn photo_hashes(&self) -> Vec<String> {
        match self {
            Op::InspectionSubmit { inspection } => inspection.photo_hashes(),
            Op::HazardCreate { hazard } => hazard.photos.clone(),
            Op::HazardStep { input, .. } => input.photos.clone(),
            Op::ReportCreate { report } => report.photos.clone(),
            Op::EntityUpsert { .. } | Op::InspectionReview { .. } => Vec::new(),
        }
    }
}

/// One outbox entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub seq: i64,
    pub op_id: String,
    pub entity: String,
    pub entity_id: String,
    pub hlc: String,
    pub created_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub op: Op,
}
