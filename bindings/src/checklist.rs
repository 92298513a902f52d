//! Checklist templates (检查表模板), their items and answers as the shells see them,
//! and the store's template calls and live answer check.

use gridfield_core::checklist::{self as cl};
use serde_json::Value;

use crate::error::Result;
use crate::*;

/// Bilingual text: Chinese for users by default, English when present.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LocalizedText {
    pub zh: String,
    pub en: String,
}

impl From<cl::Text> for LocalizedText {
    fn from(t: cl::Text) -> Self {
        LocalizedText { zh: t.zh, en: t.en }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HazardSpec {
    pub category: String,
    pub severity: Severity,
}

impl From<cl::HazardSpec> for HazardSpec {
    fn from(h: cl::HazardSpec) -> Self {
        HazardSpec {
            category: h.category,
            severity: h.severity.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChoiceOption {
    pub id: String,
    pub label: LocalizedText,
}

fn options(o: Vec<cl::ChoiceOption>) -> Vec<ChoiceOption> {
    o.into_iter()
        .map(|o| ChoiceOption {
            id: o.id,
            label: o.label.into(),
        })
        .collect()
}

/// How an item is answered.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum ItemKind {
    YesNoNa,
    Number {
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<String>,
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

impl From<cl::ItemKind> for ItemKind {
    fn from(k: cl::ItemKind) -> Self {
        match k {
            cl::ItemKind::YesNoNa => ItemKind::YesNoNa,
            cl::ItemKind::Number {
                min,
                max,
                unit,
                integer,
            } => ItemKind::Number {
                min,
                max,
                unit,
                integer,
            },
            cl::ItemKind::Text { max_len } => ItemKind::Text { max_len },
            cl::ItemKind::SingleChoice { options: o } => ItemKind::SingleChoice {
                options: options(o),
            },
            cl::ItemKind::MultiChoice { options: o } => ItemKind::MultiChoice {
                options: options(o),
            },
            cl::ItemKind::Photo { min, max } => ItemKind::Photo { min, max },
            cl::ItemKind::Signature => ItemKind::Signature,
        }
    }
}

/// When an answered item counts as failed.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum FailRule {
    Answer { equals: YesNoNa },
    Below { value: f64 },
    Above { value: f64 },
    AnyOf { options: Vec<String> },
}

impl From<cl::FailRule> for FailRule {
    fn from(r: cl::FailRule) -> Self {
        match r {
            cl::FailRule::Answer { equals } => FailRule::Answer {
                equals: equals.into(),
            },
            cl::FailRule::Below { value } => FailRule::Below { value },
            cl::FailRule::Above { value } => FailRule::Above { value },
            cl::FailRule::AnyOf { options } => FailRule::AnyOf { options },
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistItem {
    pub id: String,
    pub label: LocalizedText,
    pub kind: ItemKind,
    pub required: bool,
    pub fail: Option<FailRule>,
    pub deduction: u32,
    /// 一票否决.
    pub veto: bool,
    pub photo_on_fail: bool,
    pub hazard: Option<HazardSpec>,
    pub help: Option<LocalizedText>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistSection {
    pub id: String,
    pub title: LocalizedText,
    pub items: Vec<ChecklistItem>,
}

/// 检查表模板, one version of it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistTemplate {
    pub id: String,
    pub version: u32,
    pub title: LocalizedText,
    pub applies_to: AppliesTo,
    pub total_score: u32,
    pub pass_score: u32,
    pub sections: Vec<ChecklistSection>,
    /// For `applies_to` business: the business kinds (`restaurant`, `homestay`, …)
    /// it inspects; empty for any.
    pub business_kinds: Vec<String>,
    /// The same, as people call them, in the store's language.
    pub business_kind_labels: Vec<String>,
    /// When the server retired it (ms); its past inspections stay readable.
    pub retired_at: Option<i64>,
    /// Whether a new inspection may start with it (the core's `check_start`).
    pub startable: bool,
}

impl From<cl::ChecklistTemplate> for ChecklistTemplate {
    fn from(t: cl::ChecklistTemplate) -> Self {
        let startable = gridfield_core::inspection::check_start(&t).is_ok();
        ChecklistTemplate {
            // Named by `GridfieldStore::labelled`.
            business_kind_labels: Vec::new(),
            business_kinds: t.business_kinds,
            retired_at: t.retired_at,
            startable,
            id: t.id,
            version: t.version,
            title: t.title.into(),
            applies_to: t.applies_to.into(),
            total_score: t.total_score,
            pass_score: t.pass_score,
            sections: t
                .sections
                .into_iter()
                .map(|s| ChecklistSection {
                    id: s.id,
                    title: s.title.into(),
                    items: s
                        .items
                        .into_iter()
                        .map(|i| ChecklistItem {
                            id: i.id,
                            label: i.label.into(),
                            kind: i.kind.into(),
                            required: i.required,
                            fail: i.fail.map(Into::into),
                            deduction: i.deduction,
                            veto: i.veto,
                            photo_on_fail: i.photo_on_fail,
                            hazard: i.hazard.map(Into::into),
                            help: i.help.map(Into::into),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// One answer, typed by the item's kind.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Answer {
    YesNoNa {
        value: YesNoNa,
    },
    Number {
        value: f64,
    },
    Text {
        value: String,
    },
    Choice {
        option: String,
    },
    Choices {
        options: Vec<String>,
    },
    /// Photo hashes from `add_photo`.
    Photos {
        hashes: Vec<String>,
    },
    /// The hash of the signature image.
    Signature {
        hash: String,
    },
}

impl Answer {
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Answer::YesNoNa { value } => Value::from(CoreYesNoNa::from(*value).as_str()),
            Answer::Number { value } => Value::from(*value),
            Answer::Text { value } => Value::from(value.clone()),
            Answer::Choice { option } => Value::from(option.clone()),
            Answer::Choices { options } => Value::from(options.clone()),
            Answer::Photos { hashes } => Value::from(hashes.clone()),
            Answer::Signature { hash } => Value::from(hash.clone()),
        }
    }

    /// Typed by the template item it answers; `None` for null or a value that does
    /// not fit (the core never stores one).
    pub(crate) fn from_json(kind: &cl::ItemKind, v: &Value) -> Option<Answer> {
        let strings = |v: &Value| -> Option<Vec<String>> {
            v.as_array()?
                .iter()
                .map(|x| x.as_str().map(String::from))
                .collect()
        };
        Some(match kind {
            cl::ItemKind::YesNoNa => Answer::YesNoNa {
                value: CoreYesNoNa::parse(v.as_str()?)?.into(),
            },
            cl::ItemKind::Number { .. } => Answer::Number { value: v.as_f64()? },
            cl::ItemKind::Text { .. } => Answer::Text {
                value: v.as_str()?.into(),
            },
            cl::ItemKind::SingleChoice { .. } => Answer::Choice {
                option: v.as_str()?.into(),
            },
            cl::ItemKind::MultiChoice { .. } => Answer::Choices {
                options: strings(v)?,
            },
            cl::ItemKind::Photo { .. } => Answer::Photos {
                hashes: strings(v)?,
            },
            cl::ItemKind::Signature => Answer::Signature {
                hash: v.as_str()?.into(),
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ItemAnswer {
    pub item_id: String,
    pub answer: Answer,
}

/// Evidence photos taken for a (failing) item.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ItemPhotos {
    pub item_id: String,
    pub hashes: Vec<String>,
}

pub(crate) fn answers_json(answers: &[ItemAnswer]) -> cl::Answers {
    answers
        .iter()
        .map(|a| (a.item_id.clone(), a.answer.to_json()))
        .collect()
}

pub(crate) fn photos_json(photos: Vec<ItemPhotos>) -> cl::ItemPhotos {
    photos.into_iter().map(|p| (p.item_id, p.hashes)).collect()
}

impl GridfieldStore {
    fn labelled(
        &self,
        templates: impl Iterator<Item = cl::ChecklistTemplate>,
    ) -> Result<Vec<ChecklistTemplate>> {
        let lang = self.inner.lang()?;
        Ok(templates
            .map(|t| {
                let labels = t
                    .business_kinds
                    .iter()
                    .map(|k| gridfield_core::address::value_label(k, lang).to_string())
                    .collect();
                ChecklistTemplate {
                    business_kind_labels: labels,
                    ..t.into()
                }
            })
            .collect())
    }
}

#[uniffi::export]
impl GridfieldStore {
    /// Every template version held, retired ones included (history reads them).
    pub fn templates(&self) -> Result<Vec<ChecklistTemplate>> {
        let all = self.inner.templates()?;
        self.labelled(all.into_iter())
    }

    pub fn template(&self, id: String, version: Option<u32>) -> Result<ChecklistTemplate> {
        let t = self.inner.template(&id, version)?;
        Ok(self.labelled(std::iter::once(t))?.remove(0))
    }

    /// The template picker at an address: the newest version of each checklist
    /// that may still start and fits the address or one of its entities
    /// (`inspection::offered_at`).
    pub fn templates_at(&self, address_code: String) -> Result<Vec<ChecklistTemplate>> {
        let all = self.inner.templates()?;
        let view = self.inner.address_view(&address_code)?;
        let offered = gridfield_core::inspection::offered_at(&all, &view.entities);
        self.labelled(offered.into_iter().cloned())
    }

    /// Check answers as the worker fills them in (nothing is saved): what is missing
    /// or wrong per item, or the score and failing items once complete.
    pub fn check_answers(
        &self,
        template_id: String,
        version: u32,
        answers: Vec<ItemAnswer>,
        photos: Vec<ItemPhotos>,
    ) -> Result<ChecklistCheck> {
        let tpl = self.inner.template(&template_id, Some(version))?;
        Ok(tpl
            .evaluate(&answers_json(&answers), &photos_json(photos))
            .into())
    }
}
