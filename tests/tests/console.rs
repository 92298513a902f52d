//! The supervisor console over HTTP against a real server, on SQLite and on
//! PostgreSQL: sign-in and lock-out, CSRF refusal, grid scope on record URLs and
//! exports, a review that reaches the device, door-plate search.

use gridfield_tests::*;

const FAIL_ANSWERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/fire_safety_fail.json"
);
const PASSWORD: &str = "console-pass-1";

fn console_user(store: &Store, name: &str, grid: &str) {
    let out = std::process::Command::new(bin("gridfield-server"))
        .args([
            "--db",
            &store.target,
            "admin",
            "console-user",
            "--name",
            name,
        ])
        .args(["--role", "supervisor", "--grid", grid])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .unwrap()
                .write_all(format!("{PASSWORD}\n").as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success());
}

/// One request that does not follow redirects (the console answers forms with 303).
fn http(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut b = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers.iter().filter(|(_, v)| !v.is_empty()) {
        b = b.header(*k, *v);
    }
    let mut resp = match body {
        Some(bytes) => agent.run(b.body(bytes).unwrap()),
        None => agent.run(b.body(()).unwrap()),
    }
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    Reply {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.body_mut().read_to_vec().unwrap(),
    }
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", url(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

fn url(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

fn login(server: &ServerProc, user: &str, password: &str) -> Reply {
    http(
        "POST",
        &format!("{}/console/login", server.url),
        &[FORM],
        Some(&form(&[("user", user), ("password", password)])),
    )
}

/// The session cookie (`gf_session=…`) a successful sign-in set.
fn session(r: &Reply) -> String {
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    let c = r.header("set-cookie").expect("cookie");
    assert!(
        c.contains("HttpOnly") && c.contains("SameSite=Strict"),
        "{c}"
    );
    c.split(';').next().unwrap().to_string()
}

fn get(server: &ServerProc, cookie: &str, path: &str) -> Reply {
    http(
        "GET",
        &format!("{}{path}", server.url),
        &[("cookie", cookie)],
        None,
    )
}

fn csrf(page: &Reply) -> String {
    let body = String::from_utf8_lossy(&page.body);
    let at = body.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    body[at..at + 64].to_string()
}

fn console_scenario(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    console_user(&store, "赵强", GRID_A);
    console_user(&store, "孙丽", GRID_B);
    let server = ServerProc::start(&store);
    let w = Device::enrolled(&server, &store.code("张伟", "worker", GRID_A));
    w.sync();
    w.ok(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_A,
        "--answers",
        FAIL_ANSWERS,
    ]);
    w.sync();
    let id = w.json(&["inspections"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Pages need a session.
    let r = get(&server, "", "/console/inspections");
    assert_eq!(r.status, 303);
    assert!(r.header("location").unwrap().starts_with("/console/login"));

    // Wrong passwords lock the account, even against the right one afterwards.
    for _ in 0..4 {
        assert_eq!(login(&server, "赵强", "nope").status, 401);
    }
    assert_eq!(login(&server, "赵强", "nope").status, 429);
    let locked = login(&server, "赵强", PASSWORD);
    assert_eq!(locked.status, 429);
    assert!(String::from_utf8_lossy(&locked.body).contains("锁定"));
    // An unknown user gets the same answer as a wrong password.
    assert_eq!(login(&server, "nobody", PASSWORD).status, 401);

    // Grid B's supervisor signs in; grid A's inspection is not theirs to see.
    let b = session(&login(&server, "孙丽", PASSWORD));
    let r = get(&server, &b, &format!("/console/inspections/{id}"));
    assert_eq!(r.status, 404);
    assert!(!String::from_utf8_lossy(&r.body).contains(&id));
    let queue = get(&server, &b, "/console/inspections");
    assert!(!String::from_utf8_lossy(&queue.body).contains(&id));
    let csv = get(
        &server,
        &b,
        "/console/export/inspections.csv?status=submitted",
    );
    assert_eq!(csv.status, 200);
    assert!(!String::from_utf8_lossy(&csv.body).contains(&id));
    // Reviewing it by a forged POST is refused the same way and changes nothing.
    let page = get(&server, &b, "/console/inspections");
    let token = csrf(&page);
    let r = http(
        "POST",
        &format!("{}/console/inspections/{id}/review", server.url),
        &[FORM, ("cookie", &b)],
        Some(&form(&[("csrf", &token), ("decision", "approve")])),
    );
    assert_eq!(r.status, 404);

    // Search and the address page stay in scope too.
    let r = get(
        &server,
        &b,
        &format!("/console/addresses?q={}", url("建设路12号")),
    );
    assert!(!String::from_utf8_lossy(&r.body).contains(ADDR_A));
    assert_eq!(
        get(&server, &b, &format!("/console/addresses/{ADDR_A}")).status,
        404
    );
    let b_addr = "320583-001-0008-02-01-0302";
    let r = get(
        &server,
        &b,
        &format!("/console/addresses?q={}", url("0008-02")),
    );
    assert!(
        String::from_utf8_lossy(&r.body).contains(b_addr),
        "trigram search finds B's plate"
    );

    // A POST without the session's CSRF token is refused.
    let r = http(
        "POST",
        &format!("{}/console/inspections/{id}/review", server.url),
        &[FORM, ("cookie", &b)],
        Some(&form(&[("csrf", "0000"), ("decision", "approve")])),
    );
    assert_eq!(r.status, 403);

    // A new password lifts the lock; grid A's supervisor returns the inspection.
    let dir = tempfile::tempdir().unwrap();
    console_user(&store, "赵强", GRID_A);
    let a = session(&login(&server, "赵强", PASSWORD));
    let page = get(&server, &a, &format!("/console/inspections/{id}"));
    assert_eq!(page.status, 200);
    let token = csrf(&page);
    let review = |pairs: &[(&str, &str)]| {
        http(
            "POST",
            &format!("{}/console/inspections/{id}/review", server.url),
            &[FORM, ("cookie", &a)],
            Some(&form(pairs)),
        )
    };
    let r = review(&[("csrf", &token), ("decision", "return"), ("comment", "  ")]);
    assert_eq!(r.status, 422);
    assert!(String::from_utf8_lossy(&r.body).contains("退回时必须填写意见"));
    store.admin(&["export", "--out", dir.path().to_str().unwrap()]);
    let exported = std::fs::read_to_string(dir.path().join("inspection.jsonl")).unwrap();
    assert!(
        exported.contains("\"review_status\":\"submitted\""),
        "{exported}"
    );
    let r = review(&[
        ("csrf", &token),
        ("decision", "return"),
        ("comment", "请补拍照片"),
    ]);
    assert_eq!(r.status, 303);
    w.sync();
    let i = &w.json(&["inspections"])[0];
    assert_eq!(i["review_status"], "returned");
    assert_eq!(i["review_comment"], "请补拍照片");

    // The XLSX export is a zip archive with the sheet.
    let x = get(&server, &a, "/console/export/inspections.xlsx");
    assert_eq!(x.status, 200);
    assert_eq!(&x.body[..4], b"PK\x03\x04");
    let xs = String::from_utf8_lossy(&x.body);
    assert!(xs.contains("xl/worksheets/sheet1.xml"));

    // The dashboard draws its charts from the same scope.
    let d = get(&server, &a, "/console");
    assert_eq!(d.status, 200);
    assert!(String::from_utf8_lossy(&d.body).contains("<svg"));
}

on_both_backends!(console_scenario);
