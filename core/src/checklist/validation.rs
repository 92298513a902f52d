//! Self-checks of a checklist template: ids, scores, options and fail rules that
//! can actually fail. A template that does not pass is never stored.

use std::collections::BTreeSet;

use super::template::{ChecklistTemplate, FailRule, Item, ItemKind, YesNoNa};

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TemplateError {
    #[error("checklist template is not valid JSON: {0}")]
    Json(String),
    #[error("checklist template is invalid: {0}")]
    Invalid(String),
}

impl ChecklistTemplate {
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
