//! Walks every message of the core's catalog in both languages: one of every
//! `Error` variant, every reason, action, input and missing thing, and every domain
//! label. Chinese has no English words, English no Chinese characters or punctuation.

use std::path::PathBuf;

use super::*;
use crate::address::{EntityKind, FieldType, value_label};
use crate::checklist::{
    AnswerError, AnswerErrorKind, HAZARD_CATEGORIES, Severity, YesNoNa, hazard_category_label,
    pass_label,
};
use crate::hazard::{HazardAction, HazardStatus};
use crate::i18n::{Lang, assert_languages_pure};
use crate::inspection::ReviewStatus;
use crate::record::RecordKind;
use crate::report::ReportStatus;
use crate::role::Role;

fn check(what: &str, zh: &str, en: &str) {
    assert_languages_pure(what, zh, en);
}

fn check_error(e: &Error) {
    check(
        &format!("{} ({e:?})", e.code()),
        &e.message(Lang::Zh),
        &e.message(Lang::En),
    );
}

/// Every input the core names. Parameters are digits, as the checks expect.
fn inputs() -> Vec<Input> {
    let mut all = vec![
        Input::Address,
        Input::AddressCode,
        Input::AddressText,
        Input::GridCode,
        Input::Coordinates,
        Input::Comment,
        Input::ReportText,
        Input::Description,
        Input::Category,
        Input::Note,
        Input::Assignee,
        Input::Answer,
        Input::RecordId,
        Input::Deadline,
        Input::Inspection,
        Input::Subject,
        Input::Photo,
        Input::Identity,
        Input::DatabaseKey,
        Input::Token,
        Input::EnrollmentCode,
        Input::ServerAddress,
        Input::Date,
        Input::Status,
        Input::Role,
        Input::Kind,
        Input::Severity,
        Input::HazardAction,
        Input::QrPayload,
        Input::Assignment,
        Input::CsvLine(3),
    ];
    for kind in EntityKind::ALL {
        all.push(Input::FieldsOf(kind));
        all.extend(kind.fields().iter().map(Input::Field));
    }
    // A new variant must be added above: this match has no catch-all.
    for i in &all {
        match i {
            Input::Field(_)
            | Input::FieldsOf(_)
            | Input::Address
            | Input::AddressCode
            | Input::AddressText
            | Input::GridCode
            | Input::Coordinates
            | Input::Comment
            | Input::ReportText
            | Input::Description
            | Input::Category
            | Input::Note
            | Input::Assignee
            | Input::Answer
            | Input::RecordId
            | Input::Deadline
            | Input::Inspection
            | Input::Subject
            | Input::Photo
            | Input::Identity
            | Input::DatabaseKey
            | Input::Token
            | Input::EnrollmentCode
            | Input::ServerAddress
            | Input::Date
            | Input::Status
            | Input::Role
            | Input::Kind
            | Input::Severity
            | Input::HazardAction
            | Input::QrPayload
            | Input::Assignment
            | Input::CsvLine(_) => {}
        }
    }
    all
}

/// Every reason, with every closed set a `NotOneOf` can name.
fn reasons() -> Vec<Invalid> {
    let mut all = Invalid::SAMPLES.to_vec();
    all.extend(Choices::ALL.map(Invalid::NotOneOf));
    for kind in EntityKind::ALL {
        for spec in kind.fields() {
            if let FieldType::Enum(values) = spec.ty {
                all.push(Invalid::NotOneOf(Choices::Values(values)));
            }
        }
    }
    all
}

/// One of every `Error` variant (many of some), technical detail in English so a
/// leak of it into Chinese text fails the check.
fn errors() -> Vec<Error> {
    let mut all = vec![
        Error::WrongKey,
        Error::NotInitialised(PathBuf::from("/1/2")),
        Error::AlreadyInitialised(PathBuf::from("/1/2")),
        Error::SchemaTooNew {
            found: 9,
            supported: 5,
        },
        Error::DiskFull,
        Error::Sqlite(rusqlite::Error::QueryReturnedNoRows),
        Error::Io(std::io::Error::other("Connection refused")),
        Error::Json(serde_json::from_str::<serde_json::Value>("{").unwrap_err()),
        Error::Template(TemplateError::Invalid("version must be >= 1".into())),
        Error::Transition(TransitionError::Missing("note")),
        Error::Network("io: Connection refused".into()),
        Error::Cancelled,
        Error::NotEnrolled,
        Error::SyncInProgress,
        Error::Revoked,
        Error::not_a_field(EntityKind::Household, "shoe_size"),
    ];
    for e in [
        PlateError::NotAPlate,
        PlateError::UnsupportedVersion(2),
        PlateError::Malformed("payload is empty".into()),
        PlateError::Truncated,
        PlateError::UnknownIssuer("0011".into()),
        PlateError::BadSignature,
        PlateError::InvalidKey("public key is not valid hex".into()),
        PlateError::RandomUnavailable("no entropy".into()),
    ] {
        all.push(Error::Plate(e));
    }
    let answers = [
        AnswerErrorKind::UnknownItem,
        AnswerErrorKind::MissingRequired,
        AnswerErrorKind::OutOfRange,
        AnswerErrorKind::NotInteger,
        AnswerErrorKind::TooLong,
        AnswerErrorKind::UnknownOption("4".into()),
        AnswerErrorKind::DuplicateOption,
        AnswerErrorKind::TooFewPhotos { min: 2 },
        AnswerErrorKind::TooManyPhotos { max: 9 },
        AnswerErrorKind::PhotoRequiredOnFail,
        AnswerErrorKind::BadPhotoHash,
    ];
    let answers = answers.map(|k| AnswerError::new("12", k)).to_vec();
    all.push(Error::Answers(ValidationErrors(answers)));
    for e in [
        PhotoError::TooLarge {
            size: 20 << 20,
            limit: 10 << 20,
        },
        PhotoError::UnsupportedType,
        PhotoError::Empty,
        PhotoError::Missing("0123456789012345".into()),
        PhotoError::Damaged("0123456789012345".into()),
        PhotoError::Io(std::io::Error::other("Permission denied")),
    ] {
        all.push(Error::Photo(e));
    }
    for what in Missing::samples() {
        all.push(Error::not_found(what, "42"));
    }
    all.push(Error::NotFound {
        what: "no_such_kind",
        id: "42".into(),
    });
    for input in inputs() {
        for reason in reasons() {
            all.push(Error::invalid(input, reason));
        }
    }
    for action in Action::samples() {
        all.push(Error::NotPermitted(action));
    }
    for (status, code) in [
        (403, "device_revoked"),
        (400, "invalid_code"),
        (409, "code_used"),
        (410, "code_expired"),
        (409, "device_cloned"),
        (409, "server_restored"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (426, "wire_version"),
        (429, "rate_limited"),
        (503, "unavailable"),
        (400, "bad_request"),
        (403, "forbidden"),
    ] {
        all.push(Error::Server {
            status,
            code: code.into(),
            message: "grid G1 not found".into(),
        });
    }
    for message in [
        "注册码无效或已使用",
        "服务器内部错误 (internal server error)",
    ] {
        for (status, code) in [(403, "forbidden"), (400, "bad_request")] {
            all.push(Error::Server {
                status,
                code: code.into(),
                message: message.into(),
            });
        }
    }
    all
}

/// Which variant an error is; no catch-all, so a new variant fails to compile here
/// until `errors()` builds one.
fn variant(e: &Error) -> usize {
    match e {
        Error::WrongKey => 0,
        Error::NotInitialised(_) => 1,
        Error::AlreadyInitialised(_) => 2,
        Error::SchemaTooNew { .. } => 3,
        Error::DiskFull => 4,
        Error::Sqlite(_) => 5,
        Error::Io(_) => 6,
        Error::Json(_) => 7,
        Error::Plate(_) => 8,
        Error::Template(_) => 9,
        Error::Answers(_) => 10,
        Error::Transition(_) => 11,
        Error::Photo(_) => 12,
        Error::NotFound { .. } => 13,
        Error::Invalid { .. } => 14,
        Error::NotPermitted(_) => 15,
        Error::Network(_) => 16,
        Error::Server { .. } => 17,
        Error::Cancelled => 18,
        Error::NotEnrolled => 19,
        Error::SyncInProgress => 20,
        Error::Revoked => 21,
    }
}

#[test]
fn every_error_reads_in_both_languages() {
    let all = errors();
    let mut seen = [false; 22];
    for e in &all {
        seen[variant(e)] = true;
        check_error(e);
    }
    assert!(seen.iter().all(|s| *s), "a variant has no sample: {seen:?}");
}

#[test]
fn technical_detail_stays_out_of_messages() {
    for e in errors() {
        if matches!(e, Error::Server { .. }) {
            continue; // English shows the server's own reason where it explains a refusal
        }
        for lang in [Lang::Zh, Lang::En] {
            let m = e.message(lang);
            for detail in ["Connection refused", "Permission denied", "io:", "EOF"] {
                assert!(!m.contains(detail), "{e:?} in {lang:?}: {m}");
            }
        }
    }
    // Display keeps it for logs.
    let e = Error::Network("io: Connection refused".into());
    assert!(e.to_string().contains("Connection refused"));
}

#[test]
fn invalid_entity_fields_are_named_by_their_labels() {
    for kind in EntityKind::ALL {
        for spec in kind.fields() {
            let e = Error::invalid(Input::Field(spec), Invalid::Required);
            assert!(matches!(&e, Error::Invalid { field, .. } if field == spec.name));
            let zh = e.message(Lang::Zh);
            assert!(zh.contains(spec.label(Lang::Zh)), "{zh}");
            assert!(!zh.contains(spec.name), "raw key in {zh}");
        }
    }
    let e = Error::not_a_field(EntityKind::Household, "shoe_size");
    assert!(matches!(&e, Error::Invalid { field, .. } if field == "shoe_size"));
    assert_eq!(e.message(Lang::Zh), "住户没有这个字段");
}

#[test]
fn not_found_keeps_its_identifier_and_names_the_kind() {
    let e = Error::not_found(EntityKind::RentalUnit, "r1");
    assert!(matches!(
        e,
        Error::NotFound {
            what: "rental_unit",
            ..
        }
    ));
    assert_eq!(e.message(Lang::Zh), "未找到出租房屋：r1");
    assert_eq!(e.message(Lang::En), "rental unit r1 not found");
    let e = Error::not_found(Missing::Photo, "ab");
    assert!(matches!(e, Error::NotFound { what: "photo", .. }));
}

#[test]
fn every_domain_label_reads_in_both_languages() {
    let mut n = 0;
    let mut label = |what: &str, zh: &str, en: &str| {
        check(what, zh, en);
        n += 1;
    };
    for kind in EntityKind::ALL {
        label(kind.as_str(), kind.label(Lang::Zh), kind.label(Lang::En));
        let mut zh: Vec<&str> = Vec::new();
        for spec in kind.fields() {
            label(spec.name, spec.label(Lang::Zh), spec.label(Lang::En));
            zh.push(spec.label(Lang::Zh));
            if let FieldType::Enum(values) = spec.ty {
                for v in values {
                    label(v, value_label(v, Lang::Zh), value_label(v, Lang::En));
                }
            }
        }
        let count = zh.len();
        zh.sort();
        zh.dedup();
        assert_eq!(zh.len(), count, "two fields of {kind:?} share a label");
    }
    for k in RecordKind::ALL {
        label(k.as_str(), k.label(Lang::Zh), k.label(Lang::En));
    }
    for m in Missing::samples() {
        label(m.key(), m.label(Lang::Zh), m.label(Lang::En));
    }
    for r in Role::ALL {
        label(r.as_str(), r.label(Lang::Zh), r.label(Lang::En));
    }
    for s in ReviewStatus::ALL {
        label(s.as_str(), s.label(Lang::Zh), s.label(Lang::En));
    }
    let reports = [
        ReportStatus::Pending,
        ReportStatus::Accepted,
        ReportStatus::Dismissed,
    ];
    for s in reports {
        label(s.as_str(), s.label(Lang::Zh), s.label(Lang::En));
    }
    for s in HazardStatus::ALL {
        label(s.as_str(), s.label(Lang::Zh), s.label(Lang::En));
    }
    for a in HazardAction::ALL {
        label(a.as_str(), a.label(Lang::Zh), a.label(Lang::En));
    }
    for s in Severity::ALL {
        label(s.as_str(), s.label(Lang::Zh), s.label(Lang::En));
    }
    for c in HAZARD_CATEGORIES {
        let (zh, en) = (
            hazard_category_label(c, Lang::Zh),
            hazard_category_label(c, Lang::En),
        );
        label(c, &zh, &en);
    }
    for a in YesNoNa::ALL {
        label(a.as_str(), a.label(Lang::Zh), a.label(Lang::En));
    }
    for passed in [true, false] {
        label(
            "pass",
            pass_label(passed, Lang::Zh),
            pass_label(passed, Lang::En),
        );
    }
    for i in inputs() {
        label(i.key(), &i.label(Lang::Zh), &i.label(Lang::En));
    }
    for c in Choices::ALL {
        label(
            "choices",
            &c.labels(Lang::Zh).join("、"),
            &c.codes().join(", "),
        );
    }
    assert!(n > 100, "{n}");
}
