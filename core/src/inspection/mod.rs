//! 检查记录 (inspections): the record a checklist produces, its review status,
//! and the two rules about it that the device and the server share: who may
//! write it (ownership) and who may review it, from which state.

mod offer;
mod ownership;
pub mod review;

use serde::{Deserialize, Serialize};

use crate::address::{EntityKind, GeoPoint};
use crate::checklist::{Answers, ItemPhotos};
use crate::i18n::Lang;
use crate::record::Delivery;

pub use offer::{fits, offered_at};
pub use ownership::{Submission, WriteRefusal, check_start, check_submit, check_write};
pub use review::{ReviewDecision, ReviewRefusal, Reviewed};

/// 检查记录.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Item id → answer (a boolean, number, text or choices, by the item's kind).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
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
    /// Every photo the record refers to: failure evidence, photo items and the
    /// signature, sorted and distinct. The rule is [`crate::photo::refs_of`]'s.
    pub fn photo_hashes(&self) -> Vec<String> {
        crate::photo::inspection_refs(&self.answers, &self.photos)
    }
}

/// 检查记录 review status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] = [
        ReviewStatus::Draft,
        ReviewStatus::Submitted,
        ReviewStatus::Approved,
        ReviewStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Draft => "draft",
            ReviewStatus::Submitted => "submitted",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Returned => "returned",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "submitted" => Some(Self::Submitted),
            "approved" => Some(Self::Approved),
            "returned" => Some(Self::Returned),
            _ => None,
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ReviewStatus::Draft => lang.pick("草稿", "draft"),
            ReviewStatus::Submitted => lang.pick("已提交", "submitted"),
            ReviewStatus::Approved => lang.pick("已通过", "approved"),
            ReviewStatus::Returned => lang.pick("已退回", "returned"),
        }
    }
}
