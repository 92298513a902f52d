//! City-scale list pages on both stores: the console's lists page by key (newest
//! first by `(at, seq)`), so following "next" to the end and "previous" back shows
//! every record once, in order, ties included; the per-kind partial indexes of
//! migration 018 are what the list query uses, and a household edit maintains only
//! the four indexes every record needs.

use gridfield_tests::console::{self, sign_in};
use gridfield_tests::*;
use serde_json::Value;

const PASSWORD: &str = "console-pass-1";

type Listed = (Vec<String>, Option<String>, Option<String>);

/// The report ids a list page shows, in order, and its previous / next links.
fn page(server: &ServerProc, cookie: &str, path: &str) -> Listed {
    rows_and_links(server, cookie, path, "reports")
}

/// The record ids a list page of `/console/{list}` shows and its links.
fn rows_and_links(server: &ServerProc, cookie: &str, path: &str, list: &str) -> Listed {
    let r = console::get(&server.url, cookie, path);
    assert_eq!(r.status, 200, "{path}");
    let body = String::from_utf8(r.body).unwrap();
    let mut ids = Vec::new();
    for part in body
        .split(&format!("<tr data-href=\"/console/{list}/"))
        .skip(1)
    {
        ids.push(part[..part.find('"').unwrap()].to_string());
    }
    let link = |rel: &str| {
        let needle = format!("<a rel=\"{rel}\" href=\"");
        let at = body.find(&needle)? + needle.len();
        Some(body[at..at + body[at..].find('"')?].replace("&amp;", "&"))
    };
    (ids, link("prev"), link("next"))
}

fn list_pages_by_key(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", TOWN, PASSWORD);
    let mut server = ServerProc::start(&store);
    let v = Device::enrolled(&server, &store.code("王芳", "volunteer", GRID_A));
    v.sync();
    v.ok(&["report", "--address", ADDR_A, "--text", "楼道堆物"]);
    v.sync();
    server.kill();

    // 129 more reports beside the device's, written straight into the store:
    // groups of three share a time, so the key's tie-break (seq) matters.
    let one = |col: &str| {
        store.query_lines(&format!("SELECT {col} FROM records WHERE kind = 'report'"))[0].clone()
    };
    let body: Value = serde_json::from_str(&one("body")).unwrap();
    let grid_path = one("grid_path");
    let t0 = body["created_at"].as_i64().unwrap();
    let mut sql = String::new();
    for i in 0..129i64 {
        let mut b = body.clone();
        let id = format!("bulk-{i:03}");
        b["id"] = id.clone().into();
        b["created_at"] = (t0 - 60_000 * (1 + i / 3)).into();
        sql.push_str(&format!(
            "INSERT INTO records (kind, id, grid_path, address_code, seq, body, updated_at) \
             VALUES ('report', '{id}', '{}', '{ADDR_A}', {}, '{}', 0);",
            grid_path,
            1_000_000 + i,
            b.to_string().replace('\'', "''"),
        ));
    }
    store.sql(&sql);
    let server = ServerProc::start(&store);
    let cookie = sign_in(&server.url, "赵强", PASSWORD);

    // Forward to the end by "next", then back to the start by "previous".
    let mut pages = Vec::new();
    let mut at = Some("/console/reports".to_string());
    while let Some(path) = at {
        let (ids, prev, next) = page(&server, &cookie, &path);
        assert_eq!(prev.is_some(), !pages.is_empty(), "{path}");
        if next.is_some() {
            assert!(next.as_deref().unwrap().contains("after="), "{next:?}");
        }
        pages.push((path, ids, prev));
        at = next;
    }
    assert_eq!(pages.len(), 3, "130 reports at 50 a page");
    let all: Vec<String> = pages.iter().flat_map(|p| p.1.clone()).collect();
    assert_eq!(all.len(), 130);
    let mut distinct = all.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 130, "no record twice, none left out");
    // Newest first: the device's report, then the bulk ones by time, ties by seq (newest first).
    let mut want = vec![body["id"].as_str().unwrap().to_string()];
    want.extend(
        (0..129)
            .map(|i| (i / 3, -i))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|(_, i)| format!("bulk-{:03}", -i)),
    );
    assert_eq!(all, want);
    for w in (1..pages.len()).rev() {
        let back = pages[w].2.clone().unwrap();
        assert!(back.contains("before="), "{back}");
        let (ids, ..) = page(&server, &cookie, &back);
        assert_eq!(
            ids,
            pages[w - 1].1,
            "previous from page {} is page {w}",
            w + 1
        );
    }

    // The list query uses the per-kind partial index, on either store.
    let (lo, hi) = ("/", "0");
    let list = format!(
        "SELECT id, body, at, seq FROM records WHERE kind = 'report' AND grid_path >= '{lo}' \
         AND grid_path < '{hi}' AND (at, seq) < ({t0}, 1000050) ORDER BY at DESC, seq DESC LIMIT 51"
    );
    // (With statistics, as a served database has them: the server runs `PRAGMA
    // optimize`, PostgreSQL's autovacuum analyses. A table this small would be
    // sorted in memory by PostgreSQL; a city's is not, which `enable_sort` stands for.)
    store.sql("ANALYZE");
    let plan = if store.is_postgres() {
        store
            .query_lines(&format!(
                "SET enable_seqscan = off; SET enable_sort = off; EXPLAIN {list}"
            ))
            .join("\n")
    } else {
        sqlite_plan(&store, &list)
    };
    assert!(plan.contains("records_report_at"), "{plan}");
    assert!(
        !plan.contains("TEMP B-TREE") && !plan.contains("Sort"),
        "no sort of the whole scope: {plan}"
    );

    // Only the primary key, seq, grid path and address indexes cover every kind.
    let shared = if store.is_postgres() {
        store.query_lines(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'records' \
             AND indexdef NOT LIKE '% WHERE %' ORDER BY indexname",
        )
    } else {
        store.query_lines(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' \
             AND (sql IS NULL OR sql NOT LIKE '% WHERE %') ORDER BY name",
        )
    };
    assert_eq!(
        shared.len(),
        4,
        "indexes every household edit maintains: {shared:?}"
    );
}

fn sqlite_plan(store: &Store, sql: &str) -> String {
    let c = rusqlite::Connection::open(&store.target).unwrap();
    let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    st.query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .map(|r| r.unwrap())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// The case queues page by `(case_at, seq)` too: 120 cases pushed at once share
/// their milliseconds, and walking forward and back shows each once.
fn case_pages_by_key(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", TOWN, PASSWORD);
    let server = ServerProc::start(&store);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    let grid_a = format!("/320583/{TOWN}/{GRID_A}/");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let ops: Vec<Value> = (0..120)
        .map(|i| {
            let id = format!("case-{i:03}");
            let op = serde_json::json!({
                "type": "case_create",
                "case": {
                    "id": id, "case_type": "livelihood", "severity": "low", "source": "worker",
                    "grid_path": grid_a, "owner_path": grid_a,
                    "description": "路灯不亮", "status": "reported", "reported_by": "张伟",
                    "created_at": now - i / 7, "updated_at": now, "delivery": "local"
                },
                "handle_myself": false
            });
            raw_op(&format!("op-{id}"), &id, op)
        })
        .collect();
    for r in push_ops(&server, &w.token(), &ops) {
        assert_eq!(r["status"], "applied", "{r}");
    }
    let cookie = sign_in(&server.url, "赵强", PASSWORD);
    let mut pages: Vec<Listed> = Vec::new();
    let mut at = Some("/console/cases".to_string());
    while let Some(path) = at {
        let listed = rows_and_links(&server, &cookie, &path, "cases");
        at = listed.2.clone();
        pages.push(listed);
    }
    assert_eq!(pages.len(), 3, "120 cases at 50 a page");
    let mut all: Vec<String> = pages.iter().flat_map(|p| p.0.clone()).collect();
    assert_eq!(all.len(), 120);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 120, "no case twice, none left out");
    let back = pages[2].1.clone().expect("a previous page");
    assert_eq!(
        rows_and_links(&server, &cookie, &back, "cases").0,
        pages[1].0
    );
}

on_both_backends!(list_pages_by_key, case_pages_by_key);
