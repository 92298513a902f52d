//! Inspection checklists: versioned JSON templates, answer validation and scoring.
//! A finished inspection is always evaluated against the exact template version it was
//! filled in with, so templates can evolve without invalidating stored inspections.

mod answers;
mod scoring;
mod template;
mod validation;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use answers::{AnswerError, AnswerErrorKind, ValidationErrors};
pub use scoring::{Evaluation, FailedItem};
pub use template::{
    AppliesTo, CaseSpec, ChecklistTemplate, ChoiceOption, FailRule, HazardSpec, Item, ItemKind,
    Section, YesNoNa, builtin_templates, kind_label, pass_label,
};
pub use validation::{Place, Problem, TemplateError, TemplateProblem, problems_in_json};

// Hazard severity and categories belong to the hazard concept; checklists name them.
pub use crate::hazard::{HAZARD_CATEGORIES, Severity, hazard_category_label};
/// A photo is identified by the SHA-256 of its bytes (one rule, in `photo`).
pub use crate::photo::is_valid_hash as is_photo_hash;

/// Item id → raw JSON answer.
pub type Answers = BTreeMap<String, Value>;
/// Item id → photo hashes (SHA-256, 64 lowercase hex) attached as evidence of a failure.
pub type ItemPhotos = BTreeMap<String, Vec<String>>;

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

#[cfg(test)]
mod tests;
#[cfg(test)]
mod validation_tests;
