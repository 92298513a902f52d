//! The demo district's cases (事件): departments per town and one for the county,
//! a department user with a console account, routing rules, and a case at every
//! stage of the loop — all made through `rules::cases` with console contexts,
//! the way a phone's pushes and the console's clicks make them.

use gridfield_core::case::{
    Case, CaseAction, CaseSource, DispatchTarget, MediationOutcome, MediationSession, Party,
    PartyRole, Satisfaction, StepInput,
};
use gridfield_core::hazard::Severity;
use gridfield_core::model::Role;
use gridfield_core::record::Delivery;

use crate::db::Tx;
use crate::error::Result;
use crate::rules::{self, DeviceCtx, cases};
use crate::server::Server;

const HOUR: i64 = 3600 * 1000;
const DAY: i64 = 24 * HOUR;

/// The department user who signs in to the console (user, grid, department).
pub const DEPARTMENT_USER: (&str, &str, &str) = ("玉山司法所", "320583001", "320583001-justice");

const RULES: &str = r#"[
  {"id": "labor-to-hrss", "case_type": "dispute.labor", "to": "department", "kind": "labor"},
  {"id": "serious-security-to-town", "case_type": "security", "min_severity": "high",
   "to": "level", "tier": "town"}
]"#;

fn ctx(tx: &mut dyn Tx, user: &str, role: Role, grid: &str) -> Result<DeviceCtx> {
    let path = rules::grids::grid_path(tx, grid)?.unwrap_or_default();
    Ok(DeviceCtx::console(user, role, grid, &path))
}

fn party(name: &str, phone: Option<&str>, role: PartyRole) -> Party {
    Party {
        person_id: None,
        name: name.into(),
        phone: phone.map(String::from),
        role,
    }
}

fn new_case(id: &str, case_type: &str, severity: Severity, text: &str, at: i64) -> Case {
    Case {
        location: None,
        id: id.into(),
        case_type: case_type.into(),
        severity,
        source: CaseSource::Worker,
        source_ref: None,
        address_code: None,
        grid_path: String::new(),
        owner_path: String::new(),
        description: text.into(),
        photos: Vec::new(),
        parties: Vec::new(),
        status: gridfield_core::case::CaseStatus::Reported,
        handler: None,
        departments: Vec::new(),
        deadline: None,
        dispute: None,
        rating: None,
        reported_by: String::new(),
        created_at: at,
        updated_at: at,
        delivery: Delivery::Local,
        overdue: false,
    }
}

fn note(text: &str) -> StepInput {
    StepInput {
        note: Some(text.into()),
        ..Default::default()
    }
}

fn dispatch(to: DispatchTarget) -> StepInput {
    StepInput {
        to: Some(to),
        ..Default::default()
    }
}

fn department(code: &str) -> DispatchTarget {
    DispatchTarget::Department {
        code: code.into(),
        level_path: String::new(),
    }
}

fn session(id: &str, at: i64, place: &str, mediator: &str, agreed: bool, text: &str) -> StepInput {
    StepInput {
        note: Some(text.into()),
        session: Some(MediationSession {
            id: id.into(),
            at,
            place: place.into(),
            mediator: mediator.into(),
            participants: vec!["钱秀英".into(), "孙建国".into()],
            outcome: if agreed {
                MediationOutcome::Agreed
            } else {
                MediationOutcome::NotAgreed
            },
            note: text.into(),
        }),
        ..Default::default()
    }
}

/// Report `c` in the reporter's own grid.
fn create(tx: &mut dyn Tx, who: &DeviceCtx, c: &Case, handle_myself: bool) -> Result<()> {
    let mut c = c.clone();
    c.grid_path = who.grid_path.clone();
    cases::create_case(tx, who, &c, handle_myself)?;
    Ok(())
}

/// A case's steps in order: (who, action, input, hours after it was reported).
type Steps<'a> = Vec<(&'a DeviceCtx, CaseAction, StepInput, i64)>;

fn run(tx: &mut dyn Tx, id: &str, created: i64, steps: Steps<'_>) -> Result<()> {
    for (n, (who, action, input, after)) in steps.into_iter().enumerate() {
        let at = created + after * HOUR;
        cases::case_step(tx, who, id, &format!("{id}-{n}"), action, &input, at)?;
    }
    Ok(())
}

/// Seed departments, a department user, routing rules and cases; the department
/// user's enrollment code goes into `codes`, their console password into `console`.
pub fn seed(
    server: &Server,
    codes: &mut Vec<(String, Role, String, String)>,
    console: &mut Vec<(String, String)>,
) -> Result<()> {
    let now = rules::now_ms();
    server.db.write(|tx| {
        for (t, town) in [("001", "玉山"), ("002", "周市")] {
            let grid = format!("320583{t}");
            for (kind, zh, en) in [
                ("justice", "司法所", "justice office"),
                ("police", "派出所", "police station"),
                ("housing", "住建办", "housing office"),
                ("urban", "综合执法局", "urban management"),
            ] {
                let code = format!("{grid}-{kind}");
                let (zh, en) = (format!("{town}{zh}"), format!("{town} {en}"));
                cases::add_department(tx, &code, kind, &zh, &en, &grid)?;
            }
        }
        cases::add_department(
            tx,
            "320583-labor",
            "labor",
            "昆山市人社局",
            "Kunshan human resources and social security bureau",
            "320583",
        )?;
        cases::load_routing(tx, RULES)?;

        let (name, grid, dept) = DEPARTMENT_USER;
        rules::grids::add_user(tx, name, Role::Department, grid)?;
        cases::set_user_department(tx, name, dept)?;

        let worker = ctx(tx, "张伟", Role::Worker, "320583001001")?;
        let town = ctx(tx, "赵强", Role::Supervisor, "320583001")?;
        let justice =
            ctx(tx, name, Role::Department, grid)?.with_department(Some(dept.to_string()));

        // 待受理: in the town's queue since an hour ago.
        let c = new_case(
            "demo-case-reported",
            "livelihood",
            Severity::Low,
            "小区路灯坏了半个月，夜里出行不便",
            now - HOUR,
        );
        create(tx, &worker, &c, false)?;

        // 已受理.
        let t = now - 5 * HOUR;
        let c = new_case(
            "demo-case-accepted",
            "special_groups",
            Severity::Medium,
            "独居老人近期行动不便，需要上门关爱服务",
            t,
        );
        create(tx, &worker, &c, false)?;
        run(
            tx,
            &c.id,
            t,
            vec![(&town, CaseAction::Accept, StepInput::default(), 1)],
        )?;

        // 已分派 to a department.
        let t = now - 20 * HOUR;
        let c = new_case(
            "demo-case-dispatched",
            "urban",
            Severity::Medium,
            "菜场门口占道经营，早高峰堵塞通行",
            t,
        );
        create(tx, &worker, &c, false)?;
        run(
            tx,
            &c.id,
            t,
            vec![
                (&town, CaseAction::Accept, StepInput::default(), 1),
                (
                    &town,
                    CaseAction::Dispatch,
                    dispatch(department("320583001-urban")),
                    2,
                ),
            ],
        )?;

        // 处置中: a dispute mediated on the grid, escalated, handled by the justice office.
        let t = now - 3 * DAY;
        let mut c = new_case(
            "demo-case-mediation",
            "dispute.neighbor",
            Severity::Medium,
            "楼上卫生间漏水，楼下住户天花板受损，双方多次协商未果",
            t,
        );
        c.parties = vec![
            party("钱秀英", Some("13800001111"), PartyRole::Applicant),
            party("孙建国", None, PartyRole::Respondent),
        ];
        create(tx, &worker, &c, true)?;
        run(
            tx,
            &c.id,
            t,
            vec![
                (
                    &worker,
                    CaseAction::Mediate,
                    session(
                        "s1",
                        t + 2 * HOUR,
                        "网格工作站",
                        "张伟",
                        false,
                        "双方对赔偿金额分歧较大",
                    ),
                    2,
                ),
                (
                    &worker,
                    CaseAction::Escalate,
                    note("网格调解未果，申请镇级联动调处"),
                    3,
                ),
                (&town, CaseAction::Accept, StepInput::default(), 5),
                (&town, CaseAction::Dispatch, dispatch(department(dept)), 6),
                (&justice, CaseAction::Receive, StepInput::default(), 8),
                (
                    &justice,
                    CaseAction::Mediate,
                    session(
                        "s2",
                        t + 30 * HOUR,
                        "玉山司法所调解室",
                        "司法所调解员",
                        false,
                        "约定维修后再议赔偿",
                    ),
                    30,
                ),
                (
                    &justice,
                    CaseAction::Feedback,
                    note("已联系物业上门查漏，下周再次调解"),
                    31,
                ),
            ],
        )?;

        // 已办结: settled on the grid, waiting for verification.
        let t = now - 2 * DAY;
        let mut c = new_case(
            "demo-case-finished",
            "dispute.family",
            Severity::Low,
            "赡养费分担引发兄妹争吵",
            t,
        );
        c.parties = vec![
            party("周志强", None, PartyRole::Applicant),
            party("周丽娟", None, PartyRole::Respondent),
        ];
        create(tx, &worker, &c, true)?;
        run(
            tx,
            &c.id,
            t,
            vec![
                (
                    &worker,
                    CaseAction::Mediate,
                    session(
                        "s1",
                        t + 4 * HOUR,
                        "当事人家中",
                        "张伟",
                        true,
                        "兄妹按月轮流承担赡养费",
                    ),
                    4,
                ),
                (&worker, CaseAction::Finish, note("调解成功，已签字确认"), 5),
            ],
        )?;

        // 已结案 and 已评价.
        for (id, evaluate) in [("demo-case-closed", false), ("demo-case-evaluated", true)] {
            let t = now - 6 * DAY;
            let c = new_case(id, "livelihood", Severity::Low, "楼道堆放杂物影响通行", t);
            create(tx, &worker, &c, true)?;
            let mut steps: Steps<'_> = vec![
                (&worker, CaseAction::Feedback, note("已通知住户清理"), 2),
                (&worker, CaseAction::Finish, note("杂物已清理完毕"), 20),
                (&town, CaseAction::Verify, note("回访核实"), 30),
            ];
            if evaluate {
                let rating = StepInput {
                    rating: Some(Satisfaction::Satisfied),
                    ..Default::default()
                };
                steps.push((&worker, CaseAction::Evaluate, rating, 31));
            }
            run(tx, id, t, steps)?;
        }

        // 超期: a security concern nobody accepted in two days (4 hours allowed).
        let c = new_case(
            "demo-case-overdue",
            "security",
            Severity::Medium,
            "小区围墙破损，夜间有陌生人翻入",
            now - 2 * DAY,
        );
        create(tx, &worker, &c, false)?;

        // Routed by a rule: wages owed, straight to the county's labour bureau.
        let c = new_case(
            "demo-case-labor",
            "dispute.labor",
            Severity::High,
            "装修工地拖欠六名工人工资",
            now - 4 * HOUR,
        );
        create(tx, &worker, &c, false)?;
        Ok(())
    })?;
    let (name, grid, _) = DEPARTMENT_USER;
    let code = server.db.write_as(|tx| {
        rules::enrollment::create_enroll_code(tx, name, Role::Department, grid, 7 * DAY)
    })?;
    codes.push((name.to_string(), Role::Department, grid.to_string(), code));
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).map_err(|e| crate::ApiError::internal(e.to_string()))?;
    let password = format!("demo-{}", hex::encode(b));
    server
        .db
        .write(|tx| crate::console::auth::set_password(tx, DEPARTMENT_USER.0, &password))?;
    console.push((DEPARTMENT_USER.0.to_string(), password));
    Ok(())
}
