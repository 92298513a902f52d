//! Why a case step or a new case was refused; travels back to the device that
//! asked and is what the console shows.

use super::lifecycle::{CaseAction, CaseStatus};
use crate::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseRefusal {
    /// The step does not lead anywhere from the case's current state (a stale
    /// step from an offline phone, most often).
    NotFromState {
        from: CaseStatus,
        action: CaseAction,
    },
    /// The actor's role or relation to the case does not allow the step.
    NotPermitted {
        action: CaseAction,
    },
    NoteRequired,
    /// A dispatch names no person, department or level.
    TargetRequired,
    /// A dispatch to a department that does not serve the owning level.
    DepartmentOutsideLevel,
    /// A dispatch to a level that is not below the owner on the way to the case's grid.
    LevelOutsideOwner,
    /// Escalating from the top level.
    AtTopLevel,
    /// 督办 without a new deadline in the future.
    DeadlineRequired,
    RatingRequired,
    /// A mediation step without a session (place and what was agreed or why not).
    SessionRequired,
    /// An agreement without terms or without the applicant's, the respondent's
    /// and the mediator's signatures.
    AgreementUnsigned,
    /// Mediation steps are for disputes only.
    NotADispute,
    /// Only grid workers, supervisors and administrators open cases.
    CreateNotPermitted,
    UnknownType,
    TypeRetired,
    SeverityRetired,
}

impl CaseRefusal {
    /// Stable identifier of the reason, for catalogs and clients.
    pub fn code(&self) -> &'static str {
        match self {
            CaseRefusal::NotFromState { .. } => "case.not_from_state",
            CaseRefusal::NotPermitted { .. } => "case.not_permitted",
            CaseRefusal::NoteRequired => "case.note_required",
            CaseRefusal::TargetRequired => "case.target_required",
            CaseRefusal::DepartmentOutsideLevel => "case.department_outside_level",
            CaseRefusal::LevelOutsideOwner => "case.level_outside_owner",
            CaseRefusal::AtTopLevel => "case.at_top_level",
            CaseRefusal::DeadlineRequired => "case.deadline_required",
            CaseRefusal::RatingRequired => "case.rating_required",
            CaseRefusal::SessionRequired => "case.session_required",
            CaseRefusal::AgreementUnsigned => "case.agreement_unsigned",
            CaseRefusal::NotADispute => "case.not_a_dispute",
            CaseRefusal::CreateNotPermitted => "case.create_not_permitted",
            CaseRefusal::UnknownType => "case.unknown_type",
            CaseRefusal::TypeRetired => "case.type_retired",
            CaseRefusal::SeverityRetired => "case.severity_retired",
        }
    }

    pub fn is_permission(&self) -> bool {
        matches!(
            self,
            CaseRefusal::NotPermitted { .. } | CaseRefusal::CreateNotPermitted
        )
    }

    pub fn message(&self, lang: Lang) -> String {
        let fixed = |zh: &str, en: &str| lang.pick(zh, en).to_string();
        match self {
            CaseRefusal::NotFromState { from, action } => match lang {
                Lang::Zh => format!(
                    "事件当前状态为「{}」，不能执行「{}」",
                    from.label(lang),
                    action.label(lang)
                ),
                Lang::En => format!(
                    "cannot {} a case that is {}",
                    action.label(lang),
                    from.label(lang)
                ),
            },
            CaseRefusal::NotPermitted { action } => match lang {
                Lang::Zh => format!("无权对该事件执行「{}」", action.label(lang)),
                Lang::En => format!("you may not {} this case", action.label(lang)),
            },
            CaseRefusal::NoteRequired => fixed(
                "此操作必须填写说明或理由",
                "this step needs a note or reason",
            ),
            CaseRefusal::TargetRequired => fixed(
                "分派时必须指定处置人、职能部门或下级",
                "a dispatch must name a person, a department or a lower level",
            ),
            CaseRefusal::DepartmentOutsideLevel => fixed(
                "该职能部门不属于本级或上级，不能分派",
                "this department does not serve the level that owns the case",
            ),
            CaseRefusal::LevelOutsideOwner => fixed(
                "只能下派到本级以下、事件所在网格的上级",
                "a case can only be sent down to a level below its owner on the way to its grid",
            ),
            CaseRefusal::AtTopLevel => fixed(
                "已是最高层级，不能再上报上级",
                "the case is already at the top level",
            ),
            CaseRefusal::DeadlineRequired => fixed(
                "督办必须设定一个晚于现在的新期限",
                "supervision needs a new deadline in the future",
            ),
            CaseRefusal::RatingRequired => fixed(
                "评价必须选择满意、基本满意或不满意",
                "an evaluation needs a rating",
            ),
            CaseRefusal::SessionRequired => fixed(
                "调解记录必须填写地点和调解情况",
                "a mediation session needs a place and what was agreed or why not",
            ),
            CaseRefusal::AgreementUnsigned => fixed(
                "调解协议必须有协议内容，并由申请人、被申请人和调解员签名",
                "an agreement needs its terms and the signatures of the applicant, the respondent and the mediator",
            ),
            CaseRefusal::NotADispute => fixed("只有矛盾纠纷才能调解", "only disputes are mediated"),
            CaseRefusal::CreateNotPermitted => fixed(
                "无权登记事件，请通过上报提交",
                "this role may not open cases; file a report instead",
            ),
            CaseRefusal::UnknownType => fixed(
                "事件类型不在分类目录中，请同步后从目录中选择",
                "the case type is not in the taxonomy; sync and pick one from it",
            ),
            CaseRefusal::TypeRetired => fixed(
                "该事件类型已停用，请选择其他类型",
                "this case type has been retired; pick another",
            ),
            CaseRefusal::SeverityRetired => fixed(
                "该事件等级已停用，请选择其他等级",
                "this severity has been retired; pick another",
            ),
        }
    }

    /// One of each reason, for tests that walk every message.
    pub fn samples() -> Vec<CaseRefusal> {
        vec![
            CaseRefusal::NotFromState {
                from: CaseStatus::Closed,
                action: CaseAction::Dispatch,
            },
            CaseRefusal::NotPermitted {
                action: CaseAction::Accept,
            },
            CaseRefusal::NoteRequired,
            CaseRefusal::TargetRequired,
            CaseRefusal::DepartmentOutsideLevel,
            CaseRefusal::LevelOutsideOwner,
            CaseRefusal::AtTopLevel,
            CaseRefusal::DeadlineRequired,
            CaseRefusal::RatingRequired,
            CaseRefusal::SessionRequired,
            CaseRefusal::AgreementUnsigned,
            CaseRefusal::NotADispute,
            CaseRefusal::CreateNotPermitted,
            CaseRefusal::UnknownType,
            CaseRefusal::TypeRetired,
            CaseRefusal::SeverityRetired,
        ]
    }
}

impl std::fmt::Display for CaseRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for CaseRefusal {}
