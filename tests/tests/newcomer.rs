//! README's first command for a newcomer: `scripts/demo.sh` runs the demo, then
//! leaves its server running with the console's address and a sign-in printed;
//! those open the console on what the headless devices synced, the server's root
//! address leads there, and a signal stops the server and the script.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use gridfield_tests::console;
use gridfield_tests::*;

#[test]
fn the_demo_leaves_the_console_open_until_stopped() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut demo = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/demo.sh"))
        .env("GRIDFIELD_DEMO_PORT", port.to_string())
        .env_remove("GRIDFIELD_DEMO_ONCE")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("scripts/demo.sh");
    let (tx, rx) = mpsc::channel();
    let out = BufReader::new(demo.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in out.lines().map_while(|l| l.ok()) {
            let _ = tx.send(line);
        }
    });
    // Wait for the lines after the run: the console's address, then the sign-in.
    let mut seen = Vec::new();
    let (mut address, mut sign_in) = (None, None);
    while sign_in.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(900))
            .unwrap_or_else(|_| panic!("the demo printed no sign-in:\n{}", seen.join("\n")));
        if let Some(a) = line.trim().strip_prefix("console:") {
            address = Some(a.trim().to_string());
        }
        if let Some(s) = line.trim().strip_prefix("sign in:") {
            sign_in = Some(s.trim().to_string());
        }
        seen.push(line);
    }
    let base = format!("http://127.0.0.1:{port}");
    assert_eq!(address.as_deref(), Some(format!("{base}/console").as_str()));
    // `赵强 (supervisor of 玉山镇) / demo-…`
    let sign_in = sign_in.unwrap();
    let (user, password) = sign_in.split_once(" / ").expect("user / password");
    let user = user.split_whitespace().next().unwrap();
    assert_eq!(user, "赵强");

    // The script has not stopped the server: the root leads to the console, and
    // the printed sign-in opens what the worker's device synced.
    let root = http("GET", &format!("{base}/"), &[], None);
    assert_eq!(root.status, 303);
    assert_eq!(root.header("location").as_deref(), Some("/console"));
    let cookie = console::sign_in(&base, user, password);
    // The supervisor returned it with a comment in the demo.
    let page = console::get(&base, &cookie, "/console/inspections?status=returned");
    assert_eq!(page.status, 200);
    assert!(
        {
            let b = String::from_utf8_lossy(&page.body);
            b.contains("建设路") && b.contains("张伟")
        },
        "the worker's inspection is on the console"
    );
    assert!(
        demo.try_wait().unwrap().is_none(),
        "the script is still running"
    );

    // A signal (what Ctrl-C sends the script) stops it and its server.
    let killed = Command::new("kill")
        .args(["-INT", &demo.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = demo.wait().unwrap();
    assert!(!status.success(), "interrupted, not finished: {status}");
    let gone = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
    });
    assert!(gone, "the demo server stopped with the script");
}
