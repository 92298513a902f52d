//! Readable records in the console, on SQLite and on PostgreSQL: two phones make
//! a conflicting edit; the conflict log names the record, the field, both values
//! (masked) and the devices by their enrolled names; a supervisor keeps the
//! overwritten value, a new write that both phones receive at their next sync;
//! a supervisor of another grid and a forged form are refused and write
//! nothing; the audit trail says each write as a sentence naming the device; the
//! address page reads by labels.

use gridfield_tests::console::{FORM, csrf, form, get, sign_in};
use gridfield_tests::*;

const PASSWORD: &str = "console-pass-1";

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// A page's text without its tags (a sentence's record is a link).
fn words(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn phone_on(d: &Device, id: &str) -> String {
    d.json(&["entity", "show", "person", id])["fields"]["phone"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn named_worker(store: &Store, server: &ServerProc, user: &str, device: &str) -> Device {
    let d = Device::new();
    let code = store.code(user, "worker", GRID_A);
    d.ok(&[
        "enroll",
        "--server",
        &server.url,
        "--code",
        &code,
        "--name",
        device,
    ]);
    d.sync();
    d
}

fn post(server: &ServerProc, cookie: &str, path: &str, pairs: &[(&str, &str)]) -> Reply {
    http(
        "POST",
        &format!("{}{path}", server.url),
        &[FORM, ("cookie", cookie)],
        Some(&form(pairs)),
    )
}

fn records(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", GRID_A, PASSWORD);
    store.console_user("孙丽", "supervisor", GRID_B, PASSWORD);
    let server = ServerProc::start(&store);
    let a = named_worker(&store, &server, "张伟", "张伟的手机");
    let b = named_worker(&store, &server, "李娜", "李娜的手机");
    let person = a.json(&[
        "entity",
        "put",
        "person",
        "--address",
        ADDR_A,
        "name=王秀英",
        "id_number=320583199006018820",
        "phone=13812341234",
        "residency=floating",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    a.sync();
    b.sync();

    // The address page reads by labels, values by name, identifiers masked.
    let sup = sign_in(&server.url, "赵强", PASSWORD);
    let page = text(&get(
        &server.url,
        &sup,
        &format!("/console/addresses/{ADDR_A}"),
    ));
    for shown in [
        "身份证号",
        "3205**********8820",
        "户籍类型",
        "流动人口",
        "王秀英",
    ] {
        assert!(page.contains(shown), "{shown} missing: {page}");
    }
    for raw in ["floating", "residency", "id_number：", "320583199006018820"] {
        assert!(!page.contains(raw), "{raw} shown raw");
    }

    // The entity export reads the same way: labels for codes.
    let csv = text(&get(&server.url, &sup, "/console/addresses/export.csv"));
    assert!(
        csv.contains("流动人口") && !csv.contains("floating"),
        "{csv}"
    );

    // Both phones edit the phone number without seeing each other: B's later
    // edit wins, A's value goes to the conflict log.
    a.ok(&[
        "entity",
        "put",
        "person",
        "--id",
        &person,
        "phone=13912345678",
    ]);
    b.ok(&[
        "entity",
        "put",
        "person",
        "--id",
        &person,
        "phone=13700001111",
    ]);
    a.sync();
    assert_eq!(b.sync()["conflicts"], 1);
    a.sync();
    assert_eq!(phone_on(&a, &person), "137****1111");

    let ids = [a.device_id(), b.device_id()];
    let page = get(&server.url, &sup, "/console/conflicts");
    let body = text(&page);
    for shown in [
        "人员 王秀英",
        "联系电话",
        "137****1111",
        "139****5678",
        "张伟的手机",
        "李娜的手机",
        "保留另一值",
    ] {
        assert!(body.contains(shown), "{shown} missing: {body}");
    }
    for raw in [
        ids[0].as_str(),
        ids[1].as_str(),
        "\"137",
        "13912345678",
        ">person<",
    ] {
        assert!(!body.contains(raw), "{raw} shown on the conflict log");
    }
    let at = body.find("data-conflict=\"").expect("a conflict row") + 15;
    let conflict: String = body[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let keep = format!("/console/conflicts/{conflict}/keep-other");
    let writes = "SELECT CAST(COUNT(*) AS TEXT) FROM audit WHERE action = 'conflict_keep_other'";

    // A supervisor of another grid sees no such conflict and may not keep it.
    let other = sign_in(&server.url, "孙丽", PASSWORD);
    let other_page = get(&server.url, &other, "/console/conflicts");
    assert!(!text(&other_page).contains("王秀英"));
    let r = post(&server, &other, &keep, &[("csrf", &csrf(&other_page))]);
    assert_eq!(r.status, 404, "{}", text(&r));
    assert!(text(&r).contains("不在您的辖区"));
    // A form without its CSRF token is refused.
    assert_eq!(post(&server, &sup, &keep, &[]).status, 403);
    assert_eq!(store.query_lines(writes), ["0"]);

    // Keep the other value: a new write, audited, that both phones receive.
    let r = post(&server, &sup, &keep, &[("csrf", &csrf(&page))]);
    assert_eq!(r.status, 303, "{}", text(&r));
    assert_eq!(
        r.header("location").as_deref(),
        Some("/console/conflicts?ok=kept")
    );
    assert_eq!(store.query_lines(writes), ["1"]);
    a.sync();
    b.sync();
    assert_eq!(phone_on(&a, &person), "139****5678", "the losing phone");
    assert_eq!(phone_on(&b, &person), "139****5678");
    let after = text(&get(&server.url, &sup, "/console/conflicts?ok=kept"));
    assert!(after.contains("已保留另一值"), "{after}");
    assert!(
        !after.contains("keep-other"),
        "nothing left to keep: {after}"
    );

    // The audit trail, sentence by sentence, devices by name, values masked.
    let audit = text(&get(&server.url, &sup, "/console/audit"));
    let read = words(&audit);
    for said in [
        "张伟 在 张伟的手机 上 将 人员 王秀英 的 联系电话 由 138****1234 改为 139****5678",
        "李娜 在 李娜的手机 上 将 人员 王秀英 的 联系电话 由 139****5678 改为 137****1111",
        "赵强 在 控制台 上 将 人员 王秀英 的 联系电话 由 137****1111 改为 139****5678（保留冲突中被覆盖的值）",
    ] {
        assert!(read.contains(said), "{said} missing: {read}");
    }
    assert!(audit.contains(&format!("href=\"/console/addresses/{ADDR_A}\"")));
    for raw in [
        "entity_upsert",
        ids[0].as_str(),
        "13912345678",
        "13812341234",
    ] {
        assert!(!audit.contains(raw), "{raw} on the audit trail");
    }
    let en = words(&text(&get(&server.url, &sup, "/console/audit?lang=en")));
    assert!(
        en.contains(
            "张伟 on 张伟的手机 changed the phone of person 王秀英 from 138****1234 to 139****5678"
        ),
        "{en}"
    );
    // The CSV keeps its columns and adds the sentence.
    let csv = get(&server.url, &sup, "/console/audit/export.csv");
    let mut rdr = csv::Reader::from_reader(csv.body.as_slice());
    assert_eq!(rdr.headers().unwrap().len(), 8);
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert!(
        rows.iter()
            .any(|r| r[7].contains("张伟的手机") && r[4] == *"person" && r[5] == *person),
        "{rows:?}"
    );
    assert!(
        store
            .query_lines("SELECT COALESCE(detail, '') FROM audit")
            .iter()
            .all(|d| !d.contains("13912345678"))
    );

    drop(server);
    let out = store.admin(&["audit", "verify"]);
    assert!(out.contains("intact"), "{out}");
}

#[test]
fn console_records_sqlite() {
    records(Backend::Sqlite);
}

#[test]
fn console_records_postgres() {
    records(Backend::Postgres);
}
