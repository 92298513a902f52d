//! Inspection checklists: versioned JSON templates, answer validation and scoring.
//! A finished inspection is always evaluated against the exact template version it was
//! filled in with, so templates can evolve without invalidating stored inspections.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Item id → raw JSON answer.
pub type Answers = BTreeMap<String, Value>;
/// Item id → photo hashes (SHA-256, 64 lowercase hex) attached as evidence of a failure.
pub type ItemPhotos = BTreeMap<String, Vec<String>>;

const BUILTIN_JSON: [&str; 2] = [
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/rental_fire_safety.v1.json"
    )),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/household_visit.v1.json"
    )),
];

/// Bilingual text: Simplified Chinese is the default for users, English available.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub zh: String,
    #[serde(default)]
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// Falls back to Chinese when no English text was provided.
    pub fn get(&self, english: bool) -> &str {
        if english && !self.en.trim().is_empty() {
            &self.en
        } else {
            &self.zh
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

    pub fn label(&self, english: bool) -> &'static str {
        match (self, english) {
            (Severity::Low, false) => "低",
            (Severity::Medium, false) => "中",
            (Severity::High, false) => "高",
            (Severity::Critical, false) => "重大",
            (Severity::Low, true) => "Low",
            (Severity::Medium, true) => "Medium",
            (Severity::High, true) => "High",
            (Severity::Critical, true) => "Critical",
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

/// Display label for a hazard category code; unknown codes (e.g. from a newer server) are shown as-is.
pub fn hazard_category_label(code: &str, english: bool) -> String {
    let (zh, en) = match code {
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
        _ => return code.to_string(),
    };
    if english { en } else { zh }.to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HazardSpec {
    pub category: String,
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
    pub total_score: u32,
    pub pass_score: u32,
    pub sections: Vec<Section>,
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

    pub fn parse(s: &str) -> Option<Self> {
        [YesNoNa::Yes, YesNoNa::No, YesNoNa::Na]
            .into_iter()
            .find(|v| v.as_str() == s)
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

impl FailRule {
    fn matches(&self, answer: &Parsed<'_>) -> bool {
        match (self, answer) {
            // NA never fails, whatever the rule says.
            (FailRule::Answer { equals }, Parsed::YesNoNa(a)) => *a != YesNoNa::Na && a == equals,
            (FailRule::Below { value }, Parsed::Number(n)) => n < value,
            (FailRule::Above { value }, Parsed::Number(n)) => n > value,
            (FailRule::AnyOf { options }, Parsed::Choice(c)) => options.iter().any(|o| o == c),
            (FailRule::AnyOf { options }, Parsed::Multi(cs)) => {
                cs.iter().any(|c| options.iter().any(|o| o == c))
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// `total_score` minus deductions, floored at 0; 0 if vetoed.
    pub score: u32,
    pub passed: bool,
    pub vetoed: bool,
    /// In template order.
    pub failed_items: Vec<FailedItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedItem {
    pub item_id: String,
    pub label: Text,
    pub deduction: u32,
    pub veto: bool,
    pub hazard: Option<HazardSpec>,
    pub photos: Vec<String>,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TemplateError {
    #[error("checklist template is not valid JSON: {0}")]
    Json(String),
    #[error("checklist template is invalid: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationErrors(pub Vec<AnswerError>);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerError {
    pub item_id: String,
    pub kind: AnswerErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerErrorKind {
    UnknownItem,
    MissingRequired,
    WrongType {
        // Spelled out so serde does not treat it as a borrowed `&str` (which would need `'de: 'static`).
        #[serde(deserialize_with = "de_expected")]
        expected: &'static std::primitive::str,
    },
    OutOfRange,
    NotInteger,
    TooLong,
    UnknownOption(String),
    DuplicateOption,
    TooFewPhotos {
        min: u32,
    },
    TooManyPhotos {
        max: u32,
    },
    PhotoRequiredOnFail,
    BadPhotoHash,
}

const EXPECTED_YES_NO_NA: &str = "\"yes\", \"no\" or \"na\"";
const EXPECTED_NUMBER: &str = "a number";
const EXPECTED_STRING: &str = "a string";
const EXPECTED_OPTION: &str = "an option id";
const EXPECTED_OPTIONS: &str = "an array of option ids";
const EXPECTED_PHOTOS: &str = "an array of photo hashes";
const EXPECTED_SIGNATURE: &str = "a photo hash of the signature";
const EXPECTED_PHOTOS_IN_ANSWER: &str = "photos in the answer of a photo item, not as evidence";
const EXPECTED_NO_EVIDENCE: &str = "no evidence photos unless the item fails";

/// (English, Chinese) for every `WrongType::expected` this module produces.
const EXPECTED_TEXTS: [(&str, &str); 9] = [
    (EXPECTED_YES_NO_NA, "“是”“否”或“不适用”"),
    (EXPECTED_NUMBER, "数字"),
    (EXPECTED_STRING, "文字"),
    (EXPECTED_OPTION, "一个选项"),
    (EXPECTED_OPTIONS, "选项列表"),
    (EXPECTED_PHOTOS, "照片列表"),
    (EXPECTED_SIGNATURE, "签名图片"),
    (
        EXPECTED_PHOTOS_IN_ANSWER,
        "拍照项的照片应作为答案提交，而非作为不合格证据",
    ),
    (EXPECTED_NO_EVIDENCE, "仅不合格的检查项可附证据照片"),
];

// `expected` is `&'static str`, so it can only be deserialized by mapping back onto our own constants.
fn de_expected<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    let s = String::deserialize(d)?;
    EXPECTED_TEXTS
        .iter()
        .map(|(en, _)| *en)
        .find(|en| *en == s)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown expected type {s:?}")))
}

impl AnswerErrorKind {
    pub fn message_zh(&self) -> String {
        match self {
            AnswerErrorKind::UnknownItem => "模板中没有此检查项（应用与模板版本可能不一致）".into(),
            AnswerErrorKind::MissingRequired => "必填项未填写".into(),
            AnswerErrorKind::WrongType { expected } => {
                let zh = EXPECTED_TEXTS
                    .iter()
                    .find(|(en, _)| en == expected)
                    .map_or(*expected, |(_, zh)| *zh);
                format!("答案格式不正确，应为：{zh}")
            }
            AnswerErrorKind::OutOfRange => "数值超出允许范围".into(),
            AnswerErrorKind::NotInteger => "应填写整数".into(),
            AnswerErrorKind::TooLong => "文字超过长度限制".into(),
            AnswerErrorKind::UnknownOption(o) => format!("未知选项“{o}”"),
            AnswerErrorKind::DuplicateOption => "同一选项或照片重复出现".into(),
            AnswerErrorKind::TooFewPhotos { min } => format!("照片数量不足，至少需要{min}张"),
            AnswerErrorKind::TooManyPhotos { max } => format!("照片过多，最多{max}张"),
            AnswerErrorKind::PhotoRequiredOnFail => "该项不合格，须拍照留存证据".into(),
            AnswerErrorKind::BadPhotoHash => "照片标识无效（应为64位小写十六进制SHA-256）".into(),
        }
    }
}

impl fmt::Display for AnswerErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnswerErrorKind::UnknownItem => write!(f, "no such item in this template version"),
            AnswerErrorKind::MissingRequired => write!(f, "required item not answered"),
            AnswerErrorKind::WrongType { expected } => {
                write!(f, "wrong answer type, expected {expected}")
            }
            AnswerErrorKind::OutOfRange => write!(f, "value out of range"),
            AnswerErrorKind::NotInteger => write!(f, "value must be a whole number"),
            AnswerErrorKind::TooLong => write!(f, "text too long"),
            AnswerErrorKind::UnknownOption(o) => write!(f, "unknown option {o:?}"),
            AnswerErrorKind::DuplicateOption => {
                write!(f, "the same option or photo is listed more than once")
            }
            AnswerErrorKind::TooFewPhotos { min } => {
                write!(f, "too few photos, at least {min} required")
            }
            AnswerErrorKind::TooManyPhotos { max } => {
                write!(f, "too many photos, at most {max} allowed")
            }
            AnswerErrorKind::PhotoRequiredOnFail => {
                write!(f, "item failed and needs a photo as evidence")
            }
            AnswerErrorKind::BadPhotoHash => {
                write!(f, "invalid photo hash (expected 64 lowercase hex chars)")
            }
        }
    }
}

impl AnswerError {
    fn new(item_id: &str, kind: AnswerErrorKind) -> Self {
        AnswerError {
            item_id: item_id.to_string(),
            kind,
        }
    }

    pub fn message_zh(&self) -> String {
        format!("{}：{}", self.item_id, self.kind.message_zh())
    }
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.item_id, self.kind)
    }
}

impl ValidationErrors {
    /// One line per error, for showing to the grid worker.
    pub fn message_zh(&self) -> String {
        self.0
            .iter()
            .map(AnswerError::message_zh)
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn has(&self, item_id: &str, kind: &AnswerErrorKind) -> bool {
        self.0
            .iter()
            .any(|e| e.item_id == item_id && &e.kind == kind)
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// A type-checked answer.
enum Parsed<'a> {
    YesNoNa(YesNoNa),
    Number(f64),
    Text,
    Choice(&'a str),
    Multi(Vec<&'a str>),
    Photos,
    Signature,
}

/// A photo is identified by the SHA-256 of its bytes.
pub fn is_photo_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn is_category(s: &str) -> bool {
    s.split('.').all(is_id)
}

/// Checks a list of photo hashes; returns how many are valid and distinct.
fn check_hashes(item_id: &str, hashes: &[&str], errs: &mut Vec<AnswerError>) -> usize {
    let mut seen = BTreeSet::new();
    let mut dup = false;
    for h in hashes {
        if !is_photo_hash(h) {
            errs.push(AnswerError::new(item_id, AnswerErrorKind::BadPhotoHash));
        } else if !seen.insert(*h) {
            dup = true;
        }
    }
    if dup {
        errs.push(AnswerError::new(item_id, AnswerErrorKind::DuplicateOption));
    }
    seen.len()
}

/// Type- and range-checks one answer. `Ok(None)` means "not answered" (null, empty text/photos).
fn parse_answer<'a>(
    item: &Item,
    value: &'a Value,
    finished: bool,
) -> Result<Option<Parsed<'a>>, Vec<AnswerErrorKind>> {
    use AnswerErrorKind as K;
    let wrong = |expected| Err(vec![K::WrongType { expected }]);
    if value.is_null() {
        return Ok(None);
    }
    match &item.kind {
        ItemKind::YesNoNa => match value.as_str().and_then(YesNoNa::parse) {
            Some(a) => Ok(Some(Parsed::YesNoNa(a))),
            None => wrong(EXPECTED_YES_NO_NA),
        },
        ItemKind::Number {
            min, max, integer, ..
        } => {
            let Some(n) = value.as_f64() else {
                return wrong(EXPECTED_NUMBER);
            };
            let mut errs = Vec::new();
            if *integer && n.fract() != 0.0 {
                errs.push(K::NotInteger);
            }
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                errs.push(K::OutOfRange);
            }
            if errs.is_empty() {
                Ok(Some(Parsed::Number(n)))
            } else {
                Err(errs)
            }
        }
        ItemKind::Text { max_len } => {
            let Some(s) = value.as_str() else {
                return wrong(EXPECTED_STRING);
            };
            if s.trim().is_empty() {
                Ok(None)
            } else if s.chars().count() > *max_len as usize {
                Err(vec![K::TooLong])
            } else {
                Ok(Some(Parsed::Text))
            }
        }
        ItemKind::SingleChoice { options } => {
            let Some(s) = value.as_str() else {
                return wrong(EXPECTED_OPTION);
            };
            if options.iter().any(|o| o.id == s) {
                Ok(Some(Parsed::Choice(s)))
            } else {
                Err(vec![K::UnknownOption(s.to_string())])
            }
        }
        ItemKind::MultiChoice { options } => {
            let Some(arr) = value.as_array() else {
                return wrong(EXPECTED_OPTIONS);
            };
            let Some(ids) = arr.iter().map(Value::as_str).collect::<Option<Vec<_>>>() else {
                return wrong(EXPECTED_OPTIONS);
            };
            let mut errs: Vec<_> = ids
                .iter()
                .filter(|id| !options.iter().any(|o| o.id == **id))
                .map(|id| K::UnknownOption(id.to_string()))
                .collect();
            if ids.iter().collect::<BTreeSet<_>>().len() != ids.len() {
                errs.push(K::DuplicateOption);
            }
            // An empty array is a real answer: "none of these apply".
            if errs.is_empty() {
                Ok(Some(Parsed::Multi(ids)))
            } else {
                Err(errs)
            }
        }
        ItemKind::Photo { min, max } => {
            let Some(arr) = value.as_array() else {
                return wrong(EXPECTED_PHOTOS);
            };
            let Some(hashes) = arr.iter().map(Value::as_str).collect::<Option<Vec<_>>>() else {
                return wrong(EXPECTED_PHOTOS);
            };
            let mut errs = Vec::new();
            let n = check_hashes(&item.id, &hashes, &mut errs);
            let mut errs: Vec<_> = errs.into_iter().map(|e| e.kind).collect();
            if hashes.len() > *max as usize {
                errs.push(K::TooManyPhotos { max: *max });
            }
            if !errs.is_empty() {
                return Err(errs);
            }
            if hashes.is_empty() {
                Ok(None)
            } else if finished && n < *min as usize {
                Err(vec![K::TooFewPhotos { min: *min }])
            } else {
                Ok(Some(Parsed::Photos))
            }
        }
        ItemKind::Signature => match value.as_str() {
            Some("") => Ok(None),
            Some(s) if is_photo_hash(s) => Ok(Some(Parsed::Signature)),
            Some(_) => Err(vec![K::BadPhotoHash]),
            None => wrong(EXPECTED_SIGNATURE),
        },
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

    /// Reports every problem found, joined with "; ".
    pub fn check(&self) -> Result<(), TemplateError> {
        let mut p: Vec<String> = Vec::new();
        if !is_id(&self.id) {
            p.push(format!(
                "template id {:?} must be lowercase snake_case",
                self.id
            ));
        }
        if self.version == 0 {
            p.push("version must be >= 1".into());
        }
        if self.title.zh.trim().is_empty() {
            p.push("template title is empty".into());
        }
        if self.total_score == 0 {
            p.push("total_score must be > 0".into());
        }
        if self.pass_score > self.total_score {
            p.push(format!(
                "pass_score {} exceeds total_score {}",
                self.pass_score, self.total_score
            ));
        }
        if self.sections.is_empty() {
            p.push("template has no sections".into());
        }
        let mut section_ids = BTreeSet::new();
        let mut item_ids = BTreeSet::new();
        let mut deductions: u64 = 0;
        for s in &self.sections {
            if !is_id(&s.id) {
                p.push(format!(
                    "section id {:?} must be lowercase snake_case",
                    s.id
                ));
            }
            if !section_ids.insert(s.id.as_str()) {
                p.push(format!("duplicate section id {:?}", s.id));
            }
            if s.title.zh.trim().is_empty() {
                p.push(format!("section {}: empty title", s.id));
            }
            if s.items.is_empty() {
                p.push(format!("section {}: no items", s.id));
            }
            for item in &s.items {
                if !item_ids.insert(item.id.as_str()) {
                    p.push(format!("duplicate item id {:?}", item.id));
                }
                deductions += u64::from(item.deduction);
                self.check_item(item, &mut p);
            }
        }
        if deductions > u64::from(u32::MAX) {
            p.push("sum of deductions overflows".into());
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(TemplateError::Invalid(p.join("; ")))
        }
    }

    fn check_item(&self, item: &Item, p: &mut Vec<String>) {
        let id = &item.id;
        if !is_id(id) {
            p.push(format!("item id {id:?} must be lowercase snake_case"));
        }
        if item.label.zh.trim().is_empty() {
            p.push(format!("item {id}: empty label"));
        }
        if item.help.as_ref().is_some_and(|h| h.zh.trim().is_empty()) {
            p.push(format!("item {id}: empty help text"));
        }
        match &item.kind {
            ItemKind::Number { min, max, .. } => {
                if min.is_some_and(|v| !v.is_finite()) || max.is_some_and(|v| !v.is_finite()) {
                    p.push(format!("item {id}: min/max must be finite"));
                }
                if let (Some(lo), Some(hi)) = (min, max)
                    && lo > hi
                {
                    p.push(format!("item {id}: min > max"));
                }
            }
            ItemKind::Text { max_len } if *max_len == 0 => {
                p.push(format!("item {id}: max_len must be > 0"))
            }
            ItemKind::SingleChoice { options } | ItemKind::MultiChoice { options } => {
                if options.is_empty() {
                    p.push(format!("item {id}: no options"));
                }
                let mut seen = BTreeSet::new();
                for o in options {
                    if !is_id(&o.id) {
                        p.push(format!(
                            "item {id}: option id {:?} must be lowercase snake_case",
                            o.id
                        ));
                    }
                    if !seen.insert(o.id.as_str()) {
                        p.push(format!("item {id}: duplicate option {:?}", o.id));
                    }
                    if o.label.zh.trim().is_empty() {
                        p.push(format!("item {id}: option {} has an empty label", o.id));
                    }
                }
            }
            ItemKind::Photo { min, max } if *max == 0 || min > max => p.push(format!(
                "item {id}: photo limits need 1 <= max and min <= max"
            )),
            _ => {}
        }
        if item.deduction > self.total_score {
            p.push(format!(
                "item {id}: deduction {} exceeds total_score",
                item.deduction
            ));
        }
        if let Some(h) = &item.hazard
            && !is_category(&h.category)
        {
            p.push(format!(
                "item {id}: hazard category {:?} must be dotted snake_case",
                h.category
            ));
        }
        let Some(rule) = &item.fail else {
            if item.deduction > 0 || item.veto || item.photo_on_fail || item.hazard.is_some() {
                p.push(format!("item {id}: has deduction/veto/photo/hazard but no fail rule, so it can never fail"));
            }
            return;
        };
        match (rule, &item.kind) {
            (
                FailRule::Answer {
                    equals: YesNoNa::Na,
                },
                ItemKind::YesNoNa,
            ) => p.push(format!(
                "item {id}: fail rule on \"na\" is meaningless, NA never fails"
            )),
            (FailRule::Answer { .. }, ItemKind::YesNoNa) => {}
            (FailRule::Below { value }, ItemKind::Number { min, .. }) => {
                if !value.is_finite() || min.is_some_and(|m| *value <= m) {
                    p.push(format!("item {id}: \"below\" {value} can never fail"));
                }
            }
            (FailRule::Above { value }, ItemKind::Number { max, .. }) => {
                if !value.is_finite() || max.is_some_and(|m| *value >= m) {
                    p.push(format!("item {id}: \"above\" {value} can never fail"));
                }
            }
            (
                FailRule::AnyOf { options },
                ItemKind::SingleChoice { options: opts } | ItemKind::MultiChoice { options: opts },
            ) => {
                if options.is_empty() {
                    p.push(format!("item {id}: \"any_of\" is empty"));
                }
                let mut seen = BTreeSet::new();
                for o in options {
                    if !opts.iter().any(|c| &c.id == o) {
                        p.push(format!("item {id}: \"any_of\" names unknown option {o:?}"));
                    }
                    if !seen.insert(o) {
                        p.push(format!("item {id}: \"any_of\" repeats option {o:?}"));
                    }
                }
            }
            (rule, kind) => p.push(format!(
                "item {id}: fail rule {} does not fit item type {}",
                match rule {
                    FailRule::Answer { .. } => "answer",
                    FailRule::Below { .. } => "below",
                    FailRule::Above { .. } => "above",
                    FailRule::AnyOf { .. } => "any_of",
                },
                kind.as_str()
            )),
        }
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().find(|i| i.id == id)
    }

    /// All items in template order.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }

    /// Validate a finished inspection's answers against THIS template version and score it.
    pub fn evaluate(
        &self,
        answers: &Answers,
        photos: &ItemPhotos,
    ) -> Result<Evaluation, ValidationErrors> {
        self.run(answers, photos, true)
    }

    /// Validate a partial (draft) answer set: type/range checks only, no required/photo checks.
    pub fn check_partial(
        &self,
        answers: &Answers,
        photos: &ItemPhotos,
    ) -> Result<(), ValidationErrors> {
        self.run(answers, photos, false).map(|_| ())
    }

    fn run(
        &self,
        answers: &Answers,
        photos: &ItemPhotos,
        finished: bool,
    ) -> Result<Evaluation, ValidationErrors> {
        let mut errs = Vec::new();
        let mut parsed: BTreeMap<&str, Parsed<'_>> = BTreeMap::new();
        let mut bad: BTreeSet<&str> = BTreeSet::new();
        for (id, value) in answers {
            let Some(item) = self.item(id) else {
                errs.push(AnswerError::new(id, AnswerErrorKind::UnknownItem));
                continue;
            };
            match parse_answer(item, value, finished) {
                Ok(Some(p)) => {
                    parsed.insert(&item.id, p);
                }
                Ok(None) => {}
                Err(kinds) => {
                    bad.insert(&item.id);
                    errs.extend(kinds.into_iter().map(|k| AnswerError::new(id, k)));
                }
            }
        }
        for (id, hashes) in photos {
            match self.item(id) {
                None => errs.push(AnswerError::new(id, AnswerErrorKind::UnknownItem)),
                Some(item) if matches!(item.kind, ItemKind::Photo { .. }) && !hashes.is_empty() => {
                    bad.insert(id);
                    errs.push(AnswerError::new(
                        id,
                        AnswerErrorKind::WrongType {
                            expected: EXPECTED_PHOTOS_IN_ANSWER,
                        },
                    ))
                }
                Some(_) => {
                    let before = errs.len();
                    check_hashes(
                        id,
                        &hashes.iter().map(String::as_str).collect::<Vec<_>>(),
                        &mut errs,
                    );
                    if errs.len() > before {
                        bad.insert(id);
                    }
                }
            }
        }

        let mut failed_items = Vec::new();
        let mut deductions: u64 = 0;
        let mut vetoed = false;
        for item in self.items() {
            if bad.contains(item.id.as_str()) {
                continue;
            }
            let answer = parsed.get(item.id.as_str());
            let evidence = photos.get(&item.id).filter(|h| !h.is_empty());
            let Some(answer) = answer else {
                if finished && item.required {
                    errs.push(AnswerError::new(&item.id, AnswerErrorKind::MissingRequired));
                } else if finished && evidence.is_some() {
                    errs.push(AnswerError::new(
                        &item.id,
                        AnswerErrorKind::WrongType {
                            expected: EXPECTED_NO_EVIDENCE,
                        },
                    ));
                }
                continue;
            };
            if !item.fail.as_ref().is_some_and(|r| r.matches(answer)) {
                if finished && evidence.is_some() {
                    errs.push(AnswerError::new(
                        &item.id,
                        AnswerErrorKind::WrongType {
                            expected: EXPECTED_NO_EVIDENCE,
                        },
                    ));
                }
                continue;
            }
            if finished && item.photo_on_fail && evidence.is_none() {
                errs.push(AnswerError::new(
                    &item.id,
                    AnswerErrorKind::PhotoRequiredOnFail,
                ));
            }
            deductions += u64::from(item.deduction);
            vetoed |= item.veto;
            failed_items.push(FailedItem {
                item_id: item.id.clone(),
                label: item.label.clone(),
                deduction: item.deduction,
                veto: item.veto,
                hazard: item.hazard.clone(),
                photos: evidence.cloned().unwrap_or_default(),
            });
        }

        if !errs.is_empty() {
            // Form order is what the worker scrolls through; unknown ids go last.
            let pos: BTreeMap<&str, usize> = self
                .items()
                .enumerate()
                .map(|(i, it)| (it.id.as_str(), i))
                .collect();
            errs.sort_by_key(|e| pos.get(e.item_id.as_str()).copied().unwrap_or(usize::MAX));
            return Err(ValidationErrors(errs));
        }
        let score = if vetoed {
            0
        } else {
            self.total_score
                .saturating_sub(deductions.min(u64::from(u32::MAX)) as u32)
        };
        Ok(Evaluation {
            score,
            passed: !vetoed && score >= self.pass_score,
            vetoed,
            failed_items,
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const H1: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const H2: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    fn rental() -> ChecklistTemplate {
        builtin_templates()
            .into_iter()
            .find(|t| t.id == "rental_fire_safety")
            .unwrap()
    }

    fn household() -> ChecklistTemplate {
        builtin_templates()
            .into_iter()
            .find(|t| t.id == "household_visit")
            .unwrap()
    }

    fn answers(pairs: &[(&str, Value)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn passing_rental() -> Answers {
        answers(&[
            ("ebike_indoor", json!("no")),
            ("ebike_flying_lead", json!("no")),
            ("escape_blocked", json!("no")),
            ("exit_locked", json!("no")),
            ("emergency_lighting", json!("na")),
            ("window_bars_escape", json!("yes")),
            ("smoke_alarm", json!("yes")),
            ("extinguisher_count", json!(2)),
            ("extinguisher_expired", json!("no")),
            ("wiring_unsafe", json!("no")),
            ("socket_overload", json!("no")),
            ("leakage_breaker", json!("yes")),
            ("gas_type", json!("piped")),
            ("gas_cylinder_living", json!("na")),
            ("gas_hose_aged", json!("no")),
            ("gas_alarm", json!("yes")),
            ("flammable_partition", json!("no")),
            ("occupant_count", json!(3)),
            ("area_per_person", json!(12.5)),
            ("rental_use", json!("whole")),
            ("non_living_room_occupied", json!("no")),
            ("remarks", json!("无")),
            ("site_photos", json!([H1])),
            ("landlord_signature", json!(H2)),
        ])
    }

    fn no_photos() -> ItemPhotos {
        ItemPhotos::new()
    }

    fn errors(t: &ChecklistTemplate, a: &Answers, p: &ItemPhotos) -> ValidationErrors {
        t.evaluate(a, p).expect_err("expected validation errors")
    }

    #[test]
    fn builtin_templates_parse_and_check() {
        let ts = builtin_templates();
        assert_eq!(ts.len(), 2);
        for t in &ts {
            t.check().unwrap();
            assert_eq!(t.version, 1);
            assert_eq!(t.total_score, 100);
            for item in t.items() {
                if let Some(h) = &item.hazard {
                    assert!(
                        HAZARD_CATEGORIES.contains(&h.category.as_str()),
                        "{}",
                        h.category
                    );
                }
            }
            // Serializing and re-parsing must be lossless, since templates are synced as JSON.
            assert_eq!(&ChecklistTemplate::from_json(&t.to_json()).unwrap(), t);
        }
        let r = rental();
        assert_eq!((r.applies_to, r.pass_score), (AppliesTo::RentalUnit, 80));
        let h = household();
        assert_eq!((h.applies_to, h.pass_score), (AppliesTo::Household, 60));
    }

    #[test]
    fn hazard_labels() {
        for code in HAZARD_CATEGORIES {
            assert_ne!(hazard_category_label(code, false), code);
            assert_ne!(hazard_category_label(code, true), code);
        }
        assert_eq!(
            hazard_category_label("fire.ebike_charging", false),
            "电动自行车违规停放充电"
        );
        assert_eq!(hazard_category_label("future.thing", true), "future.thing");
    }

    #[test]
    fn severity_and_text_helpers() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        assert_eq!(Severity::parse("severe"), None);
        assert_eq!(Severity::Critical.label(false), "重大");
        assert!(Severity::Low < Severity::Critical);
        let t = Text::new("消防", "");
        assert_eq!(t.get(true), "消防");
        assert_eq!(Text::new("消防", "Fire").get(true), "Fire");
    }

    #[test]
    fn fully_passing_answers_score_total() {
        let e = rental().evaluate(&passing_rental(), &no_photos()).unwrap();
        assert_eq!(
            e,
            Evaluation {
                score: 100,
                passed: true,
                vetoed: false,
                failed_items: vec![]
            }
        );
    }

    #[test]
    fn deductions_and_hazards() {
        let mut a = passing_rental();
        a.insert("smoke_alarm".into(), json!("no"));
        a.insert("extinguisher_count".into(), json!(0));
        a.insert("rental_use".into(), json!("bed_space"));
        let e = rental().evaluate(&a, &no_photos()).unwrap();
        assert_eq!(e.score, 70);
        assert!(!e.passed && !e.vetoed);
        let ids: Vec<_> = e.failed_items.iter().map(|f| f.item_id.as_str()).collect();
        assert_eq!(ids, ["smoke_alarm", "extinguisher_count", "rental_use"]);
        assert_eq!(
            e.failed_items[0].hazard.as_ref().unwrap().category,
            "fire.no_smoke_alarm"
        );
        assert_eq!(
            e.failed_items[2].hazard.as_ref().unwrap().category,
            "housing.overcrowding"
        );
    }

    #[test]
    fn overcrowding_below_rule() {
        let mut a = passing_rental();
        a.insert("area_per_person".into(), json!(3.5));
        let e = rental().evaluate(&a, &no_photos()).unwrap();
        assert_eq!((e.score, e.passed), (90, true));
        assert_eq!(e.failed_items[0].item_id, "area_per_person");
        a.insert("area_per_person".into(), json!(4));
        assert!(
            rental()
                .evaluate(&a, &no_photos())
                .unwrap()
                .failed_items
                .is_empty()
        );
    }

    #[test]
    fn veto_item_fails_inspection() {
        let mut a = passing_rental();
        a.insert("ebike_indoor".into(), json!("yes"));
        let photos = ItemPhotos::from([("ebike_indoor".to_string(), vec![H1.to_string()])]);
        let e = rental().evaluate(&a, &photos).unwrap();
        assert!(e.vetoed && !e.passed);
        assert_eq!(e.score, 0);
        let f = &e.failed_items[0];
        assert_eq!(f.item_id, "ebike_indoor");
        assert!(f.veto);
        assert_eq!(f.photos, vec![H1.to_string()]);
        assert_eq!(
            f.hazard,
            Some(HazardSpec {
                category: "fire.ebike_charging".into(),
                severity: Severity::High
            })
        );
    }

    #[test]
    fn na_never_fails() {
        let mut a = passing_rental();
        a.insert("smoke_alarm".into(), json!("na"));
        a.insert("ebike_indoor".into(), json!("na"));
        assert_eq!(rental().evaluate(&a, &no_photos()).unwrap().score, 100);
    }

    #[test]
    fn missing_required() {
        let mut a = passing_rental();
        a.remove("landlord_signature");
        a.remove("site_photos");
        a.insert("remarks".into(), Value::Null);
        a.insert("gas_type".into(), Value::Null);
        let e = errors(&rental(), &a, &no_photos());
        assert_eq!(e.0.len(), 3, "{e}");
        for id in ["gas_type", "site_photos", "landlord_signature"] {
            assert!(e.has(id, &AnswerErrorKind::MissingRequired), "{e}");
        }
        // A draft may be incomplete.
        rental().check_partial(&a, &no_photos()).unwrap();
        rental()
            .check_partial(&Answers::new(), &no_photos())
            .unwrap();
    }

    #[test]
    fn optional_items_may_be_unanswered() {
        let a = answers(&[
            ("residents_present", json!("no")),
            ("population_change", json!("none")),
        ]);
        let e = household().evaluate(&a, &no_photos()).unwrap();
        assert_eq!((e.score, e.passed), (100, true));
        let e = errors(
            &household(),
            &answers(&[("residents_present", json!("no"))]),
            &no_photos(),
        );
        assert_eq!(
            e.0,
            vec![AnswerError::new(
                "population_change",
                AnswerErrorKind::MissingRequired
            )]
        );
    }

    #[test]
    fn household_dispute_raises_hazard() {
        let a = answers(&[
            ("residents_present", json!("yes")),
            ("population_change", json!("moved_in")),
            ("special_groups", json!(["elderly_alone", "hardship"])),
            ("dispute", json!("yes")),
            ("dispute_detail", json!("与楼上邻居因漏水产生纠纷")),
        ]);
        let e = household().evaluate(&a, &no_photos()).unwrap();
        assert_eq!((e.score, e.passed), (90, true));
        assert_eq!(
            e.failed_items[0].hazard,
            Some(HazardSpec {
                category: "social.dispute".into(),
                severity: Severity::Medium
            })
        );
    }

    #[test]
    fn photo_required_on_fail() {
        let mut a = passing_rental();
        a.insert("escape_blocked".into(), json!("yes"));
        let e = errors(&rental(), &a, &no_photos());
        assert_eq!(
            e.0,
            vec![AnswerError::new(
                "escape_blocked",
                AnswerErrorKind::PhotoRequiredOnFail
            )]
        );
        // Drafts are not held to it yet.
        rental().check_partial(&a, &no_photos()).unwrap();
        let photos = ItemPhotos::from([(
            "escape_blocked".to_string(),
            vec![H1.to_string(), H2.to_string()],
        )]);
        let ev = rental().evaluate(&a, &photos).unwrap();
        assert_eq!((ev.score, ev.passed), (85, true));
        assert_eq!(ev.failed_items[0].photos.len(), 2);
    }

    #[test]
    fn evidence_photos_only_on_failed_items() {
        let photos = ItemPhotos::from([("smoke_alarm".to_string(), vec![H1.to_string()])]);
        let e = errors(&rental(), &passing_rental(), &photos);
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].item_id, "smoke_alarm");
        assert!(matches!(e.0[0].kind, AnswerErrorKind::WrongType { .. }));
        // In a draft, evidence may be taken before the answer is set.
        rental().check_partial(&passing_rental(), &photos).unwrap();

        let photos = ItemPhotos::from([("site_photos".to_string(), vec![H1.to_string()])]);
        let e = errors(&rental(), &passing_rental(), &photos);
        assert_eq!(
            e.0,
            vec![AnswerError::new(
                "site_photos",
                AnswerErrorKind::WrongType {
                    expected: EXPECTED_PHOTOS_IN_ANSWER
                }
            )]
        );

        let photos =
            ItemPhotos::from([("smoke_alarm".to_string(), vec!["not-a-hash".to_string()])]);
        let e = rental()
            .check_partial(&passing_rental(), &photos)
            .unwrap_err();
        assert!(e.has("smoke_alarm", &AnswerErrorKind::BadPhotoHash));
    }

    #[test]
    fn wrong_types_rejected_with_item_id() {
        let cases = [
            ("ebike_indoor", json!(true)),
            ("ebike_indoor", json!("maybe")),
            ("extinguisher_count", json!("2")),
            ("remarks", json!(5)),
            ("gas_type", json!(["piped"])),
            ("site_photos", json!(H1)),
            ("site_photos", json!([1])),
            ("landlord_signature", json!([H1])),
        ];
        for (id, v) in cases {
            let mut a = passing_rental();
            a.insert(id.into(), v.clone());
            let e = errors(&rental(), &a, &no_photos());
            assert_eq!(e.0.len(), 1, "{id} {v}: {e}");
            assert_eq!(e.0[0].item_id, id);
            assert!(
                matches!(e.0[0].kind, AnswerErrorKind::WrongType { .. }),
                "{id} {v}: {e}"
            );
            let e2 = rental().check_partial(&a, &no_photos()).unwrap_err();
            assert_eq!(e2, e);
        }
        let a = answers(&[("special_groups", json!("disabled"))]);
        let e = household().check_partial(&a, &no_photos()).unwrap_err();
        assert!(matches!(e.0[0].kind, AnswerErrorKind::WrongType { .. }));
    }

    #[test]
    fn range_and_format_checks() {
        use AnswerErrorKind as K;
        let t = rental();
        let check = |id: &str, v: Value, kind: K| {
            let mut a = passing_rental();
            a.insert(id.into(), v.clone());
            let e = t.check_partial(&a, &no_photos()).unwrap_err();
            assert!(e.has(id, &kind), "{id} {v}: {e}");
        };
        check("extinguisher_count", json!(-1), K::OutOfRange);
        check("extinguisher_count", json!(101), K::OutOfRange);
        check("extinguisher_count", json!(1.5), K::NotInteger);
        check("area_per_person", json!(-0.1), K::OutOfRange);
        check("remarks", json!("隐".repeat(1001)), K::TooLong);
        check("gas_type", json!("coal"), K::UnknownOption("coal".into()));
        check("rental_use", json!(""), K::UnknownOption("".into()));
        check("site_photos", json!(["abc"]), K::BadPhotoHash);
        check("site_photos", json!([H1.to_uppercase()]), K::BadPhotoHash);
        check("site_photos", json!([H1, H1]), K::DuplicateOption);
        check(
            "site_photos",
            json!(vec![H1; 10]),
            K::TooManyPhotos { max: 9 },
        );
        check("landlord_signature", json!("x"), K::BadPhotoHash);
        // 1000 Chinese characters fit: length is counted in characters, not bytes.
        let mut a = passing_rental();
        a.insert("remarks".into(), json!("隐".repeat(1000)));
        t.evaluate(&a, &no_photos()).unwrap();

        let h = household();
        let e = h
            .check_partial(
                &answers(&[("special_groups", json!(["disabled", "pets"]))]),
                &no_photos(),
            )
            .unwrap_err();
        assert_eq!(
            e.0,
            vec![AnswerError::new(
                "special_groups",
                K::UnknownOption("pets".into())
            )]
        );
        let e = h
            .check_partial(
                &answers(&[("special_groups", json!(["disabled", "disabled"]))]),
                &no_photos(),
            )
            .unwrap_err();
        assert!(e.has("special_groups", &K::DuplicateOption));
        h.check_partial(&answers(&[("special_groups", json!([]))]), &no_photos())
            .unwrap();
    }

    #[test]
    fn too_few_photos_only_when_finished() {
        let mut t = rental();
        for s in &mut t.sections {
            for i in &mut s.items {
                if i.id == "site_photos" {
                    i.kind = ItemKind::Photo { min: 2, max: 9 };
                }
            }
        }
        t.check().unwrap();
        let e = errors(&t, &passing_rental(), &no_photos());
        assert_eq!(
            e.0,
            vec![AnswerError::new(
                "site_photos",
                AnswerErrorKind::TooFewPhotos { min: 2 }
            )]
        );
        t.check_partial(&passing_rental(), &no_photos()).unwrap();
    }

    #[test]
    fn unknown_items_rejected() {
        let mut a = passing_rental();
        a.insert("ebike_garage".into(), json!("yes"));
        let photos = ItemPhotos::from([("old_item".to_string(), vec![H1.to_string()])]);
        let e = errors(&rental(), &a, &photos);
        assert_eq!(
            e.0,
            vec![
                AnswerError::new("ebike_garage", AnswerErrorKind::UnknownItem),
                AnswerError::new("old_item", AnswerErrorKind::UnknownItem),
            ]
        );
        assert_eq!(rental().check_partial(&a, &photos).unwrap_err(), e);
    }

    #[test]
    fn error_messages() {
        let mut a = passing_rental();
        a.remove("landlord_signature");
        a.insert("gas_type".into(), json!("coal"));
        a.insert("ebike_indoor".into(), json!(1));
        let e = errors(&rental(), &a, &no_photos());
        assert_eq!(
            e.to_string(),
            "ebike_indoor: wrong answer type, expected \"yes\", \"no\" or \"na\"\n\
             gas_type: unknown option \"coal\"\n\
             landlord_signature: required item not answered"
        );
        assert_eq!(
            e.message_zh(),
            "ebike_indoor：答案格式不正确，应为：“是”“否”或“不适用”\n\
             gas_type：未知选项“coal”\n\
             landlord_signature：必填项未填写"
        );
        // Errors cross the FFI/sync boundary as JSON.
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<ValidationErrors>(&json).unwrap(), e);
        let _: &dyn std::error::Error = &e;
    }

    fn broken(edit: impl FnOnce(&mut ChecklistTemplate)) -> String {
        let mut t = rental();
        edit(&mut t);
        match t.check() {
            Err(TemplateError::Invalid(msg)) => msg,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    fn item_mut<'a>(t: &'a mut ChecklistTemplate, id: &str) -> &'a mut Item {
        t.sections
            .iter_mut()
            .flat_map(|s| s.items.iter_mut())
            .find(|i| i.id == id)
            .unwrap()
    }

    #[test]
    fn check_rejects_broken_templates() {
        let msg = broken(|t| {
            let dup = t.sections[0].items[0].clone();
            t.sections[1].items.push(dup);
        });
        assert!(msg.contains("duplicate item id \"ebike_indoor\""), "{msg}");

        let msg = broken(|t| t.sections[1].id = "ebike".into());
        assert!(msg.contains("duplicate section id"), "{msg}");

        let msg = broken(|t| {
            item_mut(t, "rental_use").fail = Some(FailRule::AnyOf {
                options: vec!["castle".into()],
            })
        });
        assert!(msg.contains("unknown option \"castle\""), "{msg}");

        let msg =
            broken(|t| item_mut(t, "smoke_alarm").fail = Some(FailRule::Below { value: 1.0 }));
        assert!(msg.contains("does not fit item type yes_no_na"), "{msg}");

        let msg = broken(|t| {
            item_mut(t, "smoke_alarm").fail = Some(FailRule::Answer {
                equals: YesNoNa::Na,
            })
        });
        assert!(msg.contains("NA never fails"), "{msg}");

        let msg = broken(|t| {
            item_mut(t, "remarks").fail = Some(FailRule::AnyOf {
                options: vec!["x".into()],
            })
        });
        assert!(msg.contains("does not fit item type text"), "{msg}");

        let msg = broken(|t| {
            item_mut(t, "extinguisher_count").fail = Some(FailRule::Below { value: 0.0 })
        });
        assert!(msg.contains("can never fail"), "{msg}");

        let msg = broken(|t| item_mut(t, "remarks").deduction = 5);
        assert!(msg.contains("no fail rule"), "{msg}");

        let msg = broken(|t| {
            if let ItemKind::SingleChoice { options } = &mut item_mut(t, "gas_type").kind {
                options.push(options[0].clone());
            }
        });
        assert!(msg.contains("duplicate option \"none\""), "{msg}");

        let msg =
            broken(|t| item_mut(t, "gas_type").kind = ItemKind::SingleChoice { options: vec![] });
        assert!(msg.contains("no options"), "{msg}");

        let msg =
            broken(|t| item_mut(t, "smoke_alarm").hazard.as_mut().unwrap().category = "".into());
        assert!(msg.contains("hazard category"), "{msg}");

        let msg = broken(|t| t.pass_score = 101);
        assert!(msg.contains("pass_score"), "{msg}");

        let msg = broken(|t| item_mut(t, "smoke_alarm").deduction = 150);
        assert!(msg.contains("exceeds total_score"), "{msg}");

        assert!(matches!(
            ChecklistTemplate::from_json("{"),
            Err(TemplateError::Json(_))
        ));
        let bad = rental()
            .to_json()
            .replace("\"below\": 1", "\"below\": \"one\"");
        assert!(matches!(
            ChecklistTemplate::from_json(&bad),
            Err(TemplateError::Json(_))
        ));
    }

    #[test]
    fn item_json_shape() {
        let item = rental().item("extinguisher_count").unwrap().clone();
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            json!({
                "id": "extinguisher_count",
                "label": {"zh": "配备的灭火器数量", "en": "Number of fire extinguishers"},
                "type": "number", "min": 0.0, "max": 100.0, "unit": "具", "integer": true,
                "required": true,
                "fail": {"below": 1.0},
                "deduction": 10, "veto": false, "photo_on_fail": false,
                "hazard": {"category": "fire.no_extinguisher", "severity": "medium"},
                "help": item.help,
            })
        );
        let minimal: Item = serde_json::from_value(
            json!({"id": "x", "label": {"zh": "签字"}, "type": "signature"}),
        )
        .unwrap();
        assert_eq!(minimal.kind, ItemKind::Signature);
        assert!(!minimal.required && minimal.fail.is_none() && minimal.label.en.is_empty());
    }

    /// Stored inspections keep validating against the version they were filled in with.
    #[test]
    fn answers_stay_valid_against_their_template_version() {
        let v1 = rental();
        let mut v2 = v1.clone();
        v2.version = 2;
        // v2 drops the staff-dormitory option, tightens the overcrowding rule and adds a required item.
        if let ItemKind::SingleChoice { options } = &mut item_mut(&mut v2, "rental_use").kind {
            options.retain(|o| o.id != "dormitory");
        }
        item_mut(&mut v2, "area_per_person").fail = Some(FailRule::Below { value: 5.0 });
        v2.sections[0].items.push(Item {
            id: "ebike_battery_indoor".into(),
            label: Text::new(
                "是否将电动自行车蓄电池带入室内充电",
                "E-bike battery taken indoors to charge?",
            ),
            kind: ItemKind::YesNoNa,
            required: true,
            fail: Some(FailRule::Answer {
                equals: YesNoNa::Yes,
            }),
            deduction: 10,
            veto: false,
            photo_on_fail: true,
            hazard: Some(HazardSpec {
                category: "fire.ebike_charging".into(),
                severity: Severity::High,
            }),
            help: None,
        });
        v2.check().unwrap();

        let mut a = passing_rental();
        a.insert("rental_use".into(), json!("dormitory"));
        a.insert("area_per_person".into(), json!(4.5));
        let ev1 = v1.evaluate(&a, &no_photos()).unwrap();
        assert_eq!((ev1.score, ev1.passed), (100, true));

        let e = errors(&v2, &a, &no_photos());
        assert!(e.has(
            "rental_use",
            &AnswerErrorKind::UnknownOption("dormitory".into())
        ));
        assert!(e.has("ebike_battery_indoor", &AnswerErrorKind::MissingRequired));

        // v2 answers can't be slipped into a v1 inspection either.
        a.insert("ebike_battery_indoor".into(), json!("no"));
        assert!(
            errors(&v1, &a, &no_photos())
                .has("ebike_battery_indoor", &AnswerErrorKind::UnknownItem)
        );
        // And v1 itself is unchanged by the existence of v2.
        assert_eq!(v1, rental());
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        fn arb_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
                    .map(Value::Number)),
                prop::sample::select(vec![
                    "yes",
                    "no",
                    "na",
                    "",
                    "piped",
                    "bed_space",
                    "disabled",
                    H1,
                    H2
                ])
                .prop_map(|s| Value::String(s.to_string())),
                "\\PC{0,8}".prop_map(Value::String),
            ];
            leaf.prop_recursive(2, 16, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::btree_map("[a-z]{1,3}", inner, 0..3)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        fn arb_input() -> impl Strategy<Value = (usize, Answers, ItemPhotos)> {
            (0..2usize).prop_flat_map(|ti| {
                let t = &builtin_templates()[ti];
                let mut ids: Vec<String> = t.items().map(|i| i.id.clone()).collect();
                ids.push("unknown_item".into());
                let answers = prop::collection::btree_map(
                    prop::sample::select(ids.clone()),
                    arb_value(),
                    0..40,
                );
                let hashes = prop::collection::vec(
                    prop::sample::select(vec![H1.to_string(), H2.to_string(), "bad".to_string()]),
                    0..3,
                );
                let photos = prop::collection::btree_map(prop::sample::select(ids), hashes, 0..4);
                (Just(ti), answers, photos)
            })
        }

        proptest! {
            #[test]
            fn random_answers_never_panic((ti, answers, photos) in arb_input()) {
                let t = &builtin_templates()[ti];
                let _ = t.check_partial(&answers, &photos);
                match t.evaluate(&answers, &photos) {
                    Ok(e) => {
                        prop_assert!(e.score <= t.total_score);
                        prop_assert_eq!(e.passed, !e.vetoed && e.score >= t.pass_score);
                        prop_assert!(!e.vetoed || e.score == 0);
                        // A finished inspection that validates is also a valid draft.
                        prop_assert!(t.check_partial(&answers, &photos).is_ok());
                    }
                    Err(errs) => {
                        prop_assert!(!errs.0.is_empty());
                        for e in &errs.0 {
                            prop_assert!(!e.message_zh().is_empty() && !e.to_string().is_empty());
                        }
                    }
                }
            }
        }
    }
}
