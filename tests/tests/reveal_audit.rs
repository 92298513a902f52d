//! A full ID number or phone shown on a phone reaches the server's audit trail
//! (issue #14, privacy): the phone queues a record of the reveal (who, which
//! record and field, when; never the value), the server judges it by the core's
//! `address::revealable` and the device's scope, and audits it beside the
//! console's own reveals.

use gridfield_tests::*;
use serde_json::{Value, json};

const ID_NUMBER: &str = "11010519491231002X";

fn reveal_row(store: &Store, id: &str) -> Vec<String> {
    store.query_lines(&format!(
        "SELECT detail FROM audit WHERE action = 'reveal' AND entity_id = '{id}' ORDER BY id"
    ))
}

fn reveal_op(op_id: &str, entity_id: &str, field: &str) -> Value {
    raw_op(
        op_id,
        entity_id,
        json!({ "type": "personal_data_revealed", "kind": "person", "field": field, "at": 1 }),
    )
}

fn phone_reveals_reach_the_audit_trail(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    let person = w.json(&[
        "entity",
        "put",
        "person",
        "--address",
        ADDR_A,
        "name=王五",
        &format!("id_number={ID_NUMBER}"),
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    w.sync();
    assert!(reveal_row(&store, &person).is_empty());

    // Revealed offline on the phone: shown at once, recorded for the server.
    let shown = w.run(&["entity", "reveal", "person", &person, "id_number"]);
    assert!(shown.status.success(), "{shown:?}");
    assert!(String::from_utf8_lossy(&shown.stdout).contains(ID_NUMBER));
    assert_eq!(w.count("SELECT count(*) FROM outbox"), 1);
    w.sync();
    assert_eq!(w.count("SELECT count(*) FROM outbox"), 0);
    let rows = reveal_row(&store, &person);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let detail: Value = serde_json::from_str(&rows[0]).unwrap();
    assert_eq!(detail["field"], "id_number", "{detail}");
    assert!(!rows[0].contains(ID_NUMBER), "never the value: {}", rows[0]);
    let actor = store.query_lines(&format!(
        "SELECT actor FROM audit WHERE action = 'reveal' AND entity_id = '{person}'"
    ));
    assert_eq!(actor, vec!["张伟".to_string()]);

    // A hostile phone: a volunteer's forged reveal, another grid's record, an
    // unknown field. Each refused on its own, nothing audited.
    let volunteer = Device::enrolled(&server, &store.code("志愿者", "volunteer", GRID_A));
    let other = synced_worker(&store, &server, "李四", GRID_B);
    let r = push_ops(
        &server,
        &volunteer.token(),
        &[reveal_op("v1", &person, "id_number")],
    );
    assert_eq!(r[0]["status"], "rejected", "{r:?}");
    assert_eq!(r[0]["code"], "not_permitted", "{r:?}");
    let r = push_ops(
        &server,
        &other.token(),
        &[reveal_op("o1", &person, "id_number")],
    );
    assert_eq!(r[0]["code"], "out_of_scope", "{r:?}");
    let r = push_ops(
        &server,
        &w.token(),
        &[reveal_op("w1", &person, "shoe_size")],
    );
    assert_eq!(r[0]["code"], "invalid_field", "{r:?}");
    assert_eq!(reveal_row(&store, &person).len(), 1);
}

on_both_backends!(phone_reveals_reach_the_audit_trail);
