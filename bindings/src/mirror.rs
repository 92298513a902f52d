//! The C-like enums the shells see, each mirrored one to one from the core's with
//! `From` both ways, so the core stays free of FFI concerns.

use gridfield_core::Lang as CoreLang;
use gridfield_core::case as cs;
use gridfield_core::checklist::{self as cl};
use gridfield_core::hazard::{HazardAction as CoreHazardAction, HazardStatus as CoreHazardStatus};
use gridfield_core::model::{
    EntityKind as CoreEntityKind, ReportStatus as CoreReportStatus,
    ReviewStatus as CoreReviewStatus, Role as CoreRole,
};
use gridfield_core::records::Delivery as CoreDelivery;
use gridfield_core::sync::{self as sy};

/// A C-like enum mirrored one to one, converted both ways.
macro_rules! mirror_enum {
    ($(#[$m:meta])* $name:ident => $core:ident { $($(#[$vm:meta])* $v:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name { $($(#[$vm])* $v),* }
        impl From<$core> for $name {
            fn from(v: $core) -> Self { match v { $($core::$v => $name::$v),* } }
        }
        impl From<$name> for $core {
            fn from(v: $name) -> Self { match v { $($name::$v => $core::$v),* } }
        }
    };
}

mirror_enum!(
    /// Language of the user-facing text: Simplified Chinese by default.
    Lang => CoreLang { Zh, En });
mirror_enum!(
    /// 网格员, 志愿者, 网格长, 管理员, 职能部门.
    Role => CoreRole { Worker, Volunteer, Supervisor, Admin, Department });
mirror_enum!(
    /// The kinds of entity at an address (一标多实): 住户, 人员, 出租房屋, 单位/场所.
    EntityKind => CoreEntityKind { Household, Person, RentalUnit, Business });
mirror_enum!(
    /// 检查记录 review status.
    ReviewStatus => CoreReviewStatus { Draft, Submitted, Approved, Returned });
mirror_enum!(ReportStatus => CoreReportStatus { Pending, Accepted, Dismissed });
mirror_enum!(
    /// 隐患 lifecycle: 已上报 → 已交办 → 整改中 → 已整改 → 已核查 → 已销号.
    HazardStatus => CoreHazardStatus { Reported, Assigned, Rectifying, Rectified, Verified, Closed });
mirror_enum!(HazardAction => CoreHazardAction {
    Assign, StartRectification, MarkRectified, Verify, RejectRectification, Close, Reopen
});
pub(crate) use cl::Severity as CoreSeverity;
mirror_enum!(Severity => CoreSeverity { Low, Medium, High, Critical });
mirror_enum!(
    /// Where a record is on its way: on this phone only → on the server → reviewed,
    /// or refused by the server (the reason is in the sync report and audit).
    Delivery => CoreDelivery { Local, Server, Reviewed, Rejected });
pub(crate) use cl::YesNoNa as CoreYesNoNa;
mirror_enum!(YesNoNa => CoreYesNoNa { Yes, No, Na });
pub(crate) use cl::AppliesTo as CoreAppliesTo;
mirror_enum!(AppliesTo => CoreAppliesTo { RentalUnit, Household, Address, Business });
pub(crate) use sy::SyncPhase as CoreSyncPhase;
mirror_enum!(SyncPhase => CoreSyncPhase { Photos, Push, Pull, Done });
pub(crate) use cs::CaseStatus as CoreCaseStatus;
mirror_enum!(
/// 事件 lifecycle: 待受理 → 已受理 (or 不予受理) → 已分派 → 处置中 → 已办结 → 已结案 → 已评价.
CaseStatus => CoreCaseStatus {
    Reported, Declined, Accepted, Dispatched, Handling, Finished, Closed, Evaluated
});
pub(crate) use cs::CaseAction as CoreCaseAction;
mirror_enum!(
/// A step of a case (受理, 分派, 签收, 退回, 反馈, 调解, 办结, 核查, 上报上级, 督办, 评价…).
CaseAction => CoreCaseAction {
    Accept, Decline, Dispatch, Receive, Return, Feedback, Mediate, Agree, Finish, Verify,
    RejectVerification, Escalate, Supervise, TakeOver, Evaluate
});
pub(crate) use cs::CaseSource as CoreCaseSource;
mirror_enum!(CaseSource => CoreCaseSource { Worker, Report, Hotline, Hazard });
pub(crate) use cs::Satisfaction as CoreSatisfaction;
mirror_enum!(
    /// 满意, 基本满意, 不满意.
    Satisfaction => CoreSatisfaction { Satisfied, Basic, Unsatisfied });
pub(crate) use cs::PartyRole as CorePartyRole;
mirror_enum!(
    /// 申请人, 被申请人, 其他当事人.
    PartyRole => CorePartyRole { Applicant, Respondent, Other });
pub(crate) use cs::SignerRole as CoreSignerRole;
mirror_enum!(SignerRole => CoreSignerRole { Applicant, Respondent, Mediator });
pub(crate) use cs::MediationOutcome as CoreMediationOutcome;
mirror_enum!(
    /// 调解成功 or 调解未果.
    MediationOutcome => CoreMediationOutcome { Agreed, NotAgreed });
