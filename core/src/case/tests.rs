//! The case loop end to end on the pure rules: a dispute from the grid to a
//! department and back to the reporter, refusals by state, role and input, and
//! the buttons a screen offers agreeing with what `apply_step` accepts.

use super::*;
use crate::i18n::Lang;
use crate::role::Role;

const COUNTY: &str = "/1/";
const TOWN: &str = "/1/1a/";
const VILLAGE: &str = "/1/1a/1a1/";
const GRID: &str = "/1/1a/1a1/1a1x/";
const DAY: i64 = 86_400_000;

fn actor<'a>(user: &'a str, role: Role, scope: &'a str) -> Actor<'a> {
    Actor {
        user,
        role,
        scope_path: scope,
        department: None,
    }
}

fn dept<'a>(code: &'a str, scope: &'a str) -> Actor<'a> {
    Actor {
        user: "司法所张",
        role: Role::Department,
        scope_path: scope,
        department: Some(code),
    }
}

fn dispute_case() -> Case {
    Case {
        location: None,
        id: "c1".into(),
        case_type: "dispute.neighbor".into(),
        severity: Severity::Medium,
        source: CaseSource::Worker,
        source_ref: None,
        address_code: Some("A1".into()),
        grid_path: GRID.into(),
        owner_path: GRID.into(),
        description: "楼上漏水".into(),
        photos: vec![],
        parties: vec![Party {
            person_id: None,
            name: "王某".into(),
            phone: Some("13800000000".into()),
            role: PartyRole::Applicant,
        }],
        status: CaseStatus::Reported,
        handler: None,
        departments: vec![],
        deadline: None,
        dispute: Some(Dispute {
            subject: "漏水赔偿".into(),
            ..Default::default()
        }),
        rating: None,
        reported_by: "worker".into(),
        created_at: 1_000,
        updated_at: 1_000,
        delivery: crate::record::Delivery::Local,
        overdue: false,
    }
}

fn note(n: &str) -> StepInput {
    StepInput {
        note: Some(n.into()),
        ..Default::default()
    }
}

fn step<'a>(id: &'a str, action: CaseAction, input: &'a StepInput, at: i64) -> Step<'a> {
    Step {
        event_id: id,
        action,
        input,
        device_id: "dev",
        at,
    }
}

fn rules() -> CaseTypeRules {
    type_rules(&builtin_taxonomy(), "dispute.neighbor")
}

fn go(
    c: &mut Case,
    a: CaseAction,
    input: StepInput,
    who: &Actor<'_>,
) -> Result<CaseEvent, CaseRefusal> {
    let at = c.updated_at + 1;
    apply_step(c, step("e", a, &input, at), who, &rules())
}

fn signed() -> Agreement {
    Agreement {
        terms: "赔偿 800 元".into(),
        signatures: SignerRole::ALL
            .into_iter()
            .map(|role| Signature {
                role,
                name: "某".into(),
                photo: "ab".repeat(32),
            })
            .collect(),
        signed_at: 5,
    }
}

#[test]
fn a_dispute_goes_from_the_grid_to_a_town_department_and_is_closed_and_rated() {
    use CaseAction as A;
    let worker = actor("worker", Role::Worker, GRID);
    let village = actor("村书记", Role::Supervisor, VILLAGE);
    let town = actor("镇综治", Role::Supervisor, TOWN);
    let sifa = dept("justice", TOWN);
    let mut c = dispute_case();
    let first = open(
        &mut c,
        GRID,
        Opening::HandleMyself,
        &worker,
        "dev",
        &rules(),
    );
    assert_eq!(
        (c.status, first.to_status),
        (CaseStatus::Handling, CaseStatus::Handling)
    );
    assert_eq!(c.handler, Some(Handler::Person("worker".into())));
    assert_eq!(c.deadline, Some(1_000 + 7 * DAY));
    // Their own level's case: escalated if need be, never "returned" to nobody.
    assert!(!allowed_actions(&c, &worker).contains(&CaseAction::Return));

    let session = MediationSession {
        id: "s1".into(),
        at: 2,
        place: "网格工作站".into(),
        mediator: "worker".into(),
        participants: vec!["王某".into(), "李某".into()],
        outcome: MediationOutcome::NotAgreed,
        note: "双方分歧较大".into(),
    };
    let med = StepInput {
        session: Some(session),
        ..Default::default()
    };
    go(&mut c, A::Mediate, med.clone(), &worker).unwrap();
    go(&mut c, A::Mediate, med, &worker).unwrap();
    assert_eq!(
        c.dispute.as_ref().unwrap().sessions.len(),
        1,
        "a retried session is kept once"
    );

    go(&mut c, A::Escalate, note("网格调解未果"), &worker).unwrap();
    assert_eq!(
        (c.status, c.owner_path.as_str()),
        (CaseStatus::Reported, VILLAGE)
    );
    assert_eq!(c.handler, None);
    // The worker no longer handles it.
    assert!(allowed_actions(&c, &worker).is_empty());

    go(&mut c, A::Accept, StepInput::default(), &village).unwrap();
    go(&mut c, A::Escalate, note("涉及金额较大"), &village).unwrap();
    assert_eq!(c.owner_path, TOWN);
    go(&mut c, A::Accept, StepInput::default(), &town).unwrap();
    let to_justice = StepInput {
        to: Some(DispatchTarget::Department {
            code: "justice".into(),
            level_path: TOWN.into(),
        }),
        ..Default::default()
    };
    go(&mut c, A::Dispatch, to_justice, &town).unwrap();
    assert_eq!(c.status, CaseStatus::Dispatched);
    assert_eq!(c.departments, vec!["justice".to_string()]);
    go(&mut c, A::Receive, StepInput::default(), &sifa).unwrap();
    go(&mut c, A::Feedback, note("已约谈双方"), &sifa).unwrap();
    let agree = StepInput {
        agreement: Some(signed()),
        ..Default::default()
    };
    let ev = go(&mut c, A::Agree, agree, &sifa).unwrap();
    assert_eq!(ev.photos.len(), 3, "the signatures are the step's photos");
    go(&mut c, A::Finish, note("已签订调解协议"), &sifa).unwrap();
    assert_eq!(
        c.dispute.as_ref().unwrap().settled_path.as_deref(),
        Some(TOWN)
    );
    assert_eq!(Tier::of(TOWN, false), Tier::Town);

    // The reporter verifies on their phone; the resident rates on it.
    go(&mut c, A::Verify, StepInput::default(), &worker).unwrap();
    assert_eq!(c.status, CaseStatus::Closed);
    assert_eq!(c.deadline, None);
    let rate = StepInput {
        rating: Some(Satisfaction::Satisfied),
        ..Default::default()
    };
    go(&mut c, A::Evaluate, rate, &worker).unwrap();
    assert_eq!(c.status, CaseStatus::Evaluated);
    assert_eq!(c.rating.as_ref().unwrap().score, Satisfaction::Satisfied);
}

#[test]
fn a_department_returns_a_dispatch_and_cannot_act_on_others() {
    let town = actor("镇综治", Role::Supervisor, TOWN);
    let mut c = dispute_case();
    c.owner_path = TOWN.into();
    c.status = CaseStatus::Accepted;
    let to = |code: &str, level: &str| StepInput {
        to: Some(DispatchTarget::Department {
            code: code.into(),
            level_path: level.into(),
        }),
        ..Default::default()
    };
    // Another town's department does not serve this one.
    let e = go(&mut c, CaseAction::Dispatch, to("housing", "/1/1b/"), &town).unwrap_err();
    assert_eq!(e, CaseRefusal::DepartmentOutsideLevel);
    assert_eq!(c.status, CaseStatus::Accepted, "nothing changed");
    // A county department does.
    go(&mut c, CaseAction::Dispatch, to("housing", COUNTY), &town).unwrap();
    let other = dept("police", TOWN);
    let e = go(&mut c, CaseAction::Receive, StepInput::default(), &other).unwrap_err();
    assert!(matches!(e, CaseRefusal::NotPermitted { .. }));
    let housing = dept("housing", COUNTY);
    assert_eq!(
        go(&mut c, CaseAction::Return, StepInput::default(), &housing),
        Err(CaseRefusal::NoteRequired)
    );
    go(
        &mut c,
        CaseAction::Return,
        note("不属于本部门职责"),
        &housing,
    )
    .unwrap();
    assert_eq!((c.status, c.handler.clone()), (CaseStatus::Accepted, None));
    assert_eq!(
        c.departments,
        vec!["housing".to_string()],
        "it keeps seeing what it returned"
    );
}

#[test]
fn the_level_above_supervises_and_takes_over_but_not_the_owner() {
    let village = actor("村书记", Role::Supervisor, VILLAGE);
    let town = actor("镇综治", Role::Supervisor, TOWN);
    let mut c = dispute_case();
    c.owner_path = VILLAGE.into();
    c.status = CaseStatus::Accepted;
    c.deadline = Some(10);
    let sup = StepInput {
        note: Some("请三日内办结".into()),
        deadline: Some(c.updated_at + 3 * DAY),
        ..Default::default()
    };
    let e = go(&mut c, CaseAction::Supervise, sup.clone(), &village).unwrap_err();
    assert!(matches!(e, CaseRefusal::NotPermitted { .. }));
    let mut past = sup.clone();
    past.deadline = Some(0);
    assert_eq!(
        go(&mut c, CaseAction::Supervise, past, &town),
        Err(CaseRefusal::DeadlineRequired)
    );
    go(&mut c, CaseAction::Supervise, sup, &town).unwrap();
    assert_eq!(c.status, CaseStatus::Accepted);
    assert_eq!(c.deadline, Some(c.updated_at - 1 + 3 * DAY));
    go(&mut c, CaseAction::TakeOver, StepInput::default(), &town).unwrap();
    assert_eq!(c.owner_path, TOWN);
    assert!(!allowed_actions(&c, &town).contains(&CaseAction::TakeOver));
}

#[test]
fn refusals_by_state_input_and_level() {
    let worker = actor("worker", Role::Worker, GRID);
    let county = actor("县综治", Role::Supervisor, COUNTY);
    let mut c = dispute_case();
    c.status = CaseStatus::Closed;
    c.owner_path = COUNTY.into();
    // A stale step from an offline phone: the case was closed meanwhile.
    let e = go(&mut c, CaseAction::Finish, note("已处理"), &county).unwrap_err();
    assert_eq!(
        e,
        CaseRefusal::NotFromState {
            from: CaseStatus::Closed,
            action: CaseAction::Finish
        }
    );
    assert!(
        e.message(Lang::Zh).contains("已结案"),
        "{}",
        e.message(Lang::Zh)
    );
    c.status = CaseStatus::Accepted;
    assert_eq!(
        go(&mut c, CaseAction::Escalate, note("x"), &county),
        Err(CaseRefusal::AtTopLevel)
    );
    let down = |p: &str| StepInput {
        to: Some(DispatchTarget::Level { path: p.into() }),
        ..Default::default()
    };
    assert_eq!(
        go(&mut c, CaseAction::Dispatch, down("/1/1b/"), &county),
        Err(CaseRefusal::LevelOutsideOwner),
        "not on the way to the case's grid"
    );
    go(&mut c, CaseAction::Dispatch, down(VILLAGE), &county).unwrap();
    assert_eq!(
        (c.status, c.owner_path.as_str()),
        (CaseStatus::Accepted, VILLAGE)
    );
    let e = go(&mut c, CaseAction::Dispatch, down(GRID), &worker).unwrap_err();
    assert!(matches!(e, CaseRefusal::NotPermitted { .. }));
    // An agreement without the mediator's signature changes nothing.
    c.status = CaseStatus::Handling;
    c.handler = Some(Handler::Person("worker".into()));
    let mut a = signed();
    a.signatures.pop();
    let before = c.clone();
    let input = StepInput {
        agreement: Some(a),
        ..Default::default()
    };
    assert_eq!(
        go(&mut c, CaseAction::Agree, input, &worker),
        Err(CaseRefusal::AgreementUnsigned)
    );
    assert_eq!(c, before);
    c.dispute = None;
    let input = StepInput {
        agreement: Some(signed()),
        ..Default::default()
    };
    assert_eq!(
        go(&mut c, CaseAction::Agree, input, &worker),
        Err(CaseRefusal::NotADispute)
    );
}

#[test]
fn opening_is_for_workers_supervisors_and_administrators_with_known_types() {
    let t = builtin_taxonomy();
    for role in Role::ALL {
        let ok = check_create(role, &t, "security", Severity::High).is_ok();
        assert_eq!(
            ok,
            matches!(role, Role::Worker | Role::Supervisor | Role::Admin),
            "{role:?}"
        );
    }
    assert_eq!(
        check_create(Role::Worker, &t, "made.up", Severity::Low),
        Err(CaseRefusal::UnknownType)
    );
}

#[test]
fn volunteers_and_departments_see_only_their_part() {
    let mut c = dispute_case();
    c.reported_by = "志愿者".into();
    c.departments = vec!["justice".into()];
    let v = actor("志愿者", Role::Volunteer, GRID);
    assert!(visible_to(&c, &v));
    assert!(!visible_to(&c, &actor("别人", Role::Volunteer, GRID)));
    assert!(visible_to(&c, &dept("justice", TOWN)));
    assert!(!visible_to(&c, &dept("police", TOWN)));
    assert!(visible_to(&c, &actor("镇综治", Role::Supervisor, TOWN)));
    assert!(!visible_to(&c, &actor("邻镇", Role::Supervisor, "/1/1b/")));
    let r = redacted_for(&c, Role::Volunteer);
    assert!(r.parties.is_empty() && r.dispute.is_none());
    assert_eq!(redacted_for(&c, Role::Worker), c);
}

#[test]
fn the_buttons_offered_are_exactly_the_steps_accepted() {
    let everything = StepInput {
        note: Some("-".into()),
        photos: vec![],
        to: Some(DispatchTarget::Person {
            user: "someone".into(),
        }),
        deadline: Some(i64::MAX / 2),
        rating: Some(Satisfaction::Basic),
        session: Some(MediationSession {
            id: "s".into(),
            at: 1,
            place: "p".into(),
            mediator: "m".into(),
            participants: vec![],
            outcome: MediationOutcome::Agreed,
            note: "n".into(),
        }),
        agreement: Some(signed()),
    };
    let actors = [
        actor("worker", Role::Worker, GRID),
        actor("村书记", Role::Supervisor, VILLAGE),
        actor("镇综治", Role::Supervisor, TOWN),
        actor("admin", Role::Admin, COUNTY),
        actor("志愿者", Role::Volunteer, GRID),
        dept("justice", TOWN),
    ];
    for status in CaseStatus::ALL {
        for handler in [
            None,
            Some(Handler::Person("worker".into())),
            Some(Handler::Department("justice".into())),
        ] {
            for who in &actors {
                let mut c = dispute_case();
                c.status = status;
                c.owner_path = VILLAGE.into();
                c.handler = handler.clone();
                let offered = allowed_actions(&c, who);
                for a in CaseAction::ALL {
                    let ok = go(&mut c.clone(), a, everything.clone(), who).is_ok();
                    assert_eq!(
                        offered.contains(&a),
                        ok,
                        "{status:?} {handler:?} {} {a:?}",
                        who.user
                    );
                }
            }
        }
    }
}
