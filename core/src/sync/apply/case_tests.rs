//! Pulled cases (事件): kept with their timeline, never over a queued local step,
//! and digested from the device's columns exactly as the server digests them.

use super::*;
use crate::case::{self, Case, CaseAction, CaseEvent, CaseStatus, Handler, Opening};
use crate::hazard::Severity;
use crate::model::Role;
use crate::store::db::DbKey;
use crate::store::{CaseFilter, CaseScope, Identity, NewCase};

const T0: i64 = 1_700_000_000_000;
const GRID_PATH: &str = "/c/g1/";

fn store(dir: &std::path::Path) -> Store {
    let id = Identity {
        device_id: "dev1".into(),
        user: "张三".into(),
        role: Role::Worker,
        grid_scope: "g1".into(),
    };
    let mut s = Store::init(dir, &DbKey::generate().unwrap(), id).unwrap();
    s.set_clock(|| T0);
    s.set_case_scope(&CaseScope {
        grid_path: GRID_PATH.into(),
        department: None,
    })
    .unwrap();
    s
}

/// A case as the server would send it: opened by `opening` at `owner`.
fn server_case(id: &str, owner: &str, opening: Opening) -> Change {
    let mut c = Case {
        location: None,
        id: id.into(),
        case_type: "livelihood".into(),
        severity: Severity::Medium,
        source: case::CaseSource::Worker,
        source_ref: None,
        address_code: None,
        grid_path: GRID_PATH.into(),
        owner_path: owner.into(),
        description: "路灯不亮".into(),
        photos: vec![],
        parties: vec![],
        status: CaseStatus::Reported,
        handler: None,
        departments: vec![],
        deadline: None,
        dispute: None,
        rating: None,
        reported_by: "李四".into(),
        created_at: T0 - 1000,
        updated_at: T0 - 1000,
        delivery: crate::record::Delivery::Server,
        overdue: false,
    };
    let actor = case::Actor {
        user: "李四",
        role: Role::Supervisor,
        scope_path: "/c/",
        department: None,
    };
    let rules = case::type_rules(&case::builtin_taxonomy(), "livelihood");
    let first: CaseEvent = case::open(&mut c, owner, opening, &actor, "dev9", &rules);
    Change::Case {
        case: Box::new(c),
        events: vec![first],
    }
}

#[test]
fn a_case_dispatched_to_me_arrives_in_my_cases_with_its_buttons() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let page = [server_case(
        "k2",
        "/c/",
        Opening::Dispatch(Handler::Person("张三".into())),
    )];
    assert_eq!(s.apply_page(&page, "c1").unwrap(), 1);
    let mine = s
        .cases(&CaseFilter {
            mine: true,
            overdue: false,
        })
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].status, CaseStatus::Dispatched);
    let d = s.case("k2").unwrap();
    assert_eq!(d.events.len(), 1);
    assert!(d.allowed.contains(&CaseAction::Receive), "{:?}", d.allowed);
    assert!(d.allowed.contains(&CaseAction::Return));
    assert!(!d.allowed.contains(&CaseAction::Accept));
    // A step taken on it is queued, and the server's next copy waits for it.
    s.case_step("k2", CaseAction::Receive, &case::StepInput::default())
        .unwrap();
    assert_eq!(s.apply_page(&page, "c2").unwrap(), 0);
    assert_eq!(s.case("k2").unwrap().case.status, CaseStatus::Handling);
}

#[test]
fn a_local_case_with_a_queued_op_is_not_overwritten_and_digests_like_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let id = s
        .create_case(&NewCase {
            location: None,
            case_type: "livelihood".into(),
            severity: Severity::Medium,
            address_code: None,
            description: "路灯不亮".into(),
            photos: vec![],
            parties: vec![],
            subject: None,
            amount_fen: None,
            handle_myself: true,
        })
        .unwrap();
    assert_eq!(s.case(&id).unwrap().case.status, CaseStatus::Handling);
    let mut theirs = server_case(&id, "/c/", Opening::Queue);
    assert_eq!(
        s.apply_page(std::slice::from_ref(&theirs), "c1").unwrap(),
        0
    );
    assert_eq!(s.case(&id).unwrap().case.owner_path, GRID_PATH);

    // Once delivered, the server's version wins, and both sides digest alike.
    s.write(|t| Ok(t.tx.execute("DELETE FROM outbox", [])?))
        .unwrap();
    if let Change::Case { events, .. } = &mut theirs {
        let mut second = events[0].clone();
        second.id = "e2".into();
        events.push(second);
    }
    let other = server_case("k3", "/c/g1/", Opening::Queue);
    assert_eq!(
        s.apply_page(&[theirs.clone(), other.clone()], "c2")
            .unwrap(),
        2
    );
    assert_eq!(s.case(&id).unwrap().case.owner_path, "/c/");
    let want = crate::wire::checksums([theirs, other]);
    let got = s.replica_checksums().unwrap();
    assert_eq!(got.get("case"), want.get("case"));
    assert!(want.contains_key("case"));
}

#[test]
fn a_department_sees_what_was_dispatched_to_it_as_its_own_and_overdue_when_late() {
    let dir = tempfile::tempdir().unwrap();
    let id = Identity {
        device_id: "dev2".into(),
        user: "司法所王".into(),
        role: Role::Department,
        grid_scope: "c".into(),
    };
    let mut s = Store::init(dir.path(), &DbKey::generate().unwrap(), id).unwrap();
    s.set_clock(|| T0);
    s.set_case_scope(&CaseScope {
        grid_path: "/c/".into(),
        department: Some("c-justice".into()),
    })
    .unwrap();
    let mut late = server_case(
        "k4",
        "/c/",
        Opening::Dispatch(Handler::Department("c-justice".into())),
    );
    if let Change::Case { case, .. } = &mut late {
        case.departments = vec!["c-justice".into()];
        case.deadline = Some(T0 - 1);
    }
    let other = server_case(
        "k5",
        "/c/",
        Opening::Dispatch(Handler::Department("c-police".into())),
    );
    assert_eq!(s.apply_page(&[late, other], "c1").unwrap(), 2);
    let mine = s
        .cases(&CaseFilter {
            mine: true,
            overdue: false,
        })
        .unwrap();
    assert_eq!(
        mine.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["k4"]
    );
    assert!(mine[0].overdue);
    let overdue = s
        .cases(&CaseFilter {
            mine: false,
            overdue: true,
        })
        .unwrap();
    assert_eq!(overdue.len(), 1);
    let d = s.case("k4").unwrap();
    assert!(d.allowed.contains(&CaseAction::Receive), "{:?}", d.allowed);
    assert!(s.case("k5").unwrap().allowed.is_empty());
    // Its return must say why, and goes back to the level's queue.
    let err = s
        .case_step("k4", CaseAction::Return, &case::StepInput::default())
        .unwrap_err();
    assert!(err.message(crate::Lang::Zh).contains("说明"), "{err:?}");
    assert_eq!(s.case("k4").unwrap().events.len(), 1, "nothing changed");
    let back = s
        .case_step(
            "k4",
            CaseAction::Return,
            &case::StepInput {
                note: Some("不属本所职责".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(back.status, CaseStatus::Accepted);
    assert!(back.handler.is_none());
}
