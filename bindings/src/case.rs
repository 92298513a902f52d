//! Cases (事件) and disputes (矛盾纠纷) as the shells see them, with the store's
//! case calls: open one offline, my cases, a case's timeline with the steps this
//! user may take (the buttons), and each step, judged by the core's rules.

use gridfield_core::case as cs;
use gridfield_core::store as st;

use crate::error::Result;
use crate::*;

/// 事件.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Case {
    pub id: String,
    /// A code of the case taxonomy (`dispute.neighbor`).
    pub case_type: String,
    /// The type's name in the store's language, by the taxonomy this phone holds.
    pub type_label: String,
    pub severity: Severity,
    pub source: CaseSource,
    pub address_code: Option<String>,
    /// The grid it happened in.
    pub grid_path: String,
    /// The level whose queue holds it now.
    pub owner_path: String,
    pub description: String,
    pub photos: Vec<String>,
    /// The people involved (never sent to volunteers).
    pub parties: Vec<Party>,
    pub status: CaseStatus,
    pub handler: Option<CaseHandler>,
    /// The current step's time limit, ms since the epoch.
    pub deadline: Option<i64>,
    pub dispute: Option<Dispute>,
    pub rating: Option<Rating>,
    pub reported_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub delivery: Delivery,
    /// 超期: past its deadline and still open.
    pub overdue: bool,
    /// Where the phone was when the case was reported.
    pub location: Option<GeoPoint>,
}

/// Who handles a dispatched case.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum CaseHandler {
    Person { user: String },
    Department { code: String },
}

/// Where a dispatch sends a case. A department's level is the server's to fill in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DispatchTarget {
    Person {
        user: String,
    },
    Department {
        code: String,
    },
    /// A lower level's queue (下派).
    Level {
        path: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Party {
    pub person_id: Option<String>,
    pub name: String,
    pub phone: Option<String>,
    pub role: PartyRole,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Dispute {
    pub subject: String,
    pub amount_fen: Option<i64>,
    pub sessions: Vec<MediationSession>,
    pub agreement: Option<Agreement>,
    /// The level it was settled at (办结).
    pub settled_path: Option<String>,
}

/// 调解记录.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MediationSession {
    pub id: String,
    pub at: i64,
    pub place: String,
    pub mediator: String,
    pub participants: Vec<String>,
    pub outcome: MediationOutcome,
    pub note: String,
}

/// 调解协议: the terms and the signatures captured on the phone (photo hashes).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Agreement {
    pub terms: String,
    pub signatures: Vec<Signature>,
    pub signed_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Signature {
    pub role: SignerRole,
    pub name: String,
    /// The signature image's hash (`add_photo`).
    pub photo: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Rating {
    pub score: Satisfaction,
    pub by: String,
    pub note: Option<String>,
    pub at: i64,
}

/// One step of a case's timeline.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CaseEvent {
    pub id: String,
    /// `None` for the report that opened the case.
    pub action: Option<CaseAction>,
    pub from_status: Option<CaseStatus>,
    pub to_status: CaseStatus,
    pub actor: String,
    pub device_id: String,
    pub at: i64,
    pub note: Option<String>,
    pub photos: Vec<String>,
    pub owner_path: String,
    pub handler: Option<CaseHandler>,
    pub deadline: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CaseDetail {
    pub case: Case,
    pub events: Vec<CaseEvent>,
    /// The steps this user may take now (the buttons).
    pub actions: Vec<CaseAction>,
}

#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct CaseFilter {
    /// Only cases this user (or their department) handles.
    #[uniffi(default)]
    pub mine: bool,
    /// Only 超期 cases.
    #[uniffi(default)]
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewCase {
    pub case_type: String,
    pub severity: Severity,
    #[uniffi(default)]
    pub address_code: Option<String>,
    pub description: String,
    #[uniffi(default)]
    pub photos: Vec<String>,
    #[uniffi(default)]
    pub parties: Vec<Party>,
    #[uniffi(default)]
    pub subject: Option<String>,
    #[uniffi(default)]
    pub amount_fen: Option<i64>,
    /// 网格马上调: the reporting grid worker handles it at once.
    #[uniffi(default)]
    pub handle_myself: bool,
    /// The phone's fix when the case is reported (last known; never waited for).
    #[uniffi(default)]
    pub location: Option<GeoPoint>,
}

/// What accompanies a case step; which parts a step needs is the core's rule.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct CaseStepInput {
    #[uniffi(default)]
    pub note: Option<String>,
    #[uniffi(default)]
    pub photos: Vec<String>,
    #[uniffi(default)]
    pub to: Option<DispatchTarget>,
    /// 督办's new deadline, ms since the epoch.
    #[uniffi(default)]
    pub deadline: Option<i64>,
    #[uniffi(default)]
    pub rating: Option<Satisfaction>,
    #[uniffi(default)]
    pub session: Option<MediationSession>,
    #[uniffi(default)]
    pub agreement: Option<Agreement>,
}

/// A case type a new case may be opened with.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CaseType {
    pub code: String,
    pub parent: Option<String>,
    /// In the store's language.
    pub label: String,
    /// 矛盾纠纷: the case carries parties, mediation and an agreement.
    pub dispute: bool,
}

/// Where this user stands for cases: the path of their scope's root grid and
/// their department (职能部门 users).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CaseScope {
    pub grid_path: String,
    pub department: Option<String>,
}

impl From<cs::Handler> for CaseHandler {
    fn from(h: cs::Handler) -> Self {
        match h {
            cs::Handler::Person(user) => CaseHandler::Person { user },
            cs::Handler::Department(code) => CaseHandler::Department { code },
        }
    }
}

impl From<DispatchTarget> for cs::DispatchTarget {
    fn from(t: DispatchTarget) -> Self {
        match t {
            DispatchTarget::Person { user } => cs::DispatchTarget::Person { user },
            DispatchTarget::Department { code } => cs::DispatchTarget::Department {
                code,
                level_path: String::new(),
            },
            DispatchTarget::Level { path } => cs::DispatchTarget::Level { path },
        }
    }
}

impl From<cs::Party> for Party {
    fn from(p: cs::Party) -> Self {
        Party {
            person_id: p.person_id,
            name: p.name,
            phone: p.phone,
            role: p.role.into(),
        }
    }
}

impl From<Party> for cs::Party {
    fn from(p: Party) -> Self {
        cs::Party {
            person_id: p.person_id,
            name: p.name,
            phone: p.phone,
            role: p.role.into(),
        }
    }
}

impl From<cs::MediationSession> for MediationSession {
    fn from(s: cs::MediationSession) -> Self {
        MediationSession {
            id: s.id,
            at: s.at,
            place: s.place,
            mediator: s.mediator,
            participants: s.participants,
            outcome: s.outcome.into(),
            note: s.note,
        }
    }
}

impl From<MediationSession> for cs::MediationSession {
    fn from(s: MediationSession) -> Self {
        cs::MediationSession {
            id: s.id,
            at: s.at,
            place: s.place,
            mediator: s.mediator,
            participants: s.participants,
            outcome: s.outcome.into(),
            note: s.note,
        }
    }
}

impl From<cs::Agreement> for Agreement {
    fn from(a: cs::Agreement) -> Self {
        Agreement {
            terms: a.terms,
            signatures: a
                .signatures
                .into_iter()
                .map(|s| Signature {
                    role: s.role.into(),
                    name: s.name,
                    photo: s.photo,
                })
                .collect(),
            signed_at: a.signed_at,
        }
    }
}

impl From<Agreement> for cs::Agreement {
    fn from(a: Agreement) -> Self {
        cs::Agreement {
            terms: a.terms,
            signatures: a
                .signatures
                .into_iter()
                .map(|s| cs::Signature {
                    role: s.role.into(),
                    name: s.name,
                    photo: s.photo,
                })
                .collect(),
            signed_at: a.signed_at,
        }
    }
}

impl From<cs::Case> for Case {
    fn from(c: cs::Case) -> Self {
        Case {
            id: c.id,
            case_type: c.case_type,
            // Named by `GridfieldStore::name_case_types`.
            type_label: String::new(),
            severity: c.severity.into(),
            source: c.source.into(),
            address_code: c.address_code,
            grid_path: c.grid_path,
            owner_path: c.owner_path,
            description: c.description,
            photos: c.photos,
            parties: c.parties.into_iter().map(Into::into).collect(),
            status: c.status.into(),
            handler: c.handler.map(Into::into),
            deadline: c.deadline,
            dispute: c.dispute.map(|d| Dispute {
                subject: d.subject,
                amount_fen: d.amount_fen,
                sessions: d.sessions.into_iter().map(Into::into).collect(),
                agreement: d.agreement.map(Into::into),
                settled_path: d.settled_path,
            }),
            rating: c.rating.map(|r| Rating {
                score: r.score.into(),
                by: r.by,
                note: r.note,
                at: r.at,
            }),
            reported_by: c.reported_by,
            created_at: c.created_at,
            updated_at: c.updated_at,
            delivery: c.delivery.into(),
            overdue: c.overdue,
            location: c.location.map(Into::into),
        }
    }
}

impl From<cs::CaseEvent> for CaseEvent {
    fn from(e: cs::CaseEvent) -> Self {
        CaseEvent {
            id: e.id,
            action: e.action.map(Into::into),
            from_status: e.from_status.map(Into::into),
            to_status: e.to_status.into(),
            actor: e.actor,
            device_id: e.device_id,
            at: e.at,
            note: e.note,
            photos: e.photos,
            owner_path: e.owner_path,
            handler: e.handler.map(Into::into),
            deadline: e.deadline,
        }
    }
}

impl From<CaseStepInput> for cs::StepInput {
    fn from(s: CaseStepInput) -> Self {
        cs::StepInput {
            note: s.note,
            photos: s.photos,
            to: s.to.map(Into::into),
            deadline: s.deadline,
            rating: s.rating.map(Into::into),
            session: s.session.map(Into::into),
            agreement: s.agreement.map(Into::into),
        }
    }
}

impl From<NewCase> for st::NewCase {
    fn from(n: NewCase) -> Self {
        st::NewCase {
            case_type: n.case_type,
            severity: n.severity.into(),
            address_code: n.address_code,
            description: n.description,
            photos: n.photos,
            parties: n.parties.into_iter().map(Into::into).collect(),
            subject: n.subject,
            amount_fen: n.amount_fen,
            handle_myself: n.handle_myself,
            location: n.location.map(Into::into),
        }
    }
}

impl GridfieldStore {
    /// Name each case's type by the taxonomy this phone holds, in the store's language.
    fn name_case_types<'a>(&self, cases: impl IntoIterator<Item = &'a mut Case>) -> Result<()> {
        let taxonomy = self.inner.case_taxonomy()?;
        let lang = self.inner.lang()?;
        for c in cases {
            c.type_label = taxonomy.category_label(&c.case_type, lang);
        }
        Ok(())
    }
}

#[uniffi::export]
impl GridfieldStore {
    /// The case types a new case may use (retired ones left out), labelled.
    pub fn case_types(&self) -> Result<Vec<CaseType>> {
        Ok(self
            .inner
            .case_types()?
            .into_iter()
            .map(|t| CaseType {
                code: t.code,
                parent: t.parent,
                label: t.label,
                dispute: t.dispute,
            })
            .collect())
    }

    /// Open a case (or a dispute) offline; returns its id.
    pub fn create_case(&self, new: NewCase) -> Result<String> {
        Ok(self.inner.create_case(&new.into())?)
    }

    /// Take one step as this user; refused with the rule's reason when the
    /// state known here does not allow it. Returns the case as it is now.
    pub fn case_step(
        &self,
        case_id: String,
        action: CaseAction,
        input: CaseStepInput,
    ) -> Result<Case> {
        let mut c: Case = self
            .inner
            .case_step(&case_id, action.into(), &input.into())?
            .into();
        self.name_case_types([&mut c])?;
        Ok(c)
    }

    /// Cases on this phone, the nearest deadline first.
    pub fn cases(&self, filter: CaseFilter) -> Result<Vec<Case>> {
        let mut cases: Vec<Case> = self
            .inner
            .cases(&st::CaseFilter {
                mine: filter.mine,
                overdue: filter.overdue,
            })?
            .into_iter()
            .map(Into::into)
            .collect();
        self.name_case_types(&mut cases)?;
        Ok(cases)
    }

    /// One case with its timeline and the steps this user may take now.
    pub fn case(&self, id: String) -> Result<CaseDetail> {
        let d = self.inner.case(&id)?;
        let mut case: Case = d.case.into();
        self.name_case_types([&mut case])?;
        Ok(CaseDetail {
            case,
            events: d.events.into_iter().map(Into::into).collect(),
            actions: d.allowed.into_iter().map(Into::into).collect(),
        })
    }

    /// The steps this user may take on a case now.
    pub fn allowed_case_actions(&self, id: String) -> Result<Vec<CaseAction>> {
        Ok(self
            .inner
            .allowed_case_actions(&id)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub fn case_scope(&self) -> Result<CaseScope> {
        let s = self.inner.case_scope()?;
        Ok(CaseScope {
            grid_path: s.grid_path,
            department: s.department,
        })
    }

    /// For a store created offline: where its user stands (an enrolled phone is
    /// told by the server).
    pub fn set_case_scope(&self, scope: CaseScope) -> Result<()> {
        Ok(self.inner.set_case_scope(&st::CaseScope {
            grid_path: scope.grid_path,
            department: scope.department,
        })?)
    }
}

#[uniffi::export]
pub fn case_status_label(status: CaseStatus, lang: Lang) -> String {
    cs::CaseStatus::from(status).label(lang.into()).into()
}

#[uniffi::export]
pub fn case_action_label(action: CaseAction, lang: Lang) -> String {
    cs::CaseAction::from(action).label(lang.into()).into()
}

#[uniffi::export]
pub fn satisfaction_label(score: Satisfaction, lang: Lang) -> String {
    cs::Satisfaction::from(score).label(lang.into()).into()
}

#[uniffi::export]
pub fn party_role_label(role: PartyRole, lang: Lang) -> String {
    cs::PartyRole::from(role).label(lang.into()).into()
}
