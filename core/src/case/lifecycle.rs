//! The case lifecycle as an explicit state machine, and the one function that
//! applies a step to a case (`apply_step`): the phone calls it to show a step at
//! once offline, the server to judge the same step against its own state.
//!
//! 上报 → 受理 (or 不予受理) → 分派 → 处置 (签收, 反馈, 调解, 协议; or 退回) → 办结 →
//! 核查 → 结案 (or back to 处置) → 评价. Any open step may be 上报上级 (one level up),
//! and the level above may 督办 (a new deadline) or 接管 (take it over).

use serde::{Deserialize, Serialize};

use super::dispute::{Agreement, MediationSession};
use super::level::parent_path;
use super::refusal::CaseRefusal;
use super::types::CaseTypeRules;
use super::{Case, CaseEvent, DispatchTarget, Handler, Rating, Satisfaction};
use crate::hazard::Severity;
use crate::i18n::Lang;
use crate::role::Role;
use crate::taxonomy::{Standing, Taxonomy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// 待受理: in a level's queue (受理台).
    Reported,
    /// 不予受理 (with a reason): final.
    Declined,
    /// 已受理: the owner level will dispatch it.
    Accepted,
    /// 已分派: waiting for the handler to sign for it.
    Dispatched,
    /// 处置中
    Handling,
    /// 已办结: waiting for verification.
    Finished,
    /// 已结案
    Closed,
    /// 已评价: final.
    Evaluated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    /// 受理
    Accept,
    /// 不予受理
    Decline,
    /// 分派 to a person, a department or a lower level.
    Dispatch,
    /// 签收: the handler takes it on.
    Receive,
    /// 退回: the handler gives the dispatch back, with a reason.
    Return,
    /// 反馈: a progress note (with photos).
    Feedback,
    /// 调解: a mediation session of a dispute.
    Mediate,
    /// 调解协议: the signed agreement of a dispute.
    Agree,
    /// 办结
    Finish,
    /// 核查通过 → 结案
    Verify,
    /// 核查不通过 → back to 处置
    RejectVerification,
    /// 上报上级: one level up, with a reason.
    Escalate,
    /// 督办: the level above sets a new deadline with a note.
    Supervise,
    /// 接管: the level above takes the case into its own queue.
    TakeOver,
    /// 评价
    Evaluate,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 8] = [
        CaseStatus::Reported,
        CaseStatus::Declined,
        CaseStatus::Accepted,
        CaseStatus::Dispatched,
        CaseStatus::Handling,
        CaseStatus::Finished,
        CaseStatus::Closed,
        CaseStatus::Evaluated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Reported => "reported",
            CaseStatus::Declined => "declined",
            CaseStatus::Accepted => "accepted",
            CaseStatus::Dispatched => "dispatched",
            CaseStatus::Handling => "handling",
            CaseStatus::Finished => "finished",
            CaseStatus::Closed => "closed",
            CaseStatus::Evaluated => "evaluated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            CaseStatus::Reported => lang.pick("待受理", "awaiting acceptance"),
            CaseStatus::Declined => lang.pick("不予受理", "declined"),
            CaseStatus::Accepted => lang.pick("已受理", "accepted"),
            CaseStatus::Dispatched => lang.pick("已分派", "dispatched"),
            CaseStatus::Handling => lang.pick("处置中", "being handled"),
            CaseStatus::Finished => lang.pick("已办结", "finished"),
            CaseStatus::Closed => lang.pick("已结案", "closed"),
            CaseStatus::Evaluated => lang.pick("已评价", "evaluated"),
        }
    }

    /// Still in the loop (time limits run, 督办 applies).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            CaseStatus::Declined | CaseStatus::Closed | CaseStatus::Evaluated
        )
    }
}

impl CaseAction {
    pub const ALL: [CaseAction; 15] = [
        CaseAction::Accept,
        CaseAction::Decline,
        CaseAction::Dispatch,
        CaseAction::Receive,
        CaseAction::Return,
        CaseAction::Feedback,
        CaseAction::Mediate,
        CaseAction::Agree,
        CaseAction::Finish,
        CaseAction::Verify,
        CaseAction::RejectVerification,
        CaseAction::Escalate,
        CaseAction::Supervise,
        CaseAction::TakeOver,
        CaseAction::Evaluate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseAction::Accept => "accept",
            CaseAction::Decline => "decline",
            CaseAction::Dispatch => "dispatch",
            CaseAction::Receive => "receive",
            CaseAction::Return => "return",
            CaseAction::Feedback => "feedback",
            CaseAction::Mediate => "mediate",
            CaseAction::Agree => "agree",
            CaseAction::Finish => "finish",
            CaseAction::Verify => "verify",
            CaseAction::RejectVerification => "reject_verification",
            CaseAction::Escalate => "escalate",
            CaseAction::Supervise => "supervise",
            CaseAction::TakeOver => "take_over",
            CaseAction::Evaluate => "evaluate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            CaseAction::Accept => lang.pick("受理", "accept"),
            CaseAction::Decline => lang.pick("不予受理", "decline"),
            CaseAction::Dispatch => lang.pick("分派", "dispatch"),
            CaseAction::Receive => lang.pick("签收", "sign for"),
            CaseAction::Return => lang.pick("退回", "return"),
            CaseAction::Feedback => lang.pick("反馈", "feedback"),
            CaseAction::Mediate => lang.pick("调解", "mediate"),
            CaseAction::Agree => lang.pick("签订调解协议", "sign agreement"),
            CaseAction::Finish => lang.pick("办结", "finish"),
            CaseAction::Verify => lang.pick("核查通过", "verify"),
            CaseAction::RejectVerification => lang.pick("核查不通过", "reject verification"),
            CaseAction::Escalate => lang.pick("上报上级", "escalate"),
            CaseAction::Supervise => lang.pick("督办", "supervise"),
            CaseAction::TakeOver => lang.pick("接管", "take over"),
            CaseAction::Evaluate => lang.pick("评价", "evaluate"),
        }
    }

    /// Steps that must say why.
    pub fn needs_note(self) -> bool {
        matches!(
            self,
            CaseAction::Decline
                | CaseAction::Return
                | CaseAction::Feedback
                | CaseAction::Finish
                | CaseAction::RejectVerification
                | CaseAction::Escalate
                | CaseAction::Supervise
        )
    }
}

/// Who takes a step: the user, their role, the grid path their account covers
/// and, for a department user, the department.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor<'a> {
    pub user: &'a str,
    pub role: Role,
    pub scope_path: &'a str,
    pub department: Option<&'a str>,
}

impl Actor<'_> {
    /// The case is this actor's to handle (as a person or as their department).
    pub fn handles(&self, case: &Case) -> bool {
        match &case.handler {
            Some(Handler::Person(u)) => u == self.user,
            Some(Handler::Department(d)) => {
                self.role == Role::Department && self.department == Some(d.as_str())
            }
            None => false,
        }
    }

    /// A supervisor (or administrator) of the owning level or one above it.
    pub fn manages(&self, case: &Case) -> bool {
        self.role.supervises() && case.owner_path.starts_with(self.scope_path)
    }

    /// A supervisor of a level strictly above the owner (督办, 接管).
    pub fn is_above(&self, case: &Case) -> bool {
        self.manages(case) && case.owner_path != self.scope_path
    }

    pub fn reported(&self, case: &Case) -> bool {
        case.reported_by == self.user && self.role != Role::Volunteer
    }

    /// A grid worker whose grid the case happened in (a resident rates on their phone).
    pub fn works_where(&self, case: &Case) -> bool {
        self.role == Role::Worker && case.grid_path.starts_with(self.scope_path)
    }
}

/// What accompanies a step; which parts a step needs is in [`apply_step`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default)]
    pub photos: Vec<String>,
    /// Where a dispatch sends the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<DispatchTarget>,
    /// 督办's new deadline (epoch ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Satisfaction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<MediationSession>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Agreement>,
}

impl StepInput {
    fn has_note(&self) -> bool {
        self.note.as_deref().is_some_and(|n| !n.trim().is_empty())
    }

    /// Photos this step refers to (signatures included).
    pub fn photo_hashes(&self) -> Vec<String> {
        let mut all = self.photos.clone();
        if let Some(a) = &self.agreement {
            all.extend(a.photo_hashes());
        }
        all
    }
}

/// One requested step.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    pub event_id: &'a str,
    pub action: CaseAction,
    pub input: &'a StepInput,
    pub device_id: &'a str,
    pub at: i64,
}

/// Where `action` leads from `from`, whoever asks: the transition table and
/// nothing else (`None`: not from this state).
pub fn target(from: CaseStatus, action: CaseAction) -> Option<CaseStatus> {
    use CaseAction as A;
    use CaseStatus as S;
    let waiting = matches!(
        from,
        S::Reported | S::Accepted | S::Dispatched | S::Handling
    );
    Some(match (from, action) {
        (S::Reported, A::Accept) => S::Accepted,
        (S::Reported, A::Decline) => S::Declined,
        // A dispatch to a lower level lands in its queue; see `apply_step`.
        (S::Reported | S::Accepted | S::Dispatched | S::Handling, A::Dispatch) => S::Dispatched,
        (S::Dispatched, A::Receive) => S::Handling,
        (S::Dispatched | S::Handling, A::Return) => S::Accepted,
        (S::Handling, A::Feedback | A::Mediate | A::Agree) => S::Handling,
        (S::Handling, A::Finish) => S::Finished,
        (S::Finished, A::Verify) => S::Closed,
        (S::Finished, A::RejectVerification) => S::Handling,
        (_, A::Escalate) if waiting => S::Reported,
        (_, A::Supervise) if from.is_open() => from,
        (_, A::TakeOver) if waiting || from == S::Finished => S::Accepted,
        (S::Closed, A::Evaluate) => S::Evaluated,
        _ => return None,
    })
}

/// Whether `actor` may take `action` on `case` at all (before its state and input).
pub fn permitted(case: &Case, action: CaseAction, actor: &Actor<'_>) -> bool {
    use CaseAction as A;
    match action {
        A::Accept | A::Decline | A::Dispatch => actor.manages(case),
        A::Receive => actor.handles(case),
        // Giving a dispatch back puts it in the owner's queue; a grid worker
        // handling their own grid's case (no queue there) escalates it instead.
        A::Return => {
            actor.handles(case)
                && !(actor.role == Role::Worker && actor.scope_path == case.owner_path)
        }
        A::Feedback | A::Finish => actor.handles(case) || actor.manages(case),
        A::Mediate | A::Agree => actor.handles(case) || actor.manages(case),
        A::Verify | A::RejectVerification => actor.reported(case) || actor.manages(case),
        A::Escalate => {
            actor.manages(case)
                || matches!(&case.handler, Some(Handler::Person(_))) && actor.handles(case)
        }
        A::Supervise | A::TakeOver => actor.is_above(case),
        A::Evaluate => actor.reported(case) || actor.manages(case) || actor.works_where(case),
    }
}

/// Apply one step to `case` (as the phone shows it, as the server records it),
/// or say why not; on refusal `case` is unchanged. `rules` are the case type's
/// time limits (`types::type_rules`).
pub fn apply_step(
    case: &mut Case,
    step: Step<'_>,
    actor: &Actor<'_>,
    rules: &CaseTypeRules,
) -> Result<CaseEvent, CaseRefusal> {
    use CaseAction as A;
    let Step {
        event_id,
        action,
        input,
        device_id,
        at,
    } = step;
    let from = case.status;
    let mut to = target(from, action).ok_or(CaseRefusal::NotFromState { from, action })?;
    if !permitted(case, action, actor) {
        return Err(CaseRefusal::NotPermitted { action });
    }
    if action.needs_note() && !input.has_note() {
        return Err(CaseRefusal::NoteRequired);
    }
    let mut owner = case.owner_path.clone();
    let mut handler = case.handler.clone();
    let mut departments = case.departments.clone();
    let mut deadline = None;
    let mut dispute = case.dispute.clone();
    let mut rating = case.rating.clone();
    match action {
        A::Dispatch => match input.to.as_ref().ok_or(CaseRefusal::TargetRequired)? {
            DispatchTarget::Person { user } => {
                if user.trim().is_empty() {
                    return Err(CaseRefusal::TargetRequired);
                }
                handler = Some(Handler::Person(user.clone()));
            }
            DispatchTarget::Department { code, level_path } => {
                if code.trim().is_empty() {
                    return Err(CaseRefusal::TargetRequired);
                }
                // Departments of the owning level or a level above serve it.
                if level_path.is_empty() || !owner.starts_with(level_path.as_str()) {
                    return Err(CaseRefusal::DepartmentOutsideLevel);
                }
                handler = Some(Handler::Department(code.clone()));
                if !departments.contains(code) {
                    departments.push(code.clone());
                }
            }
            DispatchTarget::Level { path } => {
                // 下派: strictly below the owner, on the way to where it happened.
                if path == &owner
                    || !path.starts_with(owner.as_str())
                    || !case.grid_path.starts_with(path.as_str())
                {
                    return Err(CaseRefusal::LevelOutsideOwner);
                }
                owner = path.clone();
                handler = None;
                to = CaseStatus::Accepted;
            }
        },
        A::Return | A::TakeOver => {
            handler = None;
            if action == A::TakeOver {
                owner = actor.scope_path.to_string();
            }
        }
        A::Escalate => {
            owner = parent_path(&owner).ok_or(CaseRefusal::AtTopLevel)?;
            handler = None;
        }
        A::Supervise => {
            deadline = Some(
                input
                    .deadline
                    .filter(|d| *d > at)
                    .ok_or(CaseRefusal::DeadlineRequired)?,
            );
        }
        A::Mediate | A::Agree => {
            let d = dispute.as_mut().ok_or(CaseRefusal::NotADispute)?;
            if action == A::Mediate {
                let s = input.session.clone().ok_or(CaseRefusal::SessionRequired)?;
                if s.note.trim().is_empty() || s.place.trim().is_empty() {
                    return Err(CaseRefusal::SessionRequired);
                }
                if !d.sessions.iter().any(|x| x.id == s.id) {
                    d.sessions.push(s);
                }
            } else {
                let a = input
                    .agreement
                    .clone()
                    .ok_or(CaseRefusal::AgreementUnsigned)?;
                if !a.is_complete() {
                    return Err(CaseRefusal::AgreementUnsigned);
                }
                d.agreement = Some(a);
            }
        }
        A::Finish => {
            if let Some(d) = dispute.as_mut() {
                d.settled_path = Some(owner.clone());
            }
        }
        A::Evaluate => {
            let score = input.rating.ok_or(CaseRefusal::RatingRequired)?;
            rating = Some(Rating {
                score,
                by: actor.user.to_string(),
                note: input.note.clone(),
                at,
            });
        }
        A::Accept | A::Decline | A::Receive | A::Feedback | A::Verify | A::RejectVerification => {}
    }
    if deadline.is_none() {
        deadline = if to == from && action != A::TakeOver {
            case.deadline
        } else {
            rules
                .limit_for(to, case.severity)
                .map(|ms| at.saturating_add(ms))
        };
    }
    case.status = to;
    case.owner_path = owner;
    case.handler = handler;
    case.departments = departments;
    case.deadline = deadline;
    case.dispute = dispute;
    case.rating = rating;
    case.updated_at = at;
    Ok(CaseEvent {
        id: event_id.to_string(),
        case_id: case.id.clone(),
        action: Some(action),
        from_status: Some(from),
        to_status: to,
        actor: actor.user.to_string(),
        device_id: device_id.to_string(),
        at,
        note: input.note.clone(),
        photos: input.photo_hashes(),
        owner_path: case.owner_path.clone(),
        handler: case.handler.clone(),
        deadline: case.deadline,
    })
}

/// How a new case starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opening {
    /// In the owner level's queue (受理台), to be accepted.
    Queue,
    /// Dispatched at once to a person or department (routing landed it there).
    Dispatch(Handler),
    /// The reporting grid worker handles it in their grid (网格马上调).
    HandleMyself,
}

/// Whether `role` may open a case of this type and severity, judged against the
/// case taxonomy held (on the phone before queueing, on the server when received).
pub fn check_create(
    role: Role,
    taxonomy: &Taxonomy,
    case_type: &str,
    severity: Severity,
) -> Result<(), CaseRefusal> {
    if !matches!(role, Role::Worker | Role::Supervisor | Role::Admin) {
        return Err(CaseRefusal::CreateNotPermitted);
    }
    match taxonomy.category_standing(case_type) {
        Standing::Active => {}
        Standing::Retired => return Err(CaseRefusal::TypeRetired),
        Standing::Unknown => return Err(CaseRefusal::UnknownType),
    }
    match taxonomy.level_standing(severity.as_str()) {
        Standing::Retired => Err(CaseRefusal::SeverityRetired),
        Standing::Active | Standing::Unknown => Ok(()),
    }
}

/// Start a new case at `owner_path` as `opening` says, with its first time
/// limit; returns the timeline's first event.
pub fn open(
    case: &mut Case,
    owner_path: &str,
    opening: Opening,
    actor: &Actor<'_>,
    device_id: &str,
    rules: &CaseTypeRules,
) -> CaseEvent {
    let (status, owner, handler) = match opening {
        Opening::Queue => (CaseStatus::Reported, owner_path.to_string(), None),
        Opening::Dispatch(h) => (CaseStatus::Dispatched, owner_path.to_string(), Some(h)),
        Opening::HandleMyself => (
            CaseStatus::Handling,
            case.grid_path.clone(),
            Some(Handler::Person(actor.user.to_string())),
        ),
    };
    if let Some(Handler::Department(d)) = &handler
        && !case.departments.contains(d)
    {
        case.departments.push(d.clone());
    }
    case.status = status;
    case.owner_path = owner;
    case.handler = handler;
    case.deadline = rules
        .limit_for(status, case.severity)
        .map(|ms| case.created_at.saturating_add(ms));
    case.updated_at = case.created_at;
    CaseEvent {
        id: format!("{}-reported", case.id),
        case_id: case.id.clone(),
        action: None,
        from_status: None,
        to_status: status,
        actor: actor.user.to_string(),
        device_id: device_id.to_string(),
        at: case.created_at,
        note: None,
        photos: case.photos.clone(),
        owner_path: case.owner_path.clone(),
        handler: case.handler.clone(),
        deadline: case.deadline,
    }
}

/// 超期: past its deadline and still open.
pub fn is_overdue(status: CaseStatus, deadline: Option<i64>, now_ms: i64) -> bool {
    status.is_open() && deadline.is_some_and(|d| d < now_ms)
}
