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
    /// 上报类别: a code from the case taxonomy (what the points rules price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
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

/// A new report's category: absent, or an active entry of the case taxonomy
/// (the phone offers only those; the server judges again).
pub fn check_category(
    categories: &crate::taxonomy::Taxonomy,
    category: Option<&str>,
) -> Result<(), crate::points::PointsRefusal> {
    use crate::taxonomy::Standing;
    match category.map(|c| categories.category_standing(c)) {
        None | Some(Standing::Active) => Ok(()),
        Some(Standing::Retired) => Err(crate::points::PointsRefusal::CategoryRetired),
        Some(Standing::Unknown) => Err(crate::points::PointsRefusal::UnknownCategory),
    }
}

/// How far apart two reports at one address and of one category may be filed
/// and still be flagged as duplicates, unless the server sets another window.
pub const DUPLICATE_WINDOW_MS: i64 = 72 * 3600 * 1000;

/// Whether `b` looks like a duplicate of `a`: another report at the same address,
/// of the same category, filed within `window_ms` of it.
pub fn is_duplicate(a: &Report, b: &Report, window_ms: i64) -> bool {
    a.id != b.id
        && a.address_code == b.address_code
        && a.category.is_some()
        && a.category == b.category
        && (a.created_at - b.created_at).abs() <= window_ms
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
    fn duplicates_share_address_and_category_within_the_window() {
        let r = |id: &str, addr: &str, cat: Option<&str>, at: i64| Report {
            id: id.into(),
            address_code: addr.into(),
            address_text: String::new(),
            text: String::new(),
            photos: vec![],
            reporter: "v".into(),
            device_id: "d".into(),
            status: ReportStatus::Pending,
            points: 0,
            decision_note: None,
            hazard_id: None,
            created_at: at,
            delivery: Delivery::Local,
            source: ReportSource::Volunteer,
            contact_phone: None,
            category: cat.map(String::from),
            location: None,
        };
        let a = r("a", "X", Some("c"), 0);
        assert!(is_duplicate(&a, &r("b", "X", Some("c"), 1000), 1000));
        assert!(!is_duplicate(&a, &r("b", "X", Some("c"), 1001), 1000));
        assert!(!is_duplicate(&a, &r("b", "Y", Some("c"), 0), 1000));
        assert!(!is_duplicate(&a, &r("b", "X", Some("d"), 0), 1000));
        assert!(!is_duplicate(&a, &a.clone(), 1000), "not its own duplicate");
        let none = r("n", "X", None, 0);
        assert!(!is_duplicate(&none, &r("m", "X", None, 0), 1000));
    }

    #[test]
    fn volunteers_see_only_their_own_reports() {
        assert!(visible_to("v1", Role::Volunteer, "v1"));
        assert!(!visible_to("v1", Role::Volunteer, "v2"));
        assert!(visible_to("v1", Role::Worker, "w1"));
        assert!(visible_to("v1", Role::Supervisor, "s1"));
    }
}
