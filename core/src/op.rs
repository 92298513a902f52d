//! The operations a device's outbox carries to the server: descriptive edits
//! merged per field, and workflow commands the server judges against its own
//! state. The same types travel over the wire, so both sides agree by construction.

use serde::{Deserialize, Serialize};

use crate::address::EntityKind;
use crate::case::{self, Case, CaseAction, CaseStatus};
use crate::hazard::{Hazard, HazardAction, HazardStatus, StepInput};
use crate::inspection::Inspection;
use crate::record::RecordKind;
use crate::report::Report;

/// What an outbox entry asks the server to do. Descriptive edits carry only the
/// fields that changed (merged per field by HLC); workflow steps are commands the
/// server validates against its current state (`from` is what the device saw).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// A full personal value was revealed on the phone (who and when; the field,
    /// never the value): it reaches the server's audit trail, where an auditor
    /// asks who saw a resident's ID number. The entity is the op's `entity_id`.
    PersonalDataRevealed {
        kind: EntityKind,
        field: String,
        at: i64,
    },
    /// A new case (事件). The server routes it (分级分类推送) unless the reporting
    /// grid worker handles it in their own grid (`handle_myself`).
    CaseCreate {
        case: Box<Case>,
        #[serde(default)]
        handle_myself: bool,
    },
    /// One step of a case, judged by `case::apply_step` against the server's
    /// state (`from` is what the device saw).
    CaseStep {
        event_id: String,
        action: CaseAction,
        from: CaseStatus,
        input: Box<case::StepInput>,
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
            Op::PersonalDataRevealed { .. } => "personal_data_revealed",
            Op::CaseCreate { .. } => "case_create",
            Op::CaseStep { .. } => "case_step",
        }
    }

    /// The kind of record this operation writes (the server's `records.kind`).
    pub fn record_kind(&self) -> RecordKind {
        match self {
            Op::EntityUpsert { kind, .. } | Op::PersonalDataRevealed { kind, .. } => (*kind).into(),
            Op::InspectionSubmit { .. } | Op::InspectionReview { .. } => RecordKind::Inspection,
            Op::HazardCreate { .. } | Op::HazardStep { .. } => RecordKind::Hazard,
            Op::ReportCreate { .. } => RecordKind::Report,
            Op::CaseCreate { .. } | Op::CaseStep { .. } => RecordKind::Case,
        }
    }

    /// Photos this operation refers to: it is not delivered until they are too.
    pub fn photo_hashes(&self) -> Vec<String> {
        match self {
            Op::InspectionSubmit { inspection } => inspection.photo_hashes(),
            Op::HazardCreate { hazard } => hazard.photos.clone(),
            Op::HazardStep { input, .. } => input.photos.clone(),
            Op::ReportCreate { report } => report.photos.clone(),
            Op::CaseCreate { case, .. } => case.photo_hashes(),
            Op::CaseStep { input, .. } => input.photo_hashes(),
            Op::EntityUpsert { .. }
            | Op::InspectionReview { .. }
            | Op::PersonalDataRevealed { .. } => Vec::new(),
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
