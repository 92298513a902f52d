//! The city's year of cases (事件): departments per town and for the city and the
//! routing rules through the server's own functions, then each case played
//! through its loop in memory by the core's `case::open` and `case::apply_step`
//! — accepted, dispatched, returned, mediated, escalated, supervised (督办),
//! finished late or on time, verified, rated — and bulk-loaded with its side rows.
//! Disputes mostly settle on the grid or in the village (新津: 85%).

use gridfield_core::case::{
    self, Actor, Case, CaseAction, CaseSource, CaseStatus, CaseTypeRules, Department,
    DispatchTarget, Handler, MediationOutcome, MediationSession, Opening, Party, PartyRole,
    RouteTarget, RoutingRule, Satisfaction, StepInput, Tier,
};
use gridfield_core::hazard::Severity;
use gridfield_core::record::{Delivery, RecordKind};
use gridfield_core::role::Role;
use gridfield_core::taxonomy::Taxonomy;
use gridfield_server::db::Db;
use gridfield_server::db::records::{self, CaseDoc};
use gridfield_server::error::{ApiError, Result};
use gridfield_server::rules;

use crate::figures::{CASES, DAY_MS, TOWN_NAMES, YEAR_START_MS};
use crate::rng::Rng;
use crate::sink::{GridInfo, Sink, scaled};

const HOUR_MS: i64 = 3_600_000;
/// Where the year ends: steps due later are not taken (those cases stay open).
const YEAR_END_MS: i64 = YEAR_START_MS + 365 * DAY_MS;
/// Cases whose side rows are written per transaction.
const FACTS_BATCH: usize = 2_000;

/// Town departments (kind, name, English) and the city's.
const TOWN_DEPARTMENTS: [(&str, &str, &str); 5] = [
    ("justice", "司法所", "justice office"),
    ("police", "派出所", "police station"),
    ("housing", "住建办", "housing office"),
    ("urban", "综合执法局", "urban management"),
    ("emergency", "应急管理办", "emergency management office"),
];
const CITY_DEPARTMENTS: [(&str, &str, &str); 3] = [
    ("labor", "昆山市人社局", "Kunshan human resources bureau"),
    (
        "natural_resources",
        "昆山市自然资源局",
        "Kunshan natural resources bureau",
    ),
    ("justice", "昆山市司法局", "Kunshan justice bureau"),
];
const RULES: &str = r#"[
  {"id": "labor-to-hrss", "case_type": "dispute.labor", "to": "department", "kind": "labor"},
  {"id": "serious-security-to-town", "case_type": "security", "min_severity": "high",
   "to": "level", "tier": "town"}
]"#;

/// Case types by weight per 100 cases: 36 disputes, mostly between neighbours
/// and in families, then the other kinds of case.
const TYPES: [(&str, u64); 12] = [
    ("dispute.neighbor", 14),
    ("dispute.family", 8),
    ("dispute.property", 6),
    ("dispute.tenancy", 5),
    ("dispute.labor", 2),
    ("dispute.land", 1),
    ("security", 10),
    ("safety", 12),
    ("livelihood", 24),
    ("urban", 12),
    ("special_groups", 6),
    ("dispute", 0),
];
const TEXTS: &[(&str, &str)] = &[
    (
        "dispute.neighbor",
        "楼上漏水导致楼下天花板受损，双方协商未果",
    ),
    ("dispute.neighbor", "邻居在公共走道堆放杂物引发争吵"),
    ("dispute.family", "赡养费分担引发兄妹争吵"),
    ("dispute.family", "夫妻因房产分割发生纠纷"),
    ("dispute.property", "业主拒交物业费，与物业公司发生争执"),
    ("dispute.tenancy", "租客退租押金未退还"),
    ("dispute.labor", "装修工地拖欠工人工资"),
    ("dispute.land", "宅基地边界划分存在争议"),
    ("security", "小区围墙破损，夜间有陌生人翻入"),
    ("safety", "电动车在楼道内充电"),
    ("safety", "沿街商铺违规使用液化气瓶"),
    ("livelihood", "小区路灯损坏，夜间出行不便"),
    ("livelihood", "老旧小区加装电梯意见征集"),
    ("urban", "菜场门口占道经营，早高峰堵塞通行"),
    ("urban", "餐馆油烟扰民"),
    ("special_groups", "独居老人行动不便，需要上门关爱服务"),
];

/// Register the city's departments and routing rules.
pub(crate) fn departments(db: &Db, towns: usize) -> Result<()> {
    db.write(|tx| {
        for (t, town) in TOWN_NAMES.iter().enumerate().take(towns) {
            let grid = format!("320583{:03}", t + 1);
            for (kind, zh, en) in TOWN_DEPARTMENTS {
                let code = format!("{grid}-{kind}");
                let en = format!("{} {en}", town_en(t));
                rules::cases::add_department(tx, &code, kind, &format!("{town}{zh}"), &en, &grid)?;
            }
        }
        for (kind, zh, en) in CITY_DEPARTMENTS {
            rules::cases::add_department(tx, &format!("320583-{kind}"), kind, zh, en, "320583")?;
        }
        rules::cases::load_routing(tx, RULES)?;
        Ok(())
    })
    .map_err(ApiError::from)
}

fn town_en(t: usize) -> String {
    format!("Town {}", t + 1)
}

/// What every case of the year is judged against.
struct World {
    taxonomy: Taxonomy,
    depts: Vec<Department>,
    rules: Vec<RoutingRule>,
}

/// A user who takes steps: name, role, scope, department.
#[derive(Clone)]
struct Who {
    user: String,
    role: Role,
    scope: String,
    department: Option<String>,
}

impl Who {
    fn actor(&self) -> Actor<'_> {
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
fn supervisor_of(seed: u64, path: &str, g: &GridInfo) -> Who {
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
struct Play<'w> {
    doc: CaseDoc,
    t: i64,
    rules: CaseTypeRules,
    world: &'w World,
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

/// The year's cases, spread over the grids and the days, into `sink`.
pub(crate) fn year(
    sink: &mut Sink<'_>,
    db: &Db,
    grids: &[GridInfo],
    seed: u64,
    scale: f64,
) -> Result<()> {
    let world = db.read(|tx| {
        Ok(World {
            taxonomy: rules::taxonomy::case(tx)?,
            depts: rules::cases::departments(tx)?,
            rules: rules::cases::routing_rules(tx)?,
        })
    })?;
    let n = scaled(CASES, scale);
    let total_weight: u64 = TYPES.iter().map(|t| t.1).sum();
    let mut facts: Vec<CaseDoc> = Vec::with_capacity(FACTS_BATCH);
    for i in 0..n {
        let mut r = Rng::new(seed, 50_000_000 + i as u64);
        let g = &grids[r.below(grids.len() as u64) as usize];
        let day = (i as i64 * 365) / n as i64;
        let at = YEAR_START_MS + day * DAY_MS + (8 * 3600 + r.below(12 * 3600) as i64) * 1000;
        let mut roll = r.below(total_weight);
        let case_type = TYPES
            .iter()
            .find(|(_, w)| {
                let hit = roll < *w;
                roll = roll.saturating_sub(*w);
                hit
            })
            .map_or("livelihood", |t| t.0);
        let doc = play(
            &mut r,
            &world,
            g,
            seed,
            &format!("city-case-{i:06}"),
            case_type,
            at,
        )?;
        let body = records::to_body(&doc)?;
        sink.put(
            RecordKind::Case,
            doc.case.id.clone(),
            g,
            doc.case.address_code.as_deref(),
            &body,
            doc.case.updated_at,
        )?;
        facts.push(doc);
        if facts.len() >= FACTS_BATCH {
            write_facts(db, &mut facts)?;
        }
    }
    write_facts(db, &mut facts)
}

fn write_facts(db: &Db, facts: &mut Vec<CaseDoc>) -> Result<()> {
    let refs: Vec<&CaseDoc> = facts.iter().collect();
    db.write(|tx| rules::case_facts::insert(tx, &refs).map_err(ApiError::from))?;
    facts.clear();
    Ok(())
}

/// One case from its report to where the year leaves it.
fn play(
    r: &mut Rng,
    world: &World,
    g: &GridInfo,
    seed: u64,
    id: &str,
    case_type: &str,
    at: i64,
) -> Result<CaseDoc> {
    let severity = match r.below(100) {
        0..50 => Severity::Low,
        50..85 => Severity::Medium,
        85..97 => Severity::High,
        _ => Severity::Critical,
    };
    let texts: Vec<&str> = TEXTS
        .iter()
        .filter(|(t, _)| *t == case_type)
        .map(|(_, s)| *s)
        .collect();
    let description = texts
        .get(r.below(texts.len().max(1) as u64) as usize)
        .copied()
        .unwrap_or("群众反映的问题");
    let worker = Who {
        user: g.worker.clone(),
        role: Role::Worker,
        scope: g.path.clone(),
        department: None,
    };
    let hotline = r.chance(15);
    let reporter = if hotline {
        supervisor_of(seed, &Tier::Town.level_of(&g.path), g)
    } else {
        worker.clone()
    };
    let dispute = case::is_dispute_type(&world.taxonomy, case_type);
    let address_code = (!g.addresses.is_empty() && r.chance(70)).then(|| {
        g.addresses[r.below(g.addresses.len() as u64) as usize]
            .0
            .clone()
    });
    let parties = if dispute {
        vec![
            Party {
                person_id: None,
                name: r.name(),
                phone: Some(r.phone("138")),
                role: PartyRole::Applicant,
            },
            Party {
                person_id: None,
                name: r.name(),
                phone: None,
                role: PartyRole::Respondent,
            },
        ]
    } else {
        Vec::new()
    };
    let mut c = Case {
        id: id.to_string(),
        case_type: case_type.to_string(),
        severity,
        source: if hotline {
            CaseSource::Hotline
        } else {
            CaseSource::Worker
        },
        source_ref: None,
        address_code,
        grid_path: g.path.clone(),
        owner_path: String::new(),
        description: description.to_string(),
        photos: Vec::new(),
        parties,
        status: CaseStatus::Reported,
        handler: None,
        departments: Vec::new(),
        deadline: None,
        dispute: dispute.then(|| case::Dispute {
            subject: description.to_string(),
            ..Default::default()
        }),
        rating: None,
        reported_by: reporter.user.clone(),
        created_at: at,
        updated_at: at,
        delivery: Delivery::Server,
        overdue: false,
    };
    let rules = case::type_rules(&world.taxonomy, case_type);
    // As `rules::cases::create_case` lands it: the worker settles small disputes
    // on the spot (网格马上调), routing decides the rest.
    let myself = !hotline
        && match rules.tier {
            Tier::Grid => r.chance(if dispute { 65 } else { 30 }),
            _ => r.chance(10),
        };
    let (owner, opening) = if myself {
        (g.path.clone(), Opening::HandleMyself)
    } else {
        let route = case::route(
            &world.rules,
            &rules,
            case_type,
            severity,
            &g.path,
            &world.depts,
        );
        let opening = match &route.target {
            RouteTarget::Level { .. } => Opening::Queue,
            RouteTarget::Department { kind } => world
                .depts
                .iter()
                .filter(|d| &d.kind == kind && g.path.starts_with(d.level_path.as_str()))
                .max_by_key(|d| d.level_path.len())
                .map_or(Opening::Queue, |d| {
                    Opening::Dispatch(Handler::Department(d.code.clone()))
                }),
            RouteTarget::GridWorker => Opening::Dispatch(Handler::Person(g.worker.clone())),
        };
        (route.owner_path, opening)
    };
    let first = case::open(
        &mut c,
        &owner,
        opening,
        &reporter.actor(),
        "console",
        &rules,
    );
    let mut p = Play {
        doc: CaseDoc {
            case: c,
            events: vec![first],
        },
        t: at,
        rules,
        world,
    };
    run(r, &mut p, g, seed, &worker)?;
    p.doc.case.overdue = false;
    Ok(p.doc)
}

/// The case's loop, step by step, until it is done or the year is over.
fn run(r: &mut Rng, p: &mut Play<'_>, g: &GridInfo, seed: u64, worker: &Who) -> Result<()> {
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
                if late && r.chance(50) {
                    if let Some(up) = &above {
                        let at = p.t + limit + HOUR_MS;
                        let input = StepInput {
                            deadline: Some(at + limit / 2),
                            ..note("已超期，请尽快办理")
                        };
                        if !p.step(up, CaseAction::Supervise, input, limit + HOUR_MS)? {
                            return Ok(());
                        }
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
                if late && r.chance(40) {
                    if let Some(up) = &above {
                        let input = StepInput {
                            deadline: Some(p.t + limit),
                            ..note("已超期，请尽快办结")
                        };
                        if !p.step(up, CaseAction::Supervise, input, HOUR_MS)? {
                            return Ok(());
                        }
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
