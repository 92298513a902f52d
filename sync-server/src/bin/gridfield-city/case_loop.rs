//! One case's loop, played step by step by the core's `case::apply_step` as its
//! users would take the steps: the level's supervisor accepts and dispatches, the
//! handler signs for it or gives it back, mediates, escalates when the level cannot
//! settle it, finishes late or on time under 督办 from above; the reporter verifies,
//! the resident rates. Steps due after the year's end are not taken.

use gridfield_core::case::{
    self, Actor, CaseAction, CaseStatus, CaseTypeRules, Department, DispatchTarget, Handler,
    MediationOutcome, MediationSession, Satisfaction, StepInput, Tier,
};
use gridfield_core::role::Role;
use gridfield_server::db::records::CaseDoc;
use gridfield_server::error::{ApiError, Result};

use crate::cases::World;
use crate::figures::{DAY_MS, YEAR_START_MS};
use crate::rng::Rng;
use crate::sink::GridInfo;

const HOUR_MS: i64 = 3_600_000;
/// Where the year ends: steps due later are not taken (those cases stay open).
const YEAR_END_MS: i64 = YEAR_START_MS + 365 * DAY_MS;

/// A user who takes steps: name, role, scope, department.
#[derive(Clone)]
pub(crate) struct Who {
    pub(crate) user: String,
    pub(crate) role: Role,
    pub(crate) scope: String,
    pub(crate) department: Option<String>,
}

impl Who {
    pub(crate) fn actor(&self) -> Actor<'_> {
        Actor {
            user: &self.user,
            role: self.role,
            scope_path: &self.scope,
            department: self.department.as_deref(),
        }
    }
}

/// The supervisor of a level: the grid's 网格长, the community's, the town's
/// 综治中心, the city's.
pub(crate) fn supervisor_of(seed: u64, path: &str, g: &GridInfo) -> Who {
    let user = if path == g.path {
        g.supervisor.clone()
    } else {
        let code = case::owner_code(path);
        let mut r = Rng::new(seed, 7_000_000 + code.len() as u64 * 1_000 + code_num(code));
        match code.len() {
            6 => "市综治中心".to_string(),
            9 => format!("{}（镇综治中心）", r.name()),
            _ => format!("{}（社区综治）", r.name()),
        }
    };
    Who {
        user,
        role: Role::Supervisor,
        scope: path.to_string(),
        department: None,
    }
}

fn code_num(code: &str) -> u64 {
    code.bytes()
        .fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(b as u64))
        % 1_000
}

fn department_user(d: &Department) -> Who {
    Who {
        user: format!("{}经办人", d.zh),
        role: Role::Department,
        scope: d.level_path.clone(),
        department: Some(d.code.clone()),
    }
}

/// One case being played through: its document, the clock and its type's limits.
pub(crate) struct Play<'w> {
    pub(crate) doc: CaseDoc,
    pub(crate) t: i64,
    pub(crate) rules: CaseTypeRules,
    pub(crate) world: &'w World,
}

impl Play<'_> {
    /// Take a step `after` ms from the last one, unless the year is over by then.
    fn step(
        &mut self,
        who: &Who,
        action: CaseAction,
        input: StepInput,
        after: i64,
    ) -> Result<bool> {
        let at = self.t + after.max(60_000);
        if at >= YEAR_END_MS {
            return Ok(false);
        }
        let id = format!("{}-{}", self.doc.case.id, self.doc.events.len());
        let step = case::Step {
            event_id: &id,
            action,
            input: &input,
            device_id: "console",
            at,
        };
        let ev =
            case::apply_step(&mut self.doc.case, step, &who.actor(), &self.rules).map_err(|e| {
                ApiError::internal(format!(
                    "case {} {}: {:?}",
                    self.doc.case.id,
                    action.as_str(),
                    e
                ))
            })?;
        self.doc.events.push(ev);
        self.t = at;
        Ok(true)
    }

    /// How long the step the case waits for may take now.
    fn limit(&self) -> i64 {
        let k = &self.doc.case;
        self.rules.limit_for(k.status, k.severity).unwrap_or(DAY_MS)
    }

    /// The nearest department of `kind` serving the owning level.
    fn department(&self, kind: &str) -> Option<Department> {
        let owner = &self.doc.case.owner_path;
        self.world
            .depts
            .iter()
            .filter(|d| d.kind == kind && owner.starts_with(d.level_path.as_str()))
            .max_by_key(|d| d.level_path.len())
            .cloned()
    }
}

fn note(text: &str) -> StepInput {
    StepInput {
        note: Some(text.into()),
        ..Default::default()
    }
}

fn to(target: DispatchTarget) -> StepInput {
    StepInput {
        to: Some(target),
        ..Default::default()
    }
}

/// A delay within the limit most of the time; late (`late` percent) beyond it.
fn delay(r: &mut Rng, limit: i64, late: u64) -> (i64, bool) {
    if r.chance(late) {
        (limit + limit * (20 + r.below(200) as i64) / 100, true)
    } else {
        (limit * (5 + r.below(80) as i64) / 100, false)
    }
}

/// The case's loop, step by step, until it is done or the year is over.
pub(crate) fn run(
    r: &mut Rng,
    p: &mut Play<'_>,
    g: &GridInfo,
    seed: u64,
    worker: &Who,
) -> Result<()> {
    let mut returned = false;
    let mut rejected = false;
    for _ in 0..40 {
        let k = &p.doc.case;
        let status = k.status;
        let owner = k.owner_path.clone();
        let boss = supervisor_of(seed, &owner, g);
        let above = case::parent_path(&owner).map(|up| supervisor_of(seed, &up, g));
        let handler = match &k.handler {
            Some(Handler::Person(u)) if *u == worker.user => Some(worker.clone()),
            Some(Handler::Person(u)) if *u == boss.user => Some(boss.clone()),
            Some(Handler::Person(u)) => Some(Who {
                user: u.clone(),
                ..boss.clone()
            }),
            Some(Handler::Department(code)) => p
                .world
                .depts
                .iter()
                .find(|d| &d.code == code)
                .map(department_user),
            None => None,
        };
        let limit = p.limit();
        let taken = match status {
            CaseStatus::Reported | CaseStatus::Accepted | CaseStatus::Dispatched => {
                let (wait, late) = delay(r, limit, 6);
                // Late: the level above may 督办 with a new deadline first.
                if late
                    && r.chance(50)
                    && let Some(up) = &above
                {
                    let at = p.t + limit + HOUR_MS;
                    let input = StepInput {
                        deadline: Some(at + limit / 2),
                        ..note("已超期，请尽快办理")
                    };
                    if !p.step(up, CaseAction::Supervise, input, limit + HOUR_MS)? {
                        return Ok(());
                    }
                }
                match status {
                    CaseStatus::Reported if r.chance(3) => p.step(
                        &boss,
                        CaseAction::Decline,
                        note("不属于受理范围，已告知当事人"),
                        wait,
                    )?,
                    CaseStatus::Reported => {
                        p.step(&boss, CaseAction::Accept, StepInput::default(), wait)?
                    }
                    CaseStatus::Accepted => {
                        let target = dispatch_target(p, g, &boss, worker, returned);
                        p.step(&boss, CaseAction::Dispatch, to(target), wait)?
                    }
                    _ => {
                        let h = handler.clone().unwrap_or_else(|| boss.clone());
                        if h.role == Role::Department && !returned && r.chance(6) {
                            returned = true;
                            p.step(
                                &h,
                                CaseAction::Return,
                                note("不属于本部门职责，退回重新分派"),
                                wait,
                            )?
                        } else {
                            p.step(&h, CaseAction::Receive, StepInput::default(), wait)?
                        }
                    }
                }
            }
            CaseStatus::Handling => {
                let h = handler.clone().unwrap_or_else(|| boss.clone());
                let (work, late) = delay(r, limit, 15);
                if r.chance(40)
                    && !p.step(&h, CaseAction::Feedback, note("已上门了解情况"), work / 3)?
                {
                    return Ok(());
                }
                if p.doc.case.dispute.is_some() {
                    let n = p.doc.case.dispute.as_ref().map_or(0, |d| d.sessions.len());
                    let tier = tier_of(&p.doc.case.owner_path, &g.path);
                    let settle = match tier {
                        Tier::Grid | Tier::Village => 85,
                        Tier::Town => 90,
                        Tier::County => 100,
                    };
                    let agreed = r.chance(settle) || h.role == Role::Department;
                    let input = StepInput {
                        session: Some(MediationSession {
                            id: format!("s{}", n + 1),
                            at: p.t + work / 2,
                            place: place(tier).into(),
                            mediator: h.user.clone(),
                            participants: p
                                .doc
                                .case
                                .parties
                                .iter()
                                .map(|x| x.name.clone())
                                .collect(),
                            outcome: if agreed {
                                MediationOutcome::Agreed
                            } else {
                                MediationOutcome::NotAgreed
                            },
                            note: if agreed {
                                "双方达成一致".into()
                            } else {
                                "双方分歧较大，未能达成一致".into()
                            },
                        }),
                        ..note("组织双方调解")
                    };
                    if !p.step(&h, CaseAction::Mediate, input, work / 2)? {
                        return Ok(());
                    }
                    if !agreed && tier != Tier::County {
                        let who = if matches!(p.doc.case.handler, Some(Handler::Person(_))) {
                            h.clone()
                        } else {
                            boss.clone()
                        };
                        let up = note("本级调解未果，申请上级联动调处");
                        if !p.step(&who, CaseAction::Escalate, up, HOUR_MS)? {
                            return Ok(());
                        }
                        continue;
                    }
                }
                if late
                    && r.chance(40)
                    && let Some(up) = &above
                {
                    let input = StepInput {
                        deadline: Some(p.t + limit),
                        ..note("已超期，请尽快办结")
                    };
                    if !p.step(up, CaseAction::Supervise, input, HOUR_MS)? {
                        return Ok(());
                    }
                }
                p.step(&h, CaseAction::Finish, note("已处置完毕"), work / 2)?
            }
            CaseStatus::Finished => {
                let (wait, _) = delay(r, limit, 3);
                let checker = if p.doc.case.reported_by == worker.user {
                    worker.clone()
                } else {
                    boss.clone()
                };
                if !rejected && r.chance(5) {
                    rejected = true;
                    p.step(
                        &checker,
                        CaseAction::RejectVerification,
                        note("回访发现问题仍未解决"),
                        wait,
                    )?
                } else {
                    p.step(&checker, CaseAction::Verify, note("回访核实"), wait)?
                }
            }
            CaseStatus::Closed if r.chance(75) => {
                let score = match r.below(100) {
                    0..82 => Satisfaction::Satisfied,
                    82..95 => Satisfaction::Basic,
                    _ => Satisfaction::Unsatisfied,
                };
                let input = StepInput {
                    rating: Some(score),
                    ..Default::default()
                };
                p.step(worker, CaseAction::Evaluate, input, DAY_MS / 2)?;
                return Ok(());
            }
            CaseStatus::Closed | CaseStatus::Declined | CaseStatus::Evaluated => return Ok(()),
        };
        if !taken {
            return Ok(());
        }
    }
    Ok(())
}

/// Where an accepted case goes: its type's department (another level's when a
/// department gave it back), down to the village (下派), or to the person who
/// handles it on this level.
fn dispatch_target(
    p: &Play<'_>,
    g: &GridInfo,
    boss: &Who,
    worker: &Who,
    returned: bool,
) -> DispatchTarget {
    let k = &p.doc.case;
    let tier = tier_of(&k.owner_path, &g.path);
    let kind = if k.dispute.is_some() {
        (tier >= Tier::Town).then_some("justice")
    } else {
        p.rules.department.as_deref()
    };
    if let Some(d) = kind.and_then(|kind| p.department(kind))
        && !(returned && k.departments.contains(&d.code))
    {
        return DispatchTarget::Department {
            code: d.code,
            level_path: d.level_path,
        };
    }
    if tier == Tier::Town && k.dispute.is_none() {
        return DispatchTarget::Level {
            path: Tier::Village.level_of(&g.path),
        };
    }
    let user = if tier == Tier::Grid {
        worker.user.clone()
    } else {
        boss.user.clone()
    };
    DispatchTarget::Person { user }
}

/// The tier of a level on the city's four-level tree.
fn tier_of(path: &str, grid_path: &str) -> Tier {
    Tier::of(path, path == grid_path)
}

fn place(t: Tier) -> &'static str {
    match t {
        Tier::Grid => "网格工作站",
        Tier::Village => "社区人民调解室",
        Tier::Town => "镇矛盾纠纷调处中心",
        Tier::County => "市社会治理综合指挥中心",
    }
}
