//! Walks every refusal reason and verdict the domain rules give, in both
//! languages: Chinese text has no English words, English text no Chinese.
//! (The two checks are local for now; one catalog test will hold them later.)

use crate::hazard::{HazardAction, HazardRefusal, HazardStatus, TransitionError};
use crate::i18n::Lang;
use crate::inspection::{ReviewRefusal, WriteRefusal};
use crate::plate::{PlateError, PlateVerdict};
use crate::report::DecisionRefusal;
use crate::role::Role;

/// ASCII words allowed in Chinese text (abbreviations users know).
const ALLOWED_IN_ZH: &[&str] = &["ID", "QR", "CSV", "Excel", "URL", "HTTP", "SHA"];

fn assert_chinese(code: &str, text: &str) {
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphabetic() {
            word.push(c);
        } else if !word.is_empty() {
            assert!(
                ALLOWED_IN_ZH.contains(&word.as_str()),
                "{code}: English word {word:?} in Chinese text {text:?}"
            );
            word.clear();
        }
    }
}

fn assert_english(code: &str, text: &str) {
    let chinese_punct = "，。：；！？（）【】、“”「」";
    for c in text.chars() {
        let cjk = ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c);
        assert!(
            !cjk && !chinese_punct.contains(c),
            "{code}: {c:?} in English text {text:?}"
        );
    }
}

fn check(code: &str, zh: String, en: String) {
    assert!(!zh.is_empty() && !en.is_empty(), "{code}");
    assert_chinese(code, &zh);
    assert_english(code, &en);
}

#[test]
fn every_refusal_reads_in_both_languages() {
    let mut seen = 0;
    for r in ReviewRefusal::samples() {
        check(r.code(), r.message(Lang::Zh), r.message(Lang::En));
        seen += 1;
    }
    for r in WriteRefusal::samples() {
        check(r.code(), r.message(Lang::Zh), r.message(Lang::En));
        seen += 1;
    }
    for r in DecisionRefusal::samples() {
        check(r.code(), r.message(Lang::Zh), r.message(Lang::En));
        seen += 1;
    }
    for r in HazardRefusal::samples() {
        check(r.code(), r.message(Lang::Zh), r.message(Lang::En));
        seen += 1;
    }
    assert!(seen >= 15);
}

#[test]
fn hazard_transition_refusals_read_in_both_languages() {
    let mut all = vec![
        TransitionError::Missing("assignee"),
        TransitionError::Missing("note"),
    ];
    for role in Role::ALL {
        for action in HazardAction::ALL {
            all.push(TransitionError::NotPermitted { role, action });
        }
    }
    for from in HazardStatus::ALL {
        for action in HazardAction::ALL {
            all.push(TransitionError::NotFromState { from, action });
        }
    }
    for e in all {
        check(e.code(), e.message(Lang::Zh), e.message(Lang::En));
    }
}

#[test]
fn plate_verdicts_read_in_both_languages() {
    let reasons = [
        PlateError::NotAPlate,
        PlateError::UnsupportedVersion(2),
        PlateError::Malformed("payload is empty".into()),
        PlateError::Truncated,
        PlateError::UnknownIssuer("0011223344556677".into()),
        PlateError::BadSignature,
    ];
    for reason in reasons {
        let v = PlateVerdict::Forged { reason };
        check(v.code(), v.message(Lang::Zh), v.message(Lang::En));
    }
}
