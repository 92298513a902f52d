//! What kind of hazard and how bad: the category codes the built-in checklists
//! raise (with their labels) and the severity scale (隐患等级). These are the
//! built-in hazard taxonomy: the server's seed and a device's until its first
//! sync; afterwards the taxonomy the server ships decides.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::taxonomy::{self, Entry, Taxonomy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(&self, lang: Lang) -> &'static str {
        match self {
            Severity::Low => lang.pick("低", "Low"),
            Severity::Medium => lang.pick("中", "Medium"),
            Severity::High => lang.pick("高", "High"),
            Severity::Critical => lang.pick("重大", "Critical"),
        }
    }
}

/// Hazard category codes used by the built-in templates.
pub const HAZARD_CATEGORIES: [&str; 12] = [
    "fire.ebike_charging",
    "fire.escape_blocked",
    "fire.exit_locked",
    "fire.window_bars",
    "fire.no_smoke_alarm",
    "fire.no_extinguisher",
    "electrical.wiring",
    "electrical.overload",
    "gas.safety",
    "fire.flammable_partition",
    "housing.overcrowding",
    "social.dispute",
];

/// The built-in hazard taxonomy (version 1): [`HAZARD_CATEGORIES`] with their
/// labels and the [`Severity`] scale.
pub fn builtin_taxonomy() -> Taxonomy {
    let categories = HAZARD_CATEGORIES
        .iter()
        .filter_map(|c| builtin_label(c).map(|(zh, en)| Entry::new(c, zh, en)))
        .collect();
    let levels = Severity::ALL
        .iter()
        .map(|s| Entry::new(s.as_str(), s.label(Lang::Zh), s.label(Lang::En)))
        .collect();
    Taxonomy {
        kind: taxonomy::HAZARD.to_string(),
        version: 1,
        categories,
        levels,
    }
}

/// Display label of a hazard category code in the built-in taxonomy; a code not
/// in it reads 未分类 / Uncategorised. Where the synced taxonomy is at hand,
/// [`Taxonomy::category_label`] names categories added since.
pub fn hazard_category_label(code: &str, lang: Lang) -> String {
    match builtin_label(code) {
        Some((zh, en)) => lang.pick(zh, en).to_string(),
        None => taxonomy::uncategorised(lang).to_string(),
    }
}

fn builtin_label(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "fire.ebike_charging" => (
            "电动自行车违规停放充电",
            "E-bike indoor parking or charging",
        ),
        "fire.escape_blocked" => ("疏散通道堵塞", "Blocked escape route"),
        "fire.exit_locked" => ("安全出口锁闭", "Locked safety exit"),
        "fire.window_bars" => ("防盗窗未设逃生口", "Window bars without escape opening"),
        "fire.no_smoke_alarm" => ("未安装烟感报警器", "No smoke alarm"),
        "fire.no_extinguisher" => ("灭火器缺失或失效", "Missing or expired fire extinguisher"),
        "electrical.wiring" => ("电气线路隐患", "Unsafe electrical wiring"),
        "electrical.overload" => ("超负荷用电", "Electrical overload"),
        "gas.safety" => ("燃气安全隐患", "Gas safety hazard"),
        "fire.flammable_partition" => ("易燃可燃材料隔断", "Flammable partitions"),
        "housing.overcrowding" => ("群租超员", "Overcrowding / group renting"),
        "social.dispute" => ("矛盾纠纷", "Conflict or dispute"),
        _ => return None,
    })
}
