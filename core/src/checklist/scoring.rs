//! Scoring a set of answers against one template version: deductions, 一票否决
//! vetoes, evidence photos on failed items, and which items failed.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::answers::{
    AnswerError, AnswerErrorKind, EXPECTED_NO_EVIDENCE, EXPECTED_PHOTOS_IN_ANSWER, Parsed,
    ValidationErrors, check_hashes, parse_answer,
};
use super::template::{CaseSpec, ChecklistTemplate, FailRule, HazardSpec, ItemKind, YesNoNa};
use super::{Answers, ItemPhotos, Text};

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<CaseSpec>,
    pub photos: Vec<String>,
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

impl ChecklistTemplate {
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
                case: item.case.clone(),
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
