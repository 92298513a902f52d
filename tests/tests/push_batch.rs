//! One push batch mixing entity edits with other operations, on both stores. The
//! server stores a run of entity edits together (one statement per hundred); what
//! it answers and stores must be what one write per edit gave: a new entity edited
//! again in the same batch keeps both edits, a refused edit sends the stored
//! state back, and an operation of another kind reads the edits before it.

use gridfield_tests::*;
use serde_json::{Value, json};

fn upsert(fields: Value) -> Value {
    json!({
        "type": "entity_upsert",
        "kind": "household",
        "address_code": ADDR_A,
        "fields": fields,
        "bases": {},
    })
}

fn stored(store: &Store, id: &str) -> Vec<String> {
    store.query_lines(&format!(
        "SELECT body FROM records WHERE kind = 'household' AND id = '{id}'"
    ))
}

fn a_batch_of_entity_edits_reads_its_own_writes(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    let reveal = json!({
        "type": "personal_data_revealed",
        "kind": "household",
        "field": "phone",
        "at": gridfield_core::store::now_ms(),
    });
    // The second edit of the new household is held back with the first; the
    // reveal reads both; the refused one sends the stored state back; the last
    // saw the second's value (a successor, not a concurrent write).
    let second = raw_op("pb-2", "hh-batch", upsert(json!({ "note": "第一次走访" })));
    let mut last = raw_op("pb-7", "hh-batch", upsert(json!({ "note": "第二次走访" })));
    last["op"]["bases"] = json!({ "note": second["hlc"] });
    let ops = [
        raw_op("pb-1", "hh-batch", upsert(json!({ "members": 3 }))),
        second,
        raw_op("pb-3", "hh-batch", reveal),
        raw_op("pb-4", "hh-batch", upsert(json!({ "members": "三" }))),
        raw_op(
            "pb-5",
            "hh-batch",
            upsert(json!({ "phone": "13800000001" })),
        ),
        raw_op("pb-6", "hh-other", upsert(json!({ "members": 1 }))),
        last,
    ];
    let seq_before = store.query_lines("SELECT CAST(MAX(seq) AS TEXT) FROM records")[0].clone();
    let r = push_ops(&server, &w.token(), &ops);
    let statuses: Vec<&str> = r.iter().map(|x| x["status"].as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        [
            "applied", "applied", "applied", "rejected", "applied", "applied", "applied"
        ],
        "{r:?}"
    );

    // Every edit of the new household is in its one stored row, none logged as a
    // conflict (each write saw the one before it).
    let rows = stored(&store, "hh-batch");
    assert_eq!(rows.len(), 1);
    let doc: Value = serde_json::from_str(&rows[0]).unwrap();
    let f = &doc["state"]["fields"];
    assert_eq!(f["members"], 3, "{doc}");
    assert_eq!(f["note"], "第二次走访", "{doc}");
    assert_eq!(f["phone"], "13800000001", "{doc}");
    assert_eq!(stored(&store, "hh-other").len(), 1);
    assert_eq!(
        store.query_lines("SELECT CAST(COUNT(*) AS TEXT) FROM conflicts"),
        ["0"]
    );
    // The reveal found the household written earlier in the batch.
    assert_eq!(
        store.query_lines(
            "SELECT CAST(COUNT(*) AS TEXT) FROM audit WHERE action = 'reveal' AND entity_id = 'hh-batch'"
        ),
        ["1"]
    );
    // Both households sit after the batch's start in the feed, the edited one
    // at its last write.
    let seqs = store.query_lines(&format!(
        "SELECT CAST(seq AS TEXT) FROM records WHERE kind = 'household' AND seq > {seq_before} ORDER BY seq"
    ));
    assert_eq!(seqs.len(), 2, "{seqs:?}");

    // Another phone of the grid pulls the household as stored.
    let other = synced_worker(&store, &server, "李娜", GRID_A);
    let shown = other.json(&["entity", "show", "household", "hh-batch"]);
    assert_eq!(shown["fields"]["members"], 3, "{shown}");
    assert_eq!(shown["fields"]["note"], "第二次走访", "{shown}");
    assert_eq!(other.sync()["verified"], true);
}

on_both_backends!(a_batch_of_entity_edits_reads_its_own_writes);
