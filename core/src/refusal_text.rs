//! Walks every refusal reason and verdict the domain rules give, in both
//! languages: Chinese text has no English words, English text no Chinese.
//! The checks are `i18n::assert_languages_pure`, shared by every surface.

use crate::hazard::{HazardAction, HazardRefusal, HazardStatus, TransitionError};
use crate::i18n::Lang;
use crate::inspection::{ReviewRefusal, WriteRefusal};
use crate::plate::{PlateError, PlateVerdict};
use crate::report::DecisionRefusal;
use crate::role::Role;

fn check(code: &str, zh: String, en: String) {
    crate::i18n::assert_languages_pure(code, &zh, &en);
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
    for r in crate::points::PointsRefusal::samples() {
        check(r.code(), r.message(Lang::Zh), r.message(Lang::En));
        seen += 1;
    }
    for e in crate::points::VoucherError::ALL {
        check(
            e.code(),
            e.message(Lang::Zh).into(),
            e.message(Lang::En).into(),
        );
        seen += 1;
    }
    for k in [
        crate::points::EntryKind::Award,
        crate::points::EntryKind::Deduction,
        crate::points::EntryKind::Redemption,
        crate::points::EntryKind::Correction,
    ] {
        check(
            k.as_str(),
            k.label(Lang::Zh).into(),
            k.label(Lang::En).into(),
        );
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
