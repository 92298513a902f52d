//! Length limits on every text a device or a console user hands the system, by
//! kind of text, written once: the phone checks them before it queues an
//! operation and the server when it judges one, so a phone never queues what the
//! server will refuse. Limits count characters (a Chinese character is one).

use serde_json::Value;

use crate::case::{self, Case, DispatchTarget};
use crate::error::{Error, Input, Invalid, Result};
use crate::hazard::{Hazard, StepInput};
use crate::inspection::Inspection;
use crate::op::Op;
use crate::report::Report;

/// A volunteer's report text (上报内容).
pub const REPORT_TEXT: usize = 2000;
/// A hazard's description (隐患描述): a report accepted as a hazard keeps its text.
pub const DESCRIPTION: usize = 2000;
/// A note on a hazard step (整改说明, 退回原因).
pub const NOTE: usize = 2000;
/// A supervisor's review comment on an inspection (the review rule's own limit).
pub const COMMENT: usize = crate::inspection::review::MAX_COMMENT_CHARS;
/// The reason given with a decision on a report (the decision rule's own limit).
pub const DECISION_NOTE: usize = crate::report::decision::MAX_NOTE_CHARS;
/// One text answer of a checklist (remarks included); a template may allow less.
pub const ANSWER: usize = 2000;
/// A hazard category code.
pub const CATEGORY: usize = 64;
/// A person's name or account as typed (an assignee).
pub const NAME: usize = 64;
/// Ids a device makes up (records, events, checklist items, template ids).
pub const ID: usize = 64;
/// A full address text (地址全称), as a door plate carries it.
pub const ADDRESS_TEXT: usize = crate::plate::MAX_ADDRESS_TEXT_CHARS;

/// The most characters `input` may have.
pub fn max_chars(input: Input) -> usize {
    match input {
        Input::ReportText => REPORT_TEXT,
        Input::Description => DESCRIPTION,
        Input::Note => NOTE,
        Input::Comment => COMMENT,
        Input::Answer => ANSWER,
        Input::Category => CATEGORY,
        Input::Assignee => NAME,
        Input::AddressText => ADDRESS_TEXT,
        Input::Field(spec) => spec.max_len,
        // Codes, ids and anything else a device names a thing by.
        _ => ID,
    }
}

/// `value` within the limit of its kind, or `Invalid::TooLong` naming the limit.
pub fn check_len(input: Input, value: &str) -> Result<()> {
    let max = max_chars(input);
    // Bytes bound characters from above: most texts never need counting.
    if value.len() > max && value.chars().count() > max {
        return Err(Error::invalid(input, Invalid::TooLong { max }));
    }
    Ok(())
}

fn check_opt(input: Input, value: Option<&str>) -> Result<()> {
    value.map_or(Ok(()), |v| check_len(input, v))
}

/// Every text of a hazard as registered.
pub fn check_hazard(h: &Hazard) -> Result<()> {
    check_len(Input::RecordId, &h.id)?;
    check_len(Input::AddressCode, &h.address_code)?;
    check_len(Input::Category, &h.category)?;
    check_len(Input::Description, &h.description)?;
    check_opt(Input::Assignee, h.assignee.as_deref())?;
    check_opt(Input::RecordId, h.source_inspection.as_deref())?;
    check_opt(Input::RecordId, h.source_item.as_deref())?;
    check_opt(Input::RecordId, h.source_report.as_deref())
}

/// Every text of one hazard step.
pub fn check_step(event_id: &str, input: &StepInput) -> Result<()> {
    check_len(Input::RecordId, event_id)?;
    check_opt(Input::Assignee, input.assignee.as_deref())?;
    check_opt(Input::Note, input.note.as_deref())
}

/// Every text of a case as opened (parties and the dispute included).
pub fn check_case(c: &Case) -> Result<()> {
    check_len(Input::RecordId, &c.id)?;
    check_len(Input::Category, &c.case_type)?;
    check_opt(Input::AddressCode, c.address_code.as_deref())?;
    check_opt(Input::RecordId, c.source_ref.as_deref())?;
    check_len(Input::Description, &c.description)?;
    for p in &c.parties {
        check_opt(Input::RecordId, p.person_id.as_deref())?;
        check_len(Input::Assignee, &p.name)?;
        check_opt(Input::Assignee, p.phone.as_deref())?;
    }
    if let Some(d) = &c.dispute {
        check_len(Input::Description, &d.subject)?;
    }
    Ok(())
}

/// Every text of one case step (session and agreement included).
pub fn check_case_step(event_id: &str, input: &case::StepInput) -> Result<()> {
    check_len(Input::RecordId, event_id)?;
    check_opt(Input::Note, input.note.as_deref())?;
    match &input.to {
        Some(DispatchTarget::Person { user }) => check_len(Input::Assignee, user)?,
        Some(DispatchTarget::Department { code, .. }) => check_len(Input::RecordId, code)?,
        Some(DispatchTarget::Level { path }) => check_len(Input::AddressText, path)?,
        None => {}
    }
    if let Some(s) = &input.session {
        check_len(Input::RecordId, &s.id)?;
        check_len(Input::AddressText, &s.place)?;
        check_len(Input::Assignee, &s.mediator)?;
        check_len(Input::Note, &s.note)?;
        s.participants
            .iter()
            .try_for_each(|p| check_len(Input::Assignee, p))?;
    }
    if let Some(a) = &input.agreement {
        check_len(Input::Description, &a.terms)?;
        a.signatures
            .iter()
            .try_for_each(|s| check_len(Input::Assignee, &s.name))?;
    }
    Ok(())
}

/// Every text of a report as filed.
pub fn check_report(r: &Report) -> Result<()> {
    check_len(Input::RecordId, &r.id)?;
    check_len(Input::AddressCode, &r.address_code)?;
    check_len(Input::AddressText, &r.address_text)?;
    check_len(Input::ReportText, &r.text)
}

/// Every text of a submitted inspection, answers and remarks included.
pub fn check_inspection(i: &Inspection) -> Result<()> {
    check_len(Input::RecordId, &i.id)?;
    check_len(Input::RecordId, &i.template_id)?;
    check_len(Input::AddressCode, &i.address_code)?;
    check_opt(Input::RecordId, i.subject_id.as_deref())?;
    check_opt(Input::Comment, i.review_comment.as_deref())?;
    for (item, answer) in &i.answers {
        check_len(Input::RecordId, item)?;
        check_answer(answer)?;
    }
    for item in i.photos.keys() {
        check_len(Input::RecordId, item)?;
    }
    Ok(())
}

/// A checklist answer: a text, or a choice of several.
fn check_answer(v: &Value) -> Result<()> {
    match v {
        Value::String(s) => check_len(Input::Answer, s),
        Value::Array(items) => items.iter().try_for_each(check_answer),
        Value::Object(m) => m.values().try_for_each(check_answer),
        _ => Ok(()),
    }
}

/// Every text an outbox operation carries. Entity fields are checked by their
/// own declared limits (`address::check_field`).
pub fn check_op(op: &Op) -> Result<()> {
    match op {
        Op::EntityUpsert { address_code, .. } => check_len(Input::AddressCode, address_code),
        Op::InspectionSubmit { inspection } => check_inspection(inspection),
        Op::HazardCreate { hazard } => check_hazard(hazard),
        Op::HazardStep {
            event_id, input, ..
        } => check_step(event_id, input),
        Op::ReportCreate { report } => check_report(report),
        Op::InspectionReview { comment, .. } => check_opt(Input::Comment, comment.as_deref()),
        Op::PersonalDataRevealed { field, .. } => check_len(Input::RecordId, field),
        Op::CaseCreate { case, .. } => check_case(case),
        Op::CaseStep {
            event_id, input, ..
        } => check_case_step(event_id, input),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_counts_characters_not_bytes() {
        let at_limit = "隐".repeat(REPORT_TEXT);
        assert!(check_len(Input::ReportText, &at_limit).is_ok());
        let over = "隐".repeat(REPORT_TEXT + 1);
        let e = check_len(Input::ReportText, &over).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Invalid {
                    input: Input::ReportText,
                    reason: Invalid::TooLong { max: REPORT_TEXT },
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(check_len(Input::Category, &"a".repeat(CATEGORY + 1)).is_err());
    }

    #[test]
    fn a_step_note_over_the_limit_is_refused_and_names_the_note() {
        let input = StepInput {
            note: Some("x".repeat(NOTE + 1)),
            ..StepInput::default()
        };
        let op = Op::HazardStep {
            event_id: "ev-1".into(),
            action: crate::hazard::HazardAction::MarkRectified,
            from: crate::hazard::HazardStatus::Rectifying,
            input,
            at: 0,
        };
        let e = check_op(&op).unwrap_err();
        assert!(e.message(crate::i18n::Lang::Zh).contains("2000"), "{e}");
        assert!(matches!(
            e,
            Error::Invalid {
                input: Input::Note,
                ..
            }
        ));
    }

    // A report accepted as a hazard keeps its text as the description.
    const _: () = assert!(REPORT_TEXT <= DESCRIPTION);
}
