//! The benchmark city's year of cases (`gridfield-city`): every case document is
//! what the core's own `case::apply_step` makes of its timeline (replayed here
//! step by step and compared whole), its side rows (migration 011) agree with it,
//! and the year looks like the field reports: most disputes settled on the grid or
//! in the village, some cases returned, supervised (督办), escalated, overdue, rated.

use std::collections::BTreeSet;

use gridfield_core::case::{
    self, Actor, Case, CaseAction, CaseEvent, CaseStatus, DispatchTarget, Handler, StepInput, Tier,
};
use gridfield_core::role::Role;
use gridfield_tests::{Backend, Store};

const SCALE: &str = "0.01";
/// The end of the generated year (2025-11-01 +08:00 plus 365 days).
const YEAR_END_MS: i64 = 1_761_926_400_000 + 365 * 86_400_000;

#[derive(serde::Deserialize)]
struct CaseDoc {
    case: Case,
    events: Vec<CaseEvent>,
}

/// The case as `case::open` left it, from its final form and first event.
fn opened(c: &Case, first: &CaseEvent) -> Case {
    let mut k = c.clone();
    k.status = first.to_status;
    k.owner_path = first.owner_path.clone();
    k.handler = first.handler.clone();
    k.deadline = first.deadline;
    k.departments = match &first.handler {
        Some(Handler::Department(d)) => vec![d.clone()],
        _ => Vec::new(),
    };
    if let Some(d) = k.dispute.as_mut() {
        d.sessions.clear();
        d.agreement = None;
        d.settled_path = None;
    }
    k.rating = None;
    k.updated_at = k.created_at;
    k
}

/// What a step's input must have been, from the event and the final document.
fn input_of(d: &CaseDoc, e: &CaseEvent, before: &Case, session: &mut usize) -> StepInput {
    let mut input = StepInput {
        note: e.note.clone(),
        photos: e.photos.clone(),
        ..Default::default()
    };
    match e.action {
        Some(CaseAction::Dispatch) if e.owner_path != before.owner_path => {
            input.to = Some(DispatchTarget::Level {
                path: e.owner_path.clone(),
            });
        }
        Some(CaseAction::Dispatch) => {
            input.to = Some(
                match e.handler.clone().expect("a dispatch names a handler") {
                    Handler::Person(user) => DispatchTarget::Person { user },
                    Handler::Department(code) => DispatchTarget::Department {
                        code,
                        level_path: e.owner_path.clone(),
                    },
                },
            );
        }
        Some(CaseAction::Supervise) => input.deadline = e.deadline,
        Some(CaseAction::Evaluate) => input.rating = d.case.rating.as_ref().map(|r| r.score),
        Some(CaseAction::Mediate) => {
            let sessions = &d.case.dispute.as_ref().expect("a dispute").sessions;
            input.session = Some(sessions[*session].clone());
            *session += 1;
        }
        _ => {}
    }
    input
}

/// Replay the timeline through `case::apply_step`; the result must be the document.
fn replay(d: &CaseDoc) {
    let taxonomy = case::builtin_taxonomy();
    let rules = case::type_rules(&taxonomy, &d.case.case_type);
    let first = &d.events[0];
    assert_eq!(first.action, None);
    assert_eq!(first.at, d.case.created_at);
    let mut k = opened(&d.case, first);
    let mut session = 0;
    for e in &d.events[1..] {
        let action = e.action.expect("every later step has an action");
        let input = input_of(d, e, &k, &mut session);
        let dept = match &k.handler {
            Some(Handler::Department(code)) => Some(code.clone()),
            _ => None,
        };
        // Receive and return are the handler's; anything else a city administrator
        // may take: the replay checks the state machine, not who clicked.
        let actor = match (action, &dept) {
            (CaseAction::Receive | CaseAction::Return, Some(code)) => Actor {
                user: &e.actor,
                role: Role::Department,
                scope_path: "/",
                department: Some(code),
            },
            (CaseAction::Receive | CaseAction::Return, None) => Actor {
                user: &e.actor,
                role: Role::Worker,
                scope_path: "/",
                department: None,
            },
            _ => Actor {
                user: &e.actor,
                role: Role::Admin,
                scope_path: "/",
                department: None,
            },
        };
        let step = case::Step {
            event_id: &e.id,
            action,
            input: &input,
            device_id: &e.device_id,
            at: e.at,
        };
        let ev = case::apply_step(&mut k, step, &actor, &rules)
            .unwrap_or_else(|r| panic!("{} {}: refused: {r:?}", d.case.id, action.as_str()));
        assert_eq!(&ev, e, "{}: step {} differs", d.case.id, e.id);
    }
    assert_eq!(k, d.case, "{}: replayed case differs", d.case.id);
}

#[test]
fn the_city_year_of_cases_is_what_the_rules_make() {
    let store = Store::new(Backend::Sqlite);
    let out = std::process::Command::new(gridfield_tests::bin("gridfield-city"))
        .args(["--db", &store.target, "--seed", "5", "--scale", SCALE])
        .args(["--json", "--no-progress"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = rusqlite::Connection::open(&store.target).unwrap();
    let docs: Vec<CaseDoc> = conn
        .prepare("SELECT body FROM records WHERE kind = 'case' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|b| serde_json::from_str(&b.unwrap()).unwrap())
        .collect();
    assert!(docs.len() >= 400, "{} cases", docs.len());

    let mut tiers = [0usize; 4];
    let (mut overdue, mut returned, mut supervised, mut escalated, mut rated) = (0, 0, 0, 0, 0);
    for d in &docs {
        replay(d);
        let k = &d.case;
        let last = d.events.last().unwrap();
        assert_eq!(k.status, last.to_status, "{}", k.id);
        assert_eq!(k.updated_at, last.at, "{}", k.id);
        assert!(k.created_at < YEAR_END_MS && last.at < YEAR_END_MS);
        // Open cases wait for a step with a time limit; done ones for nothing.
        assert_eq!(k.status.is_open(), k.deadline.is_some(), "{}", k.id);
        let done = matches!(
            k.status,
            CaseStatus::Finished | CaseStatus::Closed | CaseStatus::Evaluated
        );
        if let Some(dispute) = &k.dispute {
            let finish = d
                .events
                .iter()
                .rev()
                .find(|e| e.action == Some(CaseAction::Finish));
            assert_eq!(
                dispute.settled_path.as_deref(),
                finish.map(|e| e.owner_path.as_str()),
                "{}",
                k.id
            );
            if done {
                let p = dispute.settled_path.as_deref().unwrap();
                let tier = Tier::of(p, p == k.grid_path);
                tiers[Tier::ALL.iter().position(|t| *t == tier).unwrap()] += 1;
            }
        }
        assert_eq!(k.status == CaseStatus::Evaluated, k.rating.is_some());
        // Every department it was dispatched to keeps it, and only those.
        let depts: BTreeSet<&str> = d
            .events
            .iter()
            .filter_map(|e| match &e.handler {
                Some(Handler::Department(c)) => Some(c.as_str()),
                _ => None,
            })
            .collect();
        let listed: BTreeSet<&str> = k.departments.iter().map(String::as_str).collect();
        assert_eq!(depts, listed, "{}", k.id);
        let side: BTreeSet<String> = conn
            .prepare("SELECT department FROM case_departments WHERE case_id = ?1")
            .unwrap()
            .query_map([&k.id], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            side.iter().map(String::as_str).collect::<BTreeSet<_>>(),
            listed
        );
        let finished: i64 = conn
            .query_row(
                "SELECT count(*) FROM case_finishes WHERE case_id = ?1",
                [&k.id],
                |r| r.get(0),
            )
            .unwrap();
        let ever = d
            .events
            .iter()
            .any(|e| e.action == Some(CaseAction::Finish));
        assert_eq!(finished, i64::from(ever), "{}", k.id);

        overdue += usize::from(case::is_overdue(k.status, k.deadline, YEAR_END_MS));
        let has = |a: CaseAction| d.events.iter().any(|e| e.action == Some(a));
        returned += usize::from(has(CaseAction::Return));
        supervised += usize::from(has(CaseAction::Supervise));
        escalated += usize::from(has(CaseAction::Escalate));
        rated += usize::from(k.rating.is_some());
    }
    let settled: usize = tiers.iter().sum();
    let low = tiers[0] + tiers[1];
    assert!(settled >= 100, "{tiers:?}");
    let share = low * 100 / settled;
    assert!(
        (78..=95).contains(&share),
        "settled on the grid or in the village: {share}% ({tiers:?})"
    );
    assert!(tiers[2] > 0 && tiers[3] > 0, "{tiers:?}");
    for (what, n) in [
        ("overdue", overdue),
        ("returned", returned),
        ("supervised", supervised),
        ("escalated", escalated),
        ("rated", rated),
    ] {
        assert!(n > 0, "no case {what}");
    }
    assert!(rated * 2 > docs.len(), "{rated} of {} rated", docs.len());
}
