//! The public page behind a compact door plate (`/P/<payload>`), against a real
//! server process on both stores: it verifies the plate, shows the public part
//! of the address and nothing personal (over every demo address), and takes a
//! resident's 随手拍 report (photo checked, phone validated, throttled) into
//! the grid's report inbox, marked as a resident's.

use gridfield_core::address::{EntityKind, Sensitivity};
use gridfield_tests::images::pseudo_jpeg;
use gridfield_tests::*;
use serde_json::Value;

const BASE: &str = "https://gf.example.cn";
const PASSWORD: &str = "correct horse battery";

/// The signed plate URLs of a grid: (address code, URL).
fn plates(store: &Store, grid: &str) -> Vec<(String, String)> {
    store
        .admin(&["sign-plates", "--grid", grid, "--base-url", BASE])
        .lines()
        .map(|l| {
            let mut parts = l.split('\t');
            let code = parts.next().unwrap().to_string();
            (code, parts.nth(1).unwrap().to_string())
        })
        .collect()
}

/// The plate's page on the test server (the URL's path, served by this server).
fn local(server: &ServerProc, plate_url: &str) -> String {
    let path = &plate_url[plate_url.find("/P/").unwrap()..];
    format!("{}{path}", server.url)
}

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// A multipart form body: text fields, and a photo when given.
fn multipart(fields: &[(&str, &str)], photo: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "gridfieldboundary7MA4YWxkTrZu0gW";
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some(p) = photo {
        b.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(p);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

fn post(url: &str, fields: &[(&str, &str)], photo: Option<&[u8]>, client: &str) -> Reply {
    let (ct, body) = multipart(fields, photo);
    http(
        "POST",
        url,
        &[("content-type", &ct), ("x-forwarded-for", client)],
        Some(&body),
    )
}

fn resident_reports(store: &Store) -> Vec<Value> {
    store
        .query_lines("SELECT body FROM records WHERE kind = 'report' ORDER BY updated_at")
        .iter()
        .map(|b| serde_json::from_str::<Value>(b).unwrap())
        .filter(|r| r["source"] == "resident")
        .collect()
}

fn the_public_page_and_a_residents_report(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", GRID_A, PASSWORD);
    let signed = plates(&store, GRID_A);
    let (code, plate) = signed.iter().find(|(c, _)| c == ADDR_A).unwrap().clone();
    // Trust X-Forwarded-For from the test itself, so each "client" is its own.
    let server = ServerProc::start_with(&store.target, &["--trusted-proxy", "127.0.0.1"]);

    // The page: the register's public address text, the grid; Chinese; strict CSP.
    let page = http("GET", &local(&server, &plate), &[], None);
    assert_eq!(page.status, 200, "{}", text(&page));
    let html = text(&page);
    assert!(
        html.contains("江苏省昆山市玉山镇建设路12号3栋2单元501室"),
        "{html}"
    );
    assert!(
        html.contains("门牌真实有效") && html.contains("随手拍"),
        "{html}"
    );
    assert!(html.contains("<meta name=\"viewport\""));
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("style-src 'self'") && csp.contains("script-src 'self'"));
    assert!(
        !html.contains(" style=") && !html.contains("<script"),
        "no inline style or script"
    );
    let css = http(
        "GET",
        &format!("{}/public/plate.css", server.url),
        &[],
        None,
    );
    assert_eq!(css.status, 200);
    // English on request.
    let en = text(&http(
        "GET",
        &format!("{}?lang=en", local(&server, &plate)),
        &[],
        None,
    ));
    assert!(en.contains("Genuine door plate") && !en.contains("门牌真实有效"));

    // A forged plate (one character changed) and a foreign link say so, with no form.
    let mut forged = plate.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    let r = http("GET", &local(&server, &forged), &[], None);
    assert_eq!(r.status, 400);
    assert!(
        text(&r).contains("无法验证") && !text(&r).contains("<form"),
        "{}",
        text(&r)
    );

    let url = local(&server, &plate);
    // Bad input: a clear Chinese message, the typed text kept, nothing filed.
    let r = post(
        &url,
        &[("text", "楼道堆放杂物"), ("phone", "12345")],
        None,
        "203.0.113.1",
    );
    assert_eq!(r.status, 400);
    assert!(text(&r).contains("手机号码格式不正确") && text(&r).contains("楼道堆放杂物"));
    let r = post(
        &url,
        &[("text", "楼道堆放杂物")],
        Some(b"GIF89a not a photo at all"),
        "203.0.113.2",
    );
    assert_eq!(r.status, 415);
    assert!(
        text(&r).contains("只接受 JPEG、PNG 或 WebP"),
        "{}",
        text(&r)
    );
    let big = pseudo_jpeg(10 * 1024 * 1024 + 1, 7);
    let r = post(&url, &[("text", "楼道堆放杂物")], Some(&big), "203.0.113.3");
    assert_eq!(r.status, 413);
    assert!(text(&r).contains("照片超过 10 MB 上限"), "{}", text(&r));
    // Past the body limit too: the upload is cut off and answered the same way.
    let huge = pseudo_jpeg(12 * 1024 * 1024, 8);
    let r = post(
        &url,
        &[("text", "楼道堆放杂物")],
        Some(&huge),
        "203.0.113.3",
    );
    assert_eq!(r.status, 413);
    assert!(text(&r).contains("照片超过 10 MB 上限"), "{}", text(&r));
    let r = post(&url, &[("text", "  ")], None, "203.0.113.4");
    assert_eq!(r.status, 400);
    assert!(text(&r).contains("请填写问题描述"));
    assert!(resident_reports(&store).is_empty());

    // A good report with a photo and a phone: filed, then the page thanks them.
    let photo = pseudo_jpeg(4000, 3);
    let r = post(
        &url,
        &[("text", "三楼楼道电动车充电"), ("phone", "13912345678")],
        Some(&photo),
        "203.0.113.5",
    );
    assert_eq!(r.status, 303, "{}", text(&r));
    let to = r.header("location").unwrap();
    assert!(to.contains("sent=1"));
    assert!(
        text(&http("GET", &format!("{}{to}", server.url), &[], None)).contains("已收到您的反映")
    );
    let filed = resident_reports(&store);
    assert_eq!(filed.len(), 1);
    let rep = &filed[0];
    assert_eq!(rep["address_code"], code.as_str());
    assert_eq!(rep["status"], "pending");
    assert_eq!(rep["text"], "三楼楼道电动车充电");
    assert_eq!(rep["photos"].as_array().unwrap().len(), 1);

    // The supervisor's inbox shows it as a resident's report, the phone masked.
    let cookie = console::sign_in(&server.url, "赵强", PASSWORD);
    let inbox = text(&console::get(&server.url, &cookie, "/console/reports"));
    assert!(
        inbox.contains("三楼楼道电动车充电") && inbox.contains("居民随手拍"),
        "{inbox}"
    );
    let id = rep["id"].as_str().unwrap();
    let show = text(&console::get(
        &server.url,
        &cookie,
        &format!("/console/reports/{id}"),
    ));
    assert!(
        show.contains("居民随手拍") && show.contains("139****5678"),
        "{show}"
    );
    assert!(!show.contains("13912345678"), "the phone is masked");
    let hash = rep["photos"][0].as_str().unwrap();
    let img = console::get(&server.url, &cookie, &format!("/console/photos/{hash}"));
    assert_eq!(img.status, 200);
    assert_eq!(img.body, photo);

    // A worker's phone receives the report, without the resident's phone.
    let d = synced_worker(&store, &server, "张伟", GRID_A);
    assert_eq!(
        d.count("SELECT count(*) FROM reports WHERE text = '三楼楼道电动车充电'"),
        1
    );
    let auth = format!("Bearer {}", d.token());
    let pulled = http(
        "GET",
        &format!("{}/v1/pull", server.url),
        &[("authorization", &auth)],
        None,
    );
    let pulled = String::from_utf8_lossy(&pulled.body).into_owned();
    assert!(pulled.contains("三楼楼道电动车充电"), "{pulled}");
    assert!(
        !pulled.contains("13912345678"),
        "the resident's phone stays on the server"
    );

    // Throttled per client: a few reports are free, then the client waits.
    let mut statuses = Vec::new();
    for i in 0..4 {
        let r = post(&url, &[("text", &format!("第{i}次"))], None, "198.51.100.9");
        statuses.push(r.status);
        if r.status == 429 {
            assert!(text(&r).contains("提交太频繁"), "{}", text(&r));
            assert!(r.header("retry-after").is_some());
        }
    }
    assert_eq!(statuses, [303, 303, 303, 429], "per client");
    // ... and per plate: many clients at one door are braked too.
    let mut statuses = Vec::new();
    for i in 0..10 {
        let r = post(
            &url,
            &[("text", "门口")],
            None,
            &format!("192.0.2.{}", 10 + i),
        );
        statuses.push(r.status);
    }
    assert!(statuses.contains(&429), "per plate: {statuses:?}");
}

on_both_backends!(the_public_page_and_a_residents_report);

/// Every address of the demo district: its public page shows none of the
/// personal values stored about its households, persons, rental units and businesses.
#[test]
fn no_personal_data_on_any_demo_address_page() {
    let store = Store::new(Backend::Sqlite);
    let server = ServerProc::start_with(&store.target, &["--demo", "--demo-addresses", "4"]);
    let signed = plates(&store, "320583");
    assert!(signed.len() >= 24, "{}", signed.len());
    let personal: Vec<Value> = store
        .query_lines(
            "SELECT body FROM records WHERE kind IN ('household', 'person', 'rental_unit', 'business')",
        )
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    assert!(!personal.is_empty());
    // The fields the core marks personal (names, phones, ID numbers of residents).
    let mut values = Vec::new();
    for p in &personal {
        let kind = EntityKind::parse(p["state"]["kind"].as_str().unwrap()).unwrap();
        for (name, v) in p["state"]["fields"].as_object().unwrap() {
            if kind.field(name).map(|f| f.sensitivity) == Some(Sensitivity::Personal) {
                collect_strings(v, &mut values);
            }
        }
    }
    values.retain(|v| v.chars().count() >= 2);
    assert!(values.len() > 20, "{values:?}");
    for (code, url) in &signed {
        let r = http("GET", &local(&server, url), &[], None);
        assert_eq!(r.status, 200, "{code}");
        let html = text(&r);
        for v in &values {
            assert!(
                !html.contains(v.as_str()),
                "{code}: personal value {v:?} on the public page"
            );
        }
    }
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}
