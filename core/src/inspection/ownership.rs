//! Who may write an inspection: start one, save answers, submit or resubmit it.
//! This is the device's rule (role, the inspector's own record, only a draft or
//! a returned one); the server adopts it so no device overwrites another's work.

use super::{Inspection, ReviewStatus};
use crate::i18n::Lang;
use crate::role::Role;

/// Why writing an inspection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteRefusal {
    /// Volunteers do not inspect.
    NotPermitted,
    /// The inspection belongs to another inspector.
    NotOwner,
    /// Submitted and waiting for review: nothing to change until it is returned.
    AlreadySubmitted,
    /// Approved is final.
    AlreadyApproved,
    /// A resubmission names another address (and so maybe another grid) than
    /// the inspection it resubmits.
    AddressChanged,
    /// The checklist was retired: what it scored stays, nothing new starts with it.
    TemplateRetired,
}

/// Whether a new inspection may start with this template version: not once the
/// template is retired (an inspection already started keeps its version).
pub fn check_start(t: &crate::checklist::ChecklistTemplate) -> Result<(), WriteRefusal> {
    match t.retired_at {
        Some(_) => Err(WriteRefusal::TemplateRetired),
        None => Ok(()),
    }
}

impl WriteRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            WriteRefusal::NotPermitted => "inspection.not_permitted",
            WriteRefusal::NotOwner => "inspection.not_owner",
            WriteRefusal::AlreadySubmitted => "inspection.already_submitted",
            WriteRefusal::AlreadyApproved => "inspection.already_approved",
            WriteRefusal::AddressChanged => "inspection.address_changed",
            WriteRefusal::TemplateRetired => "inspection.template_retired",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            WriteRefusal::NotPermitted => {
                lang.pick("无权提交检查记录", "this role may not submit inspections")
            }
            WriteRefusal::NotOwner => lang.pick(
                "这是其他检查人员的检查记录，不能修改",
                "this inspection belongs to another inspector",
            ),
            WriteRefusal::AlreadySubmitted => lang.pick(
                "只有草稿或被退回的检查记录可以修改",
                "only a draft or returned inspection can be edited",
            ),
            WriteRefusal::AlreadyApproved => lang.pick(
                "该检查记录已审核通过，不能再修改",
                "inspection already approved",
            ),
            WriteRefusal::AddressChanged => lang.pick(
                "重新提交的检查记录不能更换地址",
                "a resubmitted inspection keeps its address",
            ),
            WriteRefusal::TemplateRetired => lang.pick(
                "该检查表已停用，不能再用它开始新的检查",
                "this checklist is retired: no new inspection can start with it",
            ),
        }
        .to_string()
    }

    /// One of each reason, for tests that walk every message.
    pub fn samples() -> Vec<WriteRefusal> {
        vec![
            WriteRefusal::NotPermitted,
            WriteRefusal::NotOwner,
            WriteRefusal::AlreadySubmitted,
            WriteRefusal::AlreadyApproved,
            WriteRefusal::AddressChanged,
            WriteRefusal::TemplateRetired,
        ]
    }
}

/// What a received submission does to the inspection held (see [`check_submit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submission {
    /// No inspection with this id yet.
    New,
    /// The inspector resubmits a draft or a returned inspection.
    Resubmit,
    /// The same submission again (an answer lost on the way, a restored server):
    /// taken without rewriting anything.
    Replay,
}

/// Whether `incoming`, submitted by `user` with `role`, may be taken over
/// `existing`: only its inspector resubmits, only a draft or a returned one, at
/// the same address (so in the same grid); a submitted one is never rewritten,
/// only replayed unchanged; an approved one is final. The device's edits pass
/// [`check_write`] (its address is fixed once started); the server judges every
/// pushed submission here.
pub fn check_submit(
    role: Role,
    user: &str,
    existing: Option<&Inspection>,
    incoming: &Inspection,
) -> Result<Submission, WriteRefusal> {
    let Some(prev) = existing else {
        check_write(role, user, None)?;
        return Ok(Submission::New);
    };
    match check_write(role, user, Some(prev)) {
        Err(WriteRefusal::AlreadySubmitted) if same_submission(prev, incoming) => {
            return Ok(Submission::Replay);
        }
        Err(r) => return Err(r),
        Ok(()) => {}
    }
    if incoming.address_code != prev.address_code {
        return Err(WriteRefusal::AddressChanged);
    }
    Ok(Submission::Resubmit)
}

/// Whether two submissions carry the same work (what the inspector wrote).
fn same_submission(a: &Inspection, b: &Inspection) -> bool {
    a.template_id == b.template_id
        && a.template_version == b.template_version
        && a.address_code == b.address_code
        && a.subject_kind == b.subject_kind
        && a.subject_id == b.subject_id
        && a.started_at == b.started_at
        && a.finished_at == b.finished_at
        && a.location == b.location
        && a.answers == b.answers
        && a.photos == b.photos
}

/// Whether `user` with `role` may write the inspection `existing` (`None`: a
/// new one, with this user as its inspector). Starting, saving answers,
/// submitting and resubmitting all pass through here.
pub fn check_write(
    role: Role,
    user: &str,
    existing: Option<&Inspection>,
) -> Result<(), WriteRefusal> {
    if !role.may_inspect() {
        return Err(WriteRefusal::NotPermitted);
    }
    let Some(i) = existing else {
        return Ok(());
    };
    if i.inspector != user {
        return Err(WriteRefusal::NotOwner);
    }
    match i.review_status {
        ReviewStatus::Draft | ReviewStatus::Returned => Ok(()),
        ReviewStatus::Submitted => Err(WriteRefusal::AlreadySubmitted),
        ReviewStatus::Approved => Err(WriteRefusal::AlreadyApproved),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Delivery;

    fn inspection(inspector: &str, review_status: ReviewStatus) -> Inspection {
        Inspection {
            id: "i1".into(),
            template_id: "t".into(),
            template_version: 1,
            address_code: "a".into(),
            subject_kind: None,
            subject_id: None,
            inspector: inspector.into(),
            device_id: "d".into(),
            started_at: 0,
            finished_at: None,
            location: None,
            answers: Default::default(),
            photos: Default::default(),
            score: None,
            passed: None,
            vetoed: None,
            review_status,
            review_comment: None,
            reviewed_by: None,
            reviewed_at: None,
            delivery: Delivery::Local,
        }
    }

    #[test]
    fn an_inspector_writes_a_new_draft_or_returned_inspection_of_their_own() {
        for role in [Role::Worker, Role::Supervisor, Role::Admin] {
            assert_eq!(check_write(role, "张三", None), Ok(()));
            for s in [ReviewStatus::Draft, ReviewStatus::Returned] {
                assert_eq!(
                    check_write(role, "张三", Some(&inspection("张三", s))),
                    Ok(())
                );
            }
        }
    }

    #[test]
    fn volunteers_never_write_inspections() {
        assert_eq!(
            check_write(Role::Volunteer, "v", None),
            Err(WriteRefusal::NotPermitted)
        );
    }

    #[test]
    fn another_inspectors_record_is_refused_whatever_its_state() {
        for s in ReviewStatus::ALL {
            assert_eq!(
                check_write(Role::Supervisor, "李四", Some(&inspection("张三", s))),
                Err(WriteRefusal::NotOwner),
                "{s:?}"
            );
        }
    }

    #[test]
    fn a_resubmission_keeps_its_inspector_and_address_and_a_submitted_one_only_replays() {
        let returned = inspection("张三", ReviewStatus::Returned);
        let mut moved = returned.clone();
        moved.address_code = "b".into();
        assert_eq!(
            check_submit(Role::Worker, "张三", Some(&returned), &moved),
            Err(WriteRefusal::AddressChanged)
        );
        assert_eq!(
            check_submit(Role::Worker, "李四", Some(&returned), &returned),
            Err(WriteRefusal::NotOwner)
        );
        assert_eq!(
            check_submit(Role::Worker, "张三", Some(&returned), &returned),
            Ok(Submission::Resubmit)
        );
        assert_eq!(
            check_submit(Role::Worker, "张三", None, &moved),
            Ok(Submission::New)
        );
        let submitted = inspection("张三", ReviewStatus::Submitted);
        let mut incoming = submitted.clone();
        incoming.review_status = ReviewStatus::Draft;
        assert_eq!(
            check_submit(Role::Worker, "张三", Some(&submitted), &incoming),
            Ok(Submission::Replay)
        );
        incoming.finished_at = Some(5);
        assert_eq!(
            check_submit(Role::Worker, "张三", Some(&submitted), &incoming),
            Err(WriteRefusal::AlreadySubmitted)
        );
        let approved = inspection("张三", ReviewStatus::Approved);
        assert_eq!(
            check_submit(Role::Worker, "张三", Some(&approved), &approved),
            Err(WriteRefusal::AlreadyApproved)
        );
    }

    #[test]
    fn submitted_and_approved_are_not_written() {
        assert_eq!(
            check_write(
                Role::Worker,
                "张三",
                Some(&inspection("张三", ReviewStatus::Submitted))
            ),
            Err(WriteRefusal::AlreadySubmitted)
        );
        assert_eq!(
            check_write(
                Role::Worker,
                "张三",
                Some(&inspection("张三", ReviewStatus::Approved))
            ),
            Err(WriteRefusal::AlreadyApproved)
        );
    }
}
