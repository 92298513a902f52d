//! `serve --demo` seeds departments, routing rules and a case at every stage:
//! the town supervisor's phone receives them all, one overdue; the department
//! user's console account printed at start signs in.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use gridfield_tests::*;
use serde_json::Value;

#[test]
fn demo_seeds_cases_at_every_stage() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").display().to_string();
    let mut child = Command::new(bin("gridfield-server"))
        .args(["--db", &db, "serve", "--demo", "--demo-addresses", "10"])
        .args(["--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut url = String::new();
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("gridfield-server listening on ") {
            url = rest.split_whitespace().next().unwrap().to_string();
        }
        let done = line.contains("玉山司法所\tdemo-");
        printed.push(line);
        if done {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let field = |who: &str, n: usize| {
        printed
            .iter()
            .find(|l| l.trim_start().starts_with(who))
            .unwrap_or_else(|| panic!("{who} not printed: {printed:#?}"))
            .split('\t')
            .nth(n)
            .unwrap()
            .to_string()
    };
    // The department user signs in to the console with the printed password
    // (the second line naming them; the first is their phone's enrollment code).
    let password = printed
        .iter()
        .find(|l| l.contains("玉山司法所\tdemo-"))
        .unwrap()
        .split('\t')
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(console::login(&url, "玉山司法所", &password).status, 303);

    let server_url = url.clone();
    let dev = Device::new();
    dev.ok(&[
        "enroll",
        "--server",
        &server_url,
        "--code",
        &field("赵强", 3),
    ]);
    let token = dev.token();
    let page = http(
        "GET",
        &format!("{url}/v1/pull?cases=1&limit=1000"),
        &[("authorization", &format!("Bearer {token}"))],
        None,
    )
    .json();
    let mut pulled: Vec<Value> = Vec::new();
    pulled.extend(page["changes"].as_array().unwrap().iter().cloned());
    let mut cursor = page["cursor"].as_str().unwrap().to_string();
    let mut more = page["more"].as_bool().unwrap();
    while more {
        let page = http(
            "GET",
            &format!(
                "{url}/v1/pull?cases=1&limit=1000&cursor={}",
                console::percent(&cursor)
            ),
            &[("authorization", &format!("Bearer {token}"))],
            None,
        )
        .json();
        pulled.extend(page["changes"].as_array().unwrap().iter().cloned());
        cursor = page["cursor"].as_str().unwrap().to_string();
        more = page["more"].as_bool().unwrap();
    }
    let cases: BTreeMap<String, Value> = pulled
        .into_iter()
        .filter(|c| c["type"] == "case")
        .map(|c| {
            (
                c["case"]["id"].as_str().unwrap().to_string(),
                c["case"].clone(),
            )
        })
        .collect();
    let status = |id: &str| cases[id]["status"].as_str().unwrap().to_string();
    assert_eq!(status("demo-case-reported"), "reported");
    assert_eq!(status("demo-case-accepted"), "accepted");
    assert_eq!(status("demo-case-dispatched"), "dispatched");
    assert_eq!(status("demo-case-mediation"), "handling");
    assert_eq!(status("demo-case-finished"), "finished");
    assert_eq!(status("demo-case-closed"), "closed");
    assert_eq!(status("demo-case-evaluated"), "evaluated");
    let m = &cases["demo-case-mediation"];
    assert_eq!(m["handler"]["code"], "320583001-justice");
    assert_eq!(m["dispute"]["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(cases["demo-case-overdue"]["overdue"], true);
    assert!(
        cases
            .iter()
            .filter(|(id, _)| *id != "demo-case-overdue")
            .all(|(_, c)| c["overdue"] == false),
        "{cases:#?}"
    );
    // The routing rule sent wages owed straight to the county's labour bureau.
    assert_eq!(cases["demo-case-labor"]["handler"]["code"], "320583-labor");

    // The justice office's phone receives its case and nothing of the people.
    let dept = Device::new();
    dept.ok(&[
        "enroll",
        "--server",
        &url,
        "--code",
        &field("玉山司法所", 3),
    ]);
    let page = http(
        "GET",
        &format!("{url}/v1/pull?cases=1&limit=1000"),
        &[("authorization", &format!("Bearer {}", dept.token()))],
        None,
    )
    .json();
    let changes = page["changes"].as_array().unwrap();
    let theirs: Vec<&str> = changes
        .iter()
        .filter(|c| c["type"] == "case")
        .map(|c| c["case"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(theirs, ["demo-case-mediation"]);
    assert!(changes.iter().all(|c| c["type"] != "entity"));
    let _ = child.kill();
    let _ = child.wait();
}
