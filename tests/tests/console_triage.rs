//! The console's dashboard and triage over HTTP against a real server, on SQLite
//! and on PostgreSQL: rates on a fixed 0–100% scale ("—" for none), the date
//! range every figure keeps, the hazard board's tabs and its assignee check, the
//! review queue's columns, short-inspection flag and confirmed batch approval.

use gridfield_tests::console::{self, FORM, csrf, form, percent};
use gridfield_tests::*;

const FAIL_ANSWERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/fire_safety_fail.json"
);
const PASSWORD: &str = "console-pass-1";

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// The rate row of a grid on the dashboard: from its label to the end of its row.
fn rate_row<'a>(page: &'a str, grid_name: &str) -> &'a str {
    let chart = &page[page.find("class=\"chart hbars\"").expect("rate chart")..];
    let at = chart
        .find(&format!("<span class=\"label\">{grid_name}</span>"))
        .unwrap_or_else(|| panic!("row of {grid_name}: {chart}"));
    let row = &chart[at..];
    &row[..row.find("</li>").unwrap()]
}

/// A multipart form body of text fields (the hazard step form).
fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----gridfield-triage-test";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!(
            "--{boundary}\r\ncontent-disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

fn grid_name(store: &Store, code: &str) -> String {
    store.query_lines(&format!("SELECT name FROM grids WHERE code = '{code}'"))[0].clone()
}

fn dashboard_and_board(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", GRID_A, PASSWORD);
    store.console_user("陈镇长", "supervisor", TOWN, PASSWORD);
    let server = ServerProc::start(&store);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    let _other = synced_worker(&store, &server, "刘洋", GRID_B);
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(
            w.json(&[
                "hazard",
                "new",
                "--address",
                ADDR_A,
                "--category",
                "fire.escape_blocked",
                "--description",
                &format!("楼道堆物 {i}"),
                "--deadline",
                "2099-12-31",
            ])["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(w.sync()["rejected"].as_array().unwrap().len(), 0);
    // A supervisor's phone takes the first one through to closed.
    let sup = Device::enrolled(&server, &store.code("钱组长", "supervisor", GRID_A));
    sup.sync();
    let closed = ids[0].clone();
    for step in [
        vec!["assign", "--assignee", "张伟", "--deadline", "2099-12-31"],
        vec!["start_rectification"],
        vec!["mark_rectified", "--note", "已清理"],
        vec!["verify", "--note", "现场复核合格"],
        vec!["close"],
    ] {
        let mut args = vec!["hazard", "move", closed.as_str()];
        args.extend(step);
        sup.ok(&args);
    }
    assert_eq!(sup.sync()["rejected"].as_array().unwrap().len(), 0);

    // One of eight closed: an eighth of the track, on the fixed 0–100% scale.
    let a = console::sign_in(&server.url, "赵强", PASSWORD);
    let page = text(&console::get(&server.url, &a, "/console"));
    let name_a = grid_name(&store, GRID_A);
    let row = rate_row(&page, &name_a);
    assert!(
        row.contains("class=\"closed\" x=\"0.0\" width=\"125.0\""),
        "{row}"
    );
    assert!(
        row.contains("class=\"progress\" x=\"125.0\" width=\"875.0\""),
        "{row}"
    );
    assert!(row.contains("12% (1/8)"), "{row}");
    assert!(page.contains("class=\"legend\""), "a colour key");
    // In English: the key, the trend and the range in English, the rate the same.
    let en = text(&console::get(&server.url, &a, "/console?lang=en"));
    for words in [
        "Hazards closed by grid",
        "in progress",
        "Hazards opened and closed",
    ] {
        assert!(en.contains(words), "{words}: {en}");
    }
    assert!(!en.contains("已销号") && !en.contains("新增与销号"));
    assert!(rate_row(&en, &name_a).contains("12% (1/8)"));
    // The town sees grid B with no hazards: no rate at all, not 0%.
    let town = console::sign_in(&server.url, "陈镇长", PASSWORD);
    let page = text(&console::get(&server.url, &town, "/console"));
    let row_b = rate_row(&page, &grid_name(&store, GRID_B));
    assert!(row_b.contains("<span class=\"val\">—</span>"), "{row_b}");
    assert!(!row_b.contains("class=\"closed\""), "{row_b}");
    assert!(rate_row(&page, &name_a).contains("12% (1/8)"));

    // A range before any of it: every figure is empty, every link keeps the range.
    let old = text(&console::get(
        &server.url,
        &a,
        "/console?from=2020-01-01&to=2020-01-31",
    ));
    let row = rate_row(&old, &name_a);
    assert!(row.contains("<span class=\"val\">—</span>"), "{row}");
    assert!(
        old.contains(
            "href=\"/console/hazards?from=2020-01-01&amp;to=2020-01-31\"><strong>0</strong>"
        ),
        "{old}"
    );
    assert!(old.contains("value=\"2020-01-01\"") && old.contains("value=\"2020-01-31\""));
    let now = text(&console::get(&server.url, &a, "/console"));
    assert!(
        now.contains("<strong>7</strong>"),
        "seven open hazards: {now}"
    );
    // The list the link opens counts the same.
    let list = text(&console::get(
        &server.url,
        &a,
        "/console/hazards?from=2020-01-01&to=2020-01-31",
    ));
    assert!(!ids.iter().any(|id| list.contains(id.as_str())));
    // Dates that cannot be read: the default range, and a page that says so.
    let bad = console::get(&server.url, &a, "/console?from=2020-13-45");
    assert_eq!(bad.status, 200);
    assert!(text(&bad).contains("日期格式应为"), "{}", text(&bad));

    // The board opens on open hazards, with a tab per status and its count.
    let board = text(&console::get(&server.url, &a, "/console/hazards"));
    assert!(
        !board.contains(closed.as_str()),
        "closed is not on the open tab"
    );
    assert!(board.contains(ids[1].as_str()));
    assert!(board.contains("未销号 <b>7</b>"), "{board}");
    assert!(board.contains("已销号 <b>1</b>") && board.contains("全部 <b>8</b>"));
    let all = text(&console::get(
        &server.url,
        &a,
        "/console/hazards?status=closed",
    ));
    assert!(all.contains(closed.as_str()));

    // The assignee is one of the grid's people: grid B's worker is refused.
    let path = format!("/console/hazards/{}", ids[1]);
    let hp = console::get(&server.url, &a, &path);
    let hazard_page = text(&hp);
    assert!(
        hazard_page.contains("<option value=\"张伟\""),
        "{hazard_page}"
    );
    assert!(!hazard_page.contains("<option value=\"刘洋\""));
    let token = csrf(&hp);
    let step = |assignee: &str| {
        let (ct, body) = multipart(&[
            ("csrf", &token),
            ("action", "assign"),
            ("assignee", assignee),
            ("deadline", "2099-12-31"),
        ]);
        http(
            "POST",
            &format!("{}{path}/step", server.url),
            &[("cookie", &a), ("content-type", &ct)],
            Some(&body),
        )
    };
    let r = step("刘洋");
    assert_eq!(r.status, 422, "{}", text(&r));
    assert!(
        text(&r).contains("所选人员的网格不包含此隐患"),
        "{}",
        text(&r)
    );
    w.sync();
    let h = w.json(&["hazard", "show", &ids[1]]);
    assert_eq!(h["hazard"]["status"], "reported", "nothing changed: {h}");
    let r = step("张伟");
    assert_eq!(r.status, 303, "{}", text(&r));
    w.sync();
    assert_eq!(
        w.json(&["hazard", "show", &ids[1]])["hazard"]["assignee"],
        "张伟"
    );
}

fn review_queue(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", GRID_A, PASSWORD);
    // A made-up minimum, to see the setting reach the page.
    let server = ServerProc::start_with(&store.target, &["--min-inspection-minutes", "7"]);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    for _ in 0..3 {
        w.ok(&[
            "inspect",
            "--template",
            "rental_fire_safety",
            "--address",
            ADDR_A,
            "--answers",
            FAIL_ANSWERS,
        ]);
    }
    assert_eq!(w.sync()["rejected"].as_array().unwrap().len(), 0);
    let ids: Vec<String> = w
        .json(&["inspections"])
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    let a = console::sign_in(&server.url, "赵强", PASSWORD);
    let q = console::get(&server.url, &a, "/console/inspections");
    let queue = text(&q);
    // The checklist by name, the result in words, hazards raised, a flagged duration.
    assert!(queue.contains("出租房屋消防安全检查"), "{queue}");
    assert!(!queue.contains(">rental_fire_safety<"));
    assert!(
        queue.contains("一票否决") || queue.contains("不合格"),
        "{queue}"
    );
    assert!(queue.contains("用时不足 7 分钟"), "{queue}");
    let raised = &queue[queue.find("class=\"hazards\">").unwrap() + 16..];
    assert!(
        !raised.starts_with('0'),
        "the failing checklist raised hazards"
    );
    // Sortable, stable: both directions list the same rows.
    let asc = text(&console::get(
        &server.url,
        &a,
        "/console/inspections?sort=duration&dir=asc",
    ));
    assert!(ids.iter().all(|id| asc.contains(id.as_str())));
    assert!(
        asc.contains("sort=duration&amp;dir=desc"),
        "the header turns it round"
    );

    // Batch approval asks first, with the count; nothing changes until it is confirmed.
    let token = csrf(&q);
    let batch = |extra: &[(&str, &str)]| {
        let mut pairs = vec![("csrf", token.as_str()), ("decision", "approve")];
        pairs.push(("id", &ids[0]));
        pairs.push(("id", &ids[1]));
        pairs.extend_from_slice(extra);
        http(
            "POST",
            &format!("{}/console/inspections/batch", server.url),
            &[("cookie", &a), FORM],
            Some(&form(&pairs)),
        )
    };
    for extra in [&[][..], &[("confirmed", "1")][..]] {
        let r = batch(extra);
        assert_eq!(r.status, 200, "{}", text(&r));
        assert!(text(&r).contains("确认通过 2 条记录？"), "{}", text(&r));
        assert!(text(&r).contains("name=\"confirmed\" value=\"2\""));
    }
    w.sync();
    let status = |w: &Device, id: &str| {
        w.json(&["inspections"])
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()["review_status"]
            .clone()
    };
    assert_eq!(status(&w, &ids[0]), "submitted");
    let r = batch(&[("confirmed", "2")]);
    assert_eq!(r.status, 303, "{}", text(&r));
    w.sync();
    assert_eq!(status(&w, &ids[0]), "approved");
    assert_eq!(status(&w, &ids[1]), "approved");
    assert_eq!(status(&w, &ids[2]), "submitted");

    // Approve and next: the last one, then the queue says it is done.
    let page = console::get(&server.url, &a, &format!("/console/inspections/{}", ids[2]));
    assert!(text(&page).contains("通过并下一条"));
    let r = http(
        "POST",
        &format!(
            "{}/console/inspections/{}/review",
            server.url,
            percent(&ids[2])
        ),
        &[("cookie", &a), FORM],
        Some(&form(&[
            ("csrf", &csrf(&page)),
            ("decision", "approve"),
            ("next", "1"),
        ])),
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location").unwrap(),
        "/console/inspections?ok=done"
    );
}

on_both_backends!(dashboard_and_board, review_queue);
