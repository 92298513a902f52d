//! Records as kinds: the closed set of record kinds the device, the wire and the
//! server name (instead of string literals), and where a record is on its way
//! from the phone to review.

use serde::{Deserialize, Serialize};

use crate::address::EntityKind;
use crate::i18n::Lang;

/// Every kind of record the code names: the server's `records.kind`, the
/// outbox's `entity`, checksum groups and audit rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// 网格
    Grid,
    /// 标准地址
    Address,
    /// A checklist template version (检查表).
    Template,
    /// 住户
    Household,
    /// 人员
    Person,
    /// 出租房屋
    RentalUnit,
    /// 单位场所
    Business,
    /// 检查记录
    Inspection,
    /// 隐患 (the server keeps its steps inside the hazard's record)
    Hazard,
    /// One lifecycle step of a hazard (the device's `hazard_events`).
    HazardEvent,
    /// 上报
    Report,
    /// 事件 (the server keeps its steps inside the case's record)
    Case,
    /// One step of a case's timeline (the device's `case_events`).
    CaseEvent,
}

impl RecordKind {
    pub const ALL: [RecordKind; 13] = [
        RecordKind::Grid,
        RecordKind::Address,
        RecordKind::Template,
        RecordKind::Household,
        RecordKind::Person,
        RecordKind::RentalUnit,
        RecordKind::Business,
        RecordKind::Inspection,
        RecordKind::Hazard,
        RecordKind::HazardEvent,
        RecordKind::Report,
        RecordKind::Case,
        RecordKind::CaseEvent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Grid => "grid",
            RecordKind::Address => "address",
            RecordKind::Template => "template",
            RecordKind::Household => "household",
            RecordKind::Person => "person",
            RecordKind::RentalUnit => "rental_unit",
            RecordKind::Business => "business",
            RecordKind::Inspection => "inspection",
            RecordKind::Hazard => "hazard",
            RecordKind::HazardEvent => "hazard_event",
            RecordKind::Report => "report",
            RecordKind::Case => "case",
            RecordKind::CaseEvent => "case_event",
        }
    }

    pub fn parse(s: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The descriptive entity kind (一标多实), if this is one.
    pub fn entity(self) -> Option<EntityKind> {
        match self {
            RecordKind::Household => Some(EntityKind::Household),
            RecordKind::Person => Some(EntityKind::Person),
            RecordKind::RentalUnit => Some(EntityKind::RentalUnit),
            RecordKind::Business => Some(EntityKind::Business),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        if let Some(e) = self.entity() {
            return e.label(lang);
        }
        match self {
            RecordKind::Grid => lang.pick("网格", "grid"),
            RecordKind::Address => lang.pick("地址", "address"),
            RecordKind::Template => lang.pick("检查表", "checklist"),
            RecordKind::Inspection => lang.pick("检查记录", "inspection"),
            RecordKind::Hazard => lang.pick("隐患", "hazard"),
            RecordKind::HazardEvent => lang.pick("隐患处置步骤", "hazard step"),
            RecordKind::Report => lang.pick("上报", "report"),
            RecordKind::Case => lang.pick("事件", "case"),
            RecordKind::CaseEvent => lang.pick("事件处置步骤", "case step"),
            RecordKind::Household
            | RecordKind::Person
            | RecordKind::RentalUnit
            | RecordKind::Business => unreachable!("entity kinds are labelled above"),
        }
    }
}

impl From<EntityKind> for RecordKind {
    fn from(k: EntityKind) -> RecordKind {
        match k {
            EntityKind::Household => RecordKind::Household,
            EntityKind::Person => RecordKind::Person,
            EntityKind::RentalUnit => RecordKind::RentalUnit,
            EntityKind::Business => RecordKind::Business,
        }
    }
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a record is on its way: saved on the device → on the server → reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_and_matches_serde() {
        for k in RecordKind::ALL {
            assert_eq!(RecordKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(RecordKind::parse("nope"), None);
    }

    #[test]
    fn entity_kinds_map_both_ways() {
        for e in EntityKind::ALL {
            let k = RecordKind::from(e);
            assert_eq!(k.as_str(), e.as_str());
            assert_eq!(k.entity(), Some(e));
        }
        assert_eq!(RecordKind::Hazard.entity(), None);
    }

    #[test]
    fn labels_exist_in_both_languages() {
        for k in RecordKind::ALL {
            assert!(!k.label(Lang::Zh).is_empty());
            assert!(!k.label(Lang::Zh).is_ascii(), "{k}");
            assert!(k.label(Lang::En).is_ascii(), "{k}");
        }
    }
}

/// A create whose id is already taken is refused unless it comes from the record's
/// author: then it is the author's own retry (a lost answer, a restored server)
/// and the first write stands. Otherwise a device would overwrite, or be told
/// "applied" for, another user's hazard or report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAuthor;

impl NotAuthor {
    pub fn code(&self) -> &'static str {
        "record.not_owner"
    }

    pub fn message(&self, lang: Lang) -> String {
        lang.pick(
            "该编号的记录属于其他人员，不能覆盖",
            "a record with this id belongs to another user",
        )
        .to_string()
    }
}

/// Whether `user` may create a record whose id already exists with `author`.
pub fn check_recreate(author: &str, user: &str) -> Result<(), NotAuthor> {
    if author == user {
        Ok(())
    } else {
        Err(NotAuthor)
    }
}

#[cfg(test)]
mod recreate_tests {
    use super::*;

    #[test]
    fn only_the_author_retries_a_create() {
        assert_eq!(check_recreate("张伟", "张伟"), Ok(()));
        assert_eq!(check_recreate("张伟", "李娜"), Err(NotAuthor));
    }
}
