//! Surviving a restart: HLC stamps keep increasing even when the clock goes
//! back, and an observed remote stamp is not forgotten.

use gridfield_core::hazard::{HazardAction, HazardStatus};
use gridfield_core::model::{EntityKind, Role};
use serde_json::json;

use super::common::*;
use super::hazards::{assign, new_hazard, step};

#[test]
fn hlc_keeps_increasing_across_reopen_even_if_the_clock_goes_back() {
    let f = fixture_store(Role::Worker);
    let id = f
        .store
        .put_entity(
            EntityKind::Household,
            None,
            Some(A501),
            &fields(&[("members", json!(1))]),
        )
        .unwrap();
    // Many writes in the same millisecond and a few across time.
    for n in 2..40 {
        if n % 10 == 0 {
            f.clock.advance(1);
        }
        f.store
            .put_entity(
                EntityKind::Household,
                Some(&id),
                None,
                &fields(&[("members", json!(n))]),
            )
            .unwrap();
    }
    let hz = new_hazard(&f.store, vec![]);
    step(
        &f.store,
        &hz,
        HazardAction::Assign,
        assign("李师傅", T0 + DAY),
    )
    .unwrap();
    let before: Vec<String> = outbox(&f.store).into_iter().map(|e| e.hlc).collect();
    assert_eq!(before.len(), 41);
    assert!(
        before.windows(2).all(|w| w[0] < w[1]),
        "stamps not strictly increasing: {before:?}"
    );
    let max = before.last().unwrap().clone();

    let f = f.reopen();
    // The phone's clock jumps back a day (manual change, dead RTC battery).
    f.clock.set(T0 - DAY);
    f.store
        .put_entity(
            EntityKind::Household,
            Some(&id),
            None,
            &fields(&[("members", json!(100))]),
        )
        .unwrap();
    f.store
        .put_entity(
            EntityKind::Household,
            Some(&id),
            None,
            &fields(&[("note", json!("回访"))]),
        )
        .unwrap();
    let after: Vec<String> = outbox(&f.store).into_iter().map(|e| e.hlc).collect();
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "reopen changed existing entries"
    );
    let new = &after[before.len()..];
    assert_eq!(new.len(), 2);
    assert!(new[0] > max, "{} does not sort after {max}", new[0]);
    assert!(new[1] > new[0]);
    // Everything else survived too.
    assert_eq!(
        f.store
            .entity(EntityKind::Household, &id)
            .unwrap()
            .unwrap()
            .fields["members"],
        json!(100)
    );
    assert_eq!(
        f.store.hazard(&hz).unwrap().hazard.status,
        HazardStatus::Assigned
    );

    // And once more, with a clock further back still.
    let f = f.reopen();
    f.clock.set(T0 - 30 * DAY);
    f.store
        .put_entity(
            EntityKind::Household,
            Some(&id),
            None,
            &fields(&[("members", json!(101))]),
        )
        .unwrap();
    let last = outbox(&f.store).pop().unwrap().hlc;
    assert!(last > *new.last().unwrap());
}

/// `Store::observe_hlc` promises "later local stamps order after" a remote
/// stamp. That must hold after a restart too, even if no write happened in
/// between (e.g. a pull that brought nothing to apply).
#[test]
fn an_observed_remote_stamp_is_not_forgotten_on_restart() {
    let f = fixture_store(Role::Worker);
    let id = f
        .store
        .put_entity(
            EntityKind::Household,
            None,
            Some(A501),
            &fields(&[("members", json!(1))]),
        )
        .unwrap();
    let remote: gridfield_core::hlc::Hlc = format!("{:013}-{:06}-server", T0 + MINUTE, 7)
        .parse()
        .unwrap();
    f.store.observe_hlc(&remote).unwrap();
    let f = f.reopen();
    f.store
        .put_entity(
            EntityKind::Household,
            Some(&id),
            None,
            &fields(&[("members", json!(2))]),
        )
        .unwrap();
    let next = outbox(&f.store).pop().unwrap().hlc;
    assert!(
        next > remote.to_string(),
        "{next} does not sort after observed {remote}"
    );
}
