//! Checklist templates (检查表): the versioned JSON shape of sections and items,
//! item kinds and fail rules, and the templates shipped with the app.

use serde::{Deserialize, Serialize};

use super::Text;
use super::validation::TemplateError;
use crate::hazard::Severity;
use crate::i18n::Lang;

const BUILTIN_JSON: [&str; 7] = [
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/rental_fire_safety.v1.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/household_visit.v1.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/small_venue_fire_safety.v1.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/homestay_safety.v1.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/ebike_charging_site.v1.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/gas_safety.v1.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/enterprise_safety_production.v1.json"
    )),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HazardSpec {
    pub category: String,
    pub severity: Severity,
}

/// The case (事件) a failing item opens: a type of the case taxonomy, opened
/// through the core's case rule as the device's own case create does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSpec {
    pub case_type: String,
    pub severity: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppliesTo {
    RentalUnit,
    Household,
    Address,
    Business,
}

impl AppliesTo {
    pub const ALL: [AppliesTo; 4] = [
        AppliesTo::RentalUnit,
        AppliesTo::Household,
        AppliesTo::Address,
        AppliesTo::Business,
    ];

    /// What it applies to, as people read it.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            AppliesTo::RentalUnit => lang.pick("出租房屋", "rental unit"),
            AppliesTo::Household => lang.pick("住户", "household"),
            AppliesTo::Address => lang.pick("地址", "address"),
            AppliesTo::Business => lang.pick("单位场所", "business"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AppliesTo::RentalUnit => "rental_unit",
            AppliesTo::Household => "household",
            AppliesTo::Address => "address",
            AppliesTo::Business => "business",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistTemplate {
    pub id: String,
    pub version: u32,
    pub title: Text,
    pub applies_to: AppliesTo,
    /// For a business checklist: the kinds of business it is for
    /// (`address::BUSINESS_KIND`); empty: any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub business_kinds: Vec<String>,
    pub total_score: u32,
    pub pass_score: u32,
    pub sections: Vec<Section>,
    /// When the server retired it (ms): no new inspection may start with it, the
    /// ones it scored stay readable. Lifecycle set by the server, not by authors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    pub title: Text,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub label: Text,
    #[serde(flatten)]
    pub kind: ItemKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<FailRule>,
    #[serde(default)]
    pub deduction: u32,
    /// 一票否决: failing this item fails the whole inspection regardless of score.
    #[serde(default)]
    pub veto: bool,
    #[serde(default)]
    pub photo_on_fail: bool,
    /// Raised when the item fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hazard: Option<HazardSpec>,
    /// Opened when the item fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<CaseSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemKind {
    YesNoNa,
    Number {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        #[serde(default)]
        integer: bool,
    },
    Text {
        max_len: u32,
    },
    SingleChoice {
        options: Vec<ChoiceOption>,
    },
    MultiChoice {
        options: Vec<ChoiceOption>,
    },
    Photo {
        min: u32,
        max: u32,
    },
    Signature,
}

impl ItemKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ItemKind::YesNoNa => "yes_no_na",
            ItemKind::Number { .. } => "number",
            ItemKind::Text { .. } => "text",
            ItemKind::SingleChoice { .. } => "single_choice",
            ItemKind::MultiChoice { .. } => "multi_choice",
            ItemKind::Photo { .. } => "photo",
            ItemKind::Signature => "signature",
        }
    }

    pub fn options(&self) -> Option<&[ChoiceOption]> {
        match self {
            ItemKind::SingleChoice { options } | ItemKind::MultiChoice { options } => Some(options),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub id: String,
    pub label: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YesNoNa {
    Yes,
    No,
    Na,
}

impl YesNoNa {
    pub fn as_str(self) -> &'static str {
        match self {
            YesNoNa::Yes => "yes",
            YesNoNa::No => "no",
            YesNoNa::Na => "na",
        }
    }

    pub const ALL: [YesNoNa; 3] = [YesNoNa::Yes, YesNoNa::No, YesNoNa::Na];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The answer as people read it.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            YesNoNa::Yes => lang.pick("是", "yes"),
            YesNoNa::No => lang.pick("否", "no"),
            YesNoNa::Na => lang.pick("不适用", "n/a"),
        }
    }
}

/// An item type (`ItemKind::as_str`) as people read it.
pub fn kind_label(kind: &str, lang: Lang) -> &'static str {
    match kind {
        "yes_no_na" => lang.pick("是否题", "yes / no / n.a."),
        "number" => lang.pick("数字题", "number"),
        "text" => lang.pick("文字题", "text"),
        "single_choice" => lang.pick("单选题", "single choice"),
        "multi_choice" => lang.pick("多选题", "multiple choice"),
        "photo" => lang.pick("照片题", "photo"),
        _ => lang.pick("签名题", "signature"),
    }
}

/// An inspection's or an item's result as people read it: 合格 / 不合格.
pub fn pass_label(passed: bool, lang: Lang) -> &'static str {
    if passed {
        lang.pick("合格", "pass")
    } else {
        lang.pick("不合格", "fail")
    }
}

/// When an answered item counts as failed. JSON: `{"answer": "yes"}`, `{"below": 1}`,
/// `{"above": 10}`, `{"any_of": ["bed_space"]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "FailRuleJson", into = "FailRuleJson")]
pub enum FailRule {
    Answer { equals: YesNoNa },
    Below { value: f64 },
    Above { value: f64 },
    AnyOf { options: Vec<String> },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FailRuleJson {
    Answer(YesNoNa),
    Below(f64),
    Above(f64),
    AnyOf(Vec<String>),
}

impl From<FailRuleJson> for FailRule {
    fn from(j: FailRuleJson) -> Self {
        match j {
            FailRuleJson::Answer(equals) => FailRule::Answer { equals },
            FailRuleJson::Below(value) => FailRule::Below { value },
            FailRuleJson::Above(value) => FailRule::Above { value },
            FailRuleJson::AnyOf(options) => FailRule::AnyOf { options },
        }
    }
}

impl From<FailRule> for FailRuleJson {
    fn from(r: FailRule) -> Self {
        match r {
            FailRule::Answer { equals } => FailRuleJson::Answer(equals),
            FailRule::Below { value } => FailRuleJson::Below(value),
            FailRule::Above { value } => FailRuleJson::Above(value),
            FailRule::AnyOf { options } => FailRuleJson::AnyOf(options),
        }
    }
}

impl ChecklistTemplate {
    /// Parses and self-checks a template.
    pub fn from_json(json: &str) -> Result<Self, TemplateError> {
        let t: ChecklistTemplate =
            serde_json::from_str(json).map_err(|e| TemplateError::Json(e.to_string()))?;
        t.check()?;
        Ok(t)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("template serialization cannot fail")
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().find(|i| i.id == id)
    }

    /// All items in template order.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }
}

/// The templates shipped with the app, parsed from the embedded JSON.
pub fn builtin_templates() -> Vec<ChecklistTemplate> {
    BUILTIN_JSON
        .iter()
        .map(|json| {
            ChecklistTemplate::from_json(json)
                .unwrap_or_else(|e| panic!("shipped checklist template is broken: {e}"))
        })
        .collect()
}
