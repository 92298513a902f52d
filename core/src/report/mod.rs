//! 上报 (reports) from volunteers and residents: the record, its status, who
//! sees it, and the supervisor's decision rule (accept with points, or dismiss
//! with a reason).

pub mod decision;

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::record::Delivery;
use crate::role::Role;

pub use decision::{Decided, DecisionRefusal, MAX_NOTE_CHARS, MAX_POINTS};

/// 上报 from a volunteer or resident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Who filed it: a volunteer's phone, or a resident on a plate's public page.
    #[serde(default)]
    pub source: ReportSource,
    /// A resident's optional phone for feedback (personal data: shown masked, and
    /// never sent to devices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
    /// Where the phone was when the report was filed (older apps, residents: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<crate::address::GeoPoint>,
}

/// Where a report came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportSource {
    /// A volunteer or worker with the app (the reporter is their user).
    #[default]
    Volunteer,
    /// 居民随手拍: anyone who scanned a plate and used its public page.
    Resident,
}

impl ReportSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportSource::Volunteer => "volunteer",
            ReportSource::Resident => "resident",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ReportSource::Volunteer => lang.pick("志愿者上报", "volunteer report"),
            ReportSource::Resident => lang.pick("居民随手拍", "resident's snapshot report"),
        }
    }
}

/// 上报 status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Pending,
    Accepted,
    Dismissed,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Pending => "pending",
            ReportStatus::Accepted => "accepted",
            ReportStatus::Dismissed => "dismissed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "accepted" => Some(Self::Accepted),
            "dismissed" => Some(Self::Dismissed),
            _ => None,
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ReportStatus::Pending => lang.pick("待处理", "pending"),
            ReportStatus::Accepted => lang.pick("已采纳", "accepted"),
            ReportStatus::Dismissed => lang.pick("未采纳", "dismissed"),
        }
    }
}

/// The label of a resident's feedback phone on a report.
pub fn contact_phone_label(lang: Lang) -> &'static str {
    lang.pick("联系电话", "contact phone")
}

/// Whether `user` with `role` may see a report filed by `reporter`: everyone
/// who sees personal data sees every report in scope; a volunteer sees only
/// their own (the server's pull and checksum apply this).
pub fn visible_to(reporter: &str, role: Role, user: &str) -> bool {
    role.sees_personal_data() || reporter == user
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volunteers_see_only_their_own_reports() {
        assert!(visible_to("v1", Role::Volunteer, "v1"));
        assert!(!visible_to("v1", Role::Volunteer, "v2"));
        assert!(visible_to("v1", Role::Worker, "w1"));
        assert!(visible_to("v1", Role::Supervisor, "s1"));
    }
}
