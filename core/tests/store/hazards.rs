//! The hazard lifecycle: who may take which step, every step recorded, overdue.

use std::collections::BTreeSet;

use gridfield_core::checklist::Severity;
use gridfield_core::hazard::{HazardAction, HazardStatus, StepInput, TransitionError};
use gridfield_core::model::Role;
use gridfield_core::records::{Op, OutboxEntry};
use gridfield_core::store::{HazardFilter, NewHazard};
use gridfield_core::{Error, Lang, Store};

use super::common::*;
use super::search::set;

pub(crate) fn new_hazard(s: &Store, photos: Vec<String>) -> String {
    s.create_hazard(&NewHazard {
        location: None,
        address_code: A501.into(),
        category: "fire.escape_blocked".into(),
        severity: Severity::High,
        description: "楼道堆放纸箱，堵塞疏散通道".into(),
        photos,
        deadline: None,
    })
    .unwrap()
}

pub(crate) fn step(
    s: &Store,
    id: &str,
    action: HazardAction,
    input: StepInput,
) -> gridfield_core::Result<HazardStatus> {
    s.hazard_step(id, action, &input)
}

pub(crate) fn note(n: &str) -> StepInput {
    StepInput {
        note: Some(n.into()),
        ..Default::default()
    }
}

pub(crate) fn assign(to: &str, deadline: i64) -> StepInput {
    StepInput {
        assignee: Some(to.into()),
        deadline: Some(deadline),
        note: Some("限期整改".into()),
        photos: vec![],
    }
}

#[test]
fn worker_takes_field_steps_and_nothing_more() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let before_photo = photo(s, "ebike.png");
    let after_photo = photo(s, "site.png");
    let id = new_hazard(s, vec![before_photo.clone()]);
    let created = s.hazard(&id).unwrap().hazard;
    assert_eq!(created.status, HazardStatus::Reported);
    assert_eq!(created.reported_by, "u-worker");

    let deadline = T0 + 3 * DAY;
    f.clock.advance(MINUTE);
    assert_eq!(
        step(s, &id, HazardAction::Assign, assign("李师傅", deadline)).unwrap(),
        HazardStatus::Assigned
    );
    f.clock.advance(MINUTE);
    assert_eq!(
        step(
            s,
            &id,
            HazardAction::StartRectification,
            StepInput::default()
        )
        .unwrap(),
        HazardStatus::Rectifying
    );
    f.clock.advance(MINUTE);
    let fixed = StepInput {
        note: Some("已清理".into()),
        photos: vec![after_photo.clone()],
        ..Default::default()
    };
    assert_eq!(
        step(s, &id, HazardAction::MarkRectified, fixed).unwrap(),
        HazardStatus::Rectified
    );

    let h = s.hazard(&id).unwrap();
    assert_eq!(h.hazard.status, HazardStatus::Rectified);
    // Assignee and deadline set at assignment survive later steps that do not set them.
    assert_eq!(h.hazard.assignee.as_deref(), Some("李师傅"));
    assert_eq!(h.hazard.deadline, Some(deadline));

    // Verifying is a supervisor's decision.
    let before = snapshot(s);
    let e = err(step(s, &id, HazardAction::Verify, note("看过了")));
    assert!(
        matches!(
            e,
            Error::Transition(TransitionError::NotPermitted {
                role: Role::Worker,
                action: HazardAction::Verify
            })
        ),
        "{e:?}"
    );
    assert!(e.message(Lang::Zh).contains("网格员"));
    assert_eq!(snapshot(s), before);

    // Steps that are impossible from the current state change nothing.
    let fresh = new_hazard(s, vec![]);
    let before = snapshot(s);
    for action in [
        HazardAction::StartRectification,
        HazardAction::MarkRectified,
    ] {
        let e = err(step(s, &fresh, action, StepInput::default()));
        assert!(
            matches!(e, Error::Transition(TransitionError::NotFromState { from: HazardStatus::Reported, action: a }) if a == action),
            "{action:?}: {e:?}"
        );
    }
    // Assigning needs someone to assign to, and a deadline not in the past.
    let e = err(step(s, &fresh, HazardAction::Assign, StepInput::default()));
    assert!(
        matches!(e, Error::Transition(TransitionError::Missing("assignee"))),
        "{e:?}"
    );
    let e = err(step(
        s,
        &fresh,
        HazardAction::Assign,
        assign("李师傅", T0 - DAY),
    ));
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    // Evidence photos must be on the device.
    let e = err(step(
        s,
        &fresh,
        HazardAction::Assign,
        StepInput {
            photos: vec![UNKNOWN_HASH.into()],
            ..assign("王师傅", T0 + DAY)
        },
    ));
    assert!(matches!(e, Error::NotFound { what: "photo", .. }), "{e:?}");
    assert!(matches!(
        err(step(
            s,
            "no-such-hazard",
            HazardAction::Assign,
            assign("x", T0 + DAY)
        )),
        Error::NotFound { .. }
    ));
    assert_eq!(snapshot(s), before);
    assert_eq!(s.hazard(&fresh).unwrap().events.len(), 1);

    // The record of what happened: every step, by whom, from which device.
    let ev = s.hazard(&id).unwrap().events;
    let actions: Vec<Option<HazardAction>> = ev.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            None,
            Some(HazardAction::Assign),
            Some(HazardAction::StartRectification),
            Some(HazardAction::MarkRectified)
        ]
    );
    for e in &ev {
        assert_eq!(e.actor, "u-worker");
        assert_eq!(e.device_id, "dev-worker-01");
        assert_eq!(e.hazard_id, id);
    }
    assert_eq!(ev[0].photos, vec![before_photo]);
    assert_eq!(ev[1].assignee.as_deref(), Some("李师傅"));
    assert_eq!(ev[1].deadline, Some(deadline));
    assert_eq!(ev[1].note.as_deref(), Some("限期整改"));
    assert_eq!(ev[3].note.as_deref(), Some("已清理"));
    assert_eq!(ev[3].photos, vec![after_photo]);
    assert_eq!(
        ev.iter().map(|e| e.at).collect::<Vec<_>>(),
        [T0, T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE]
    );
}

#[test]
fn supervisor_runs_the_whole_lifecycle_and_every_step_is_recorded() {
    // A separate device and data dir, with the same reference data imported.
    let f = fixture_store(Role::Supervisor);
    let s = &f.store;
    let p1 = photo(s, "ebike.png");
    let p2 = photo(s, "site.png");
    let id = new_hazard(s, vec![]);
    let base_outbox = s.outbox_len().unwrap();

    // Impossible from reported, even for a supervisor.
    let before = snapshot(s);
    let e = err(step(s, &id, HazardAction::Close, note("直接销号")));
    assert!(
        matches!(
            e,
            Error::Transition(TransitionError::NotFromState {
                from: HazardStatus::Reported,
                action: HazardAction::Close
            })
        ),
        "{e:?}"
    );
    assert!(e.message(Lang::Zh).contains("已上报"));
    assert_eq!(snapshot(s), before);

    use HazardAction as A;
    use HazardStatus as S;
    let plan: Vec<(A, StepInput, S)> = vec![
        (A::Assign, assign("物业刘经理", T0 + 7 * DAY), S::Assigned),
        (A::StartRectification, StepInput::default(), S::Rectifying),
        (
            A::MarkRectified,
            StepInput {
                photos: vec![p1.clone()],
                ..note("已移走一半")
            },
            S::Rectified,
        ),
        (A::RejectRectification, note("仍有杂物"), S::Rectifying),
        (
            A::MarkRectified,
            StepInput {
                photos: vec![p2.clone()],
                ..note("全部清理")
            },
            S::Rectified,
        ),
        (A::Verify, note("现场复核通过"), S::Verified),
        (A::Close, StepInput::default(), S::Closed),
    ];
    for (action, input, want) in &plan {
        f.clock.advance(MINUTE);
        assert_eq!(
            step(s, &id, *action, input.clone()).unwrap(),
            *want,
            "{action:?}"
        );
    }
    assert_eq!(s.hazard(&id).unwrap().hazard.status, S::Closed);

    // Reopening needs a reason.
    let before = snapshot(s);
    let e = err(step(s, &id, A::Reopen, StepInput::default()));
    assert!(
        matches!(e, Error::Transition(TransitionError::Missing("note"))),
        "{e:?}"
    );
    assert!(e.message(Lang::Zh).contains("说明"));
    let e = err(step(s, &id, A::Reopen, note("   ")));
    assert!(
        matches!(e, Error::Transition(TransitionError::Missing("note"))),
        "{e:?}"
    );
    assert_eq!(snapshot(s), before);
    f.clock.advance(MINUTE);
    assert_eq!(
        step(s, &id, A::Reopen, note("群众再次反映")).unwrap(),
        S::Assigned
    );

    let d = s.hazard(&id).unwrap();
    assert_eq!(d.hazard.status, S::Assigned);
    let ev = &d.events;
    assert_eq!(ev.len(), 1 + plan.len() + 1);
    // Each event starts where the previous one ended.
    assert_eq!(ev[0].from_status, None);
    for w in ev.windows(2) {
        assert_eq!(w[1].from_status, Some(w[0].to_status));
    }
    for (e, (action, input, to)) in ev[1..].iter().zip(&plan) {
        assert_eq!(e.action, Some(*action));
        assert_eq!(e.to_status, *to);
        assert_eq!(e.note, input.note);
        assert_eq!(e.photos, input.photos);
        assert_eq!(e.assignee, input.assignee);
        assert_eq!(e.deadline, input.deadline);
    }
    assert_eq!(ev.last().unwrap().note.as_deref(), Some("群众再次反映"));
    for e in ev {
        assert_eq!(
            (e.actor.as_str(), e.device_id.as_str()),
            ("u-supervisor", "dev-supervisor-01")
        );
    }

    // The outbox carries one step per event, matching it exactly.
    let steps: Vec<OutboxEntry> = outbox(s).into_iter().skip(base_outbox as usize).collect();
    assert_eq!(steps.len(), ev.len() - 1);
    for (o, e) in steps.iter().zip(&ev[1..]) {
        assert_eq!(o.entity_id, id);
        match &o.op {
            Op::HazardStep {
                event_id,
                action,
                from,
                input,
                at,
            } => {
                assert_eq!(event_id, &e.id);
                assert_eq!(Some(*action), e.action);
                assert_eq!(Some(*from), e.from_status);
                assert_eq!(input.note, e.note);
                assert_eq!(input.photos, e.photos);
                assert_eq!(*at, e.at);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn overdue_is_past_deadline_and_not_closed() {
    let f = fixture_store(Role::Supervisor);
    let s = &f.store;
    let open = new_hazard(s, vec![]);
    let closed = new_hazard(s, vec![]);
    let no_deadline = new_hazard(s, vec![]);
    for id in [&open, &closed] {
        step(s, id, HazardAction::Assign, assign("李师傅", T0 + DAY)).unwrap();
    }
    for a in [
        HazardAction::MarkRectified,
        HazardAction::Verify,
        HazardAction::Close,
    ] {
        step(s, &closed, a, StepInput::default()).unwrap();
    }
    let overdue_only = HazardFilter {
        overdue_only: true,
        ..Default::default()
    };
    let ids = |filter: &HazardFilter| -> BTreeSet<String> {
        s.hazards(filter)
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect()
    };

    // Before the deadline nothing is overdue.
    assert!(ids(&overdue_only).is_empty());
    assert!(!s.hazard(&open).unwrap().hazard.overdue);

    // Exactly at the deadline: not yet.
    f.clock.set(T0 + DAY);
    assert!(ids(&overdue_only).is_empty());

    // Two days later: the open one is overdue, the closed one and the one without a deadline are not.
    f.clock.set(T0 + 2 * DAY);
    assert!(s.hazard(&open).unwrap().hazard.overdue);
    assert!(!s.hazard(&closed).unwrap().hazard.overdue);
    assert!(!s.hazard(&no_deadline).unwrap().hazard.overdue);
    assert_eq!(ids(&overdue_only), set(&[open.as_str()]));
    let all = s.hazards(&HazardFilter::default()).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all.iter().filter(|h| h.overdue).count(), 1);
    // Other filters agree.
    assert_eq!(
        ids(&HazardFilter {
            open_only: true,
            ..Default::default()
        }),
        set(&[open.as_str(), no_deadline.as_str()])
    );
    assert_eq!(
        ids(&HazardFilter {
            status: Some(HazardStatus::Closed),
            ..Default::default()
        }),
        set(&[closed.as_str()])
    );
    assert_eq!(
        ids(&HazardFilter {
            address_code: Some(A502.into()),
            ..Default::default()
        }),
        set(&[])
    );
    assert_eq!(
        ids(&HazardFilter {
            address_code: Some("x' OR '1'='1".into()),
            ..Default::default()
        }),
        set(&[])
    );
    assert_eq!(
        s.hazards(&HazardFilter {
            limit: Some(2),
            ..Default::default()
        })
        .unwrap()
        .len(),
        2
    );
    // The address view computes overdue the same way.
    let view = s.address_view(A501).unwrap();
    assert_eq!(
        view.hazards
            .iter()
            .filter(|h| h.overdue)
            .map(|h| h.id.clone())
            .collect::<Vec<_>>(),
        std::slice::from_ref(&open)
    );

    // Re-assigning with a new deadline clears it.
    step(
        s,
        &open,
        HazardAction::Assign,
        assign("王师傅", T0 + 5 * DAY),
    )
    .unwrap();
    assert!(!s.hazard(&open).unwrap().hazard.overdue);
    assert!(ids(&overdue_only).is_empty());
}
