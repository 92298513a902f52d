//! 积分 end to end, on SQLite and on PostgreSQL: a volunteer reports with a
//! category, supervisors accept (points by the rules loaded from a file; a tiered
//! award waits for a second supervisor), the volunteer redeems vouchers offline,
//! a shop verifies one offline and on the console, both sides sync, a voucher
//! presented twice is caught and reversed, and the balance never goes negative.

use std::process::Command;

use gridfield_tests::console::{self, FORM, csrf, form};
use gridfield_tests::*;
use serde_json::Value;

const PASSWORD: &str = "console-pass-1";

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

fn post(server: &ServerProc, cookie: &str, path: &str, pairs: &[(&str, &str)]) -> Reply {
    http(
        "POST",
        &format!("{}{path}", server.url),
        &[FORM, ("cookie", cookie)],
        Some(&form(pairs)),
    )
}

/// The volunteer's ledger as the phone holds it.
fn ledger(v: &Device) -> Value {
    v.json(&["points"])
}

fn scenario(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", GRID_A, PASSWORD);
    store.console_user("孙丽", "supervisor", GRID_A, PASSWORD);
    store.console_user("管理员", "admin", TOWN, PASSWORD);
    let cases = gridfield_core::case::builtin_taxonomy();
    let mut leaves = cases.active_categories().filter(|e| e.parent.is_some());
    let category = leaves.next().expect("a case category").code.clone();
    let other = leaves.next().expect("another case category");
    let (other, other_label) = (other.code.clone(), other.zh.clone());

    // Rules as data: a wrong file names its lines and changes nothing.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.rules");
    std::fs::write(
        &bad,
        "daily_cap 100\npoints nope.nothing low 1 medium 1 high 1 critical 1\ntier lots\n",
    )
    .unwrap();
    let out = Command::new(bin("gridfield-server"))
        .args(["--db", &store.target, "admin", "points-rules", "load"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2") && err.contains("line 3"), "{err}");
    assert!(!err.contains("line 1"), "{err}");
    let good = dir.path().join("points.rules");
    std::fs::write(
        &good,
        format!(
            "# 积分规则\ndaily_cap 100\ntier 30\nadjust 5\n\
             points * low 2 medium 5 high 10 critical 20\n\
             points {category} low 3 medium 8 high 15 critical 40\n"
        ),
    )
    .unwrap();
    let loaded = store.admin(&["points-rules", "load", good.to_str().unwrap()]);
    assert!(loaded.contains("daily cap 100"), "{loaded}");
    store.admin(&["shop", "add", "--code", "shop-a", "--name", "便民超市"]);
    store.admin(&["shop", "add", "--code", "shop-b", "--name", "社区药店"]);
    assert!(store.admin(&["shop", "list"]).contains("shop-b\t社区药店"));
    let city_key = store.admin(&["issuer-key"]).trim().to_string();

    let server = ServerProc::start(&store);
    let v = Device::enrolled(&server, &store.code("王芳", "volunteer", GRID_A));
    v.sync();

    // A category outside the case taxonomy is refused on the phone, nothing queued.
    let r = v.run(&[
        "report",
        "--address",
        ADDR_A,
        "--text",
        "楼道堆物",
        "--category",
        "no.such",
    ]);
    assert!(!r.status.success());
    let file = |text: &str| {
        v.json(&[
            "report",
            "--address",
            ADDR_A,
            "--text",
            text,
            "--category",
            &category,
        ])["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (plain, important) = (file("楼道堆放杂物"), file("发现有人私拉电线"));
    v.sync();

    let zhao = console::sign_in(&server.url, "赵强", PASSWORD);
    let sun = console::sign_in(&server.url, "孙丽", PASSWORD);
    let admin = console::sign_in(&server.url, "管理员", PASSWORD);
    // Same address, same category, within the window: both flagged in the inbox.
    let inbox = text(&console::get(&server.url, &zhao, "/console/reports"));
    assert_eq!(inbox.matches("疑似重复").count(), 2, "{inbox}");
    let page = console::get(&server.url, &zhao, &format!("/console/reports/{plain}"));
    let token = csrf(&page);
    // Medium in this category: 8 by the rules; critical: 40, above the tier.
    let r = post(
        &server,
        &zhao,
        &format!("/console/reports/{plain}/decide"),
        &[
            ("csrf", &token),
            ("decision", "accept"),
            ("level", "medium"),
        ],
    );
    assert_eq!(r.status, 303, "{}", text(&r));
    // An adjustment beyond the rules is refused and changes nothing.
    let r = post(
        &server,
        &zhao,
        &format!("/console/reports/{important}/decide"),
        &[
            ("csrf", &token),
            ("decision", "accept"),
            ("level", "critical"),
            ("adjust", "9"),
            ("adjust_reason", "重要线索"),
        ],
    );
    assert_eq!(r.status, 422, "{}", text(&r));
    assert!(text(&r).contains("积分调整不能超过 5 分"), "{}", text(&r));
    let r = post(
        &server,
        &zhao,
        &format!("/console/reports/{important}/decide"),
        &[
            ("csrf", &token),
            ("decision", "accept"),
            ("level", "critical"),
        ],
    );
    assert_eq!(r.status, 303, "{}", text(&r));

    // The supervisor re-categorises (audited); an unknown category is refused.
    let recategorise = |cat: &str| {
        post(
            &server,
            &zhao,
            &format!("/console/reports/{plain}/category"),
            &[("csrf", &token), ("category", cat)],
        )
    };
    assert_eq!(recategorise("no.such").status, 422);
    let r = recategorise(&other);
    assert_eq!(r.status, 303, "{}", text(&r));
    let page = text(&console::get(
        &server.url,
        &zhao,
        &format!("/console/reports/{plain}"),
    ));
    assert!(
        page.contains(&format!("id=\"category\">{other_label}")),
        "{page}"
    );
    let audited = store
        .query_lines("SELECT CAST(COUNT(*) AS TEXT) FROM audit WHERE action = 'report_category'");
    assert_eq!(audited, vec!["1".to_string()]);
    let inbox = text(&console::get(
        &server.url,
        &zhao,
        "/console/reports?status=accepted",
    ));
    assert!(!inbox.contains("疑似重复"), "no longer the same category");

    // The tiered award waits: the balance on the phone counts only the first.
    v.sync();
    let mine = ledger(&v);
    assert_eq!(mine["points"], 8, "{mine}");
    let entries = mine["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{mine}");
    let waiting = entries
        .iter()
        .find(|e| e["state"] == "awaiting_approval")
        .expect("a tiered award awaiting approval");
    assert_eq!(waiting["points"], 40);
    assert_eq!(waiting["report_id"], important.as_str());
    let entry_id = waiting["id"].as_str().unwrap().to_string();

    // Not by the supervisor who accepted it; by another one.
    let own = post(
        &server,
        &zhao,
        &format!("/console/points/{entry_id}/approve"),
        &[("csrf", &token)],
    );
    assert!(own.status >= 400, "{}", own.status);
    assert!(text(&own).contains("另一位网格长"), "{}", text(&own));
    let sun_token = csrf(&console::get(&server.url, &sun, "/console/points"));
    let r = post(
        &server,
        &sun,
        &format!("/console/points/{entry_id}/approve"),
        &[("csrf", &sun_token)],
    );
    assert_eq!(r.status, 303, "{}", text(&r));

    // A second device of the same volunteer learns the balance now (48).
    let v2 = Device::enrolled(&server, &store.code("王芳", "volunteer", GRID_A));
    v2.sync();
    v.sync();
    assert_eq!(ledger(&v)["points"], 48);
    assert_eq!(ledger(&v2)["points"], 48);

    // Offline: vouchers against the confirmed balance less what was issued since.
    let vc1 = v.json(&["voucher", "issue", "--amount", "20", "--shop", "shop-a"]);
    let over = v.run(&["voucher", "issue", "--amount", "29"]);
    assert!(!over.status.success(), "only 28 are left offline");
    assert!(String::from_utf8_lossy(&over.stderr).contains("积分不足"));
    let vc2 = v.json(&["voucher", "issue", "--amount", "28"]);
    assert_eq!(ledger(&v)["spendable"], 0);
    let t1 = vc1["token"].as_str().unwrap().to_string();
    let t2 = vc2["token"].as_str().unwrap().to_string();
    // The other phone spends from the same confirmed 48, offline too.
    let vc3 = v2.json(&["voucher", "issue", "--amount", "40"]);

    // A shop without our app verifies offline with the city's key.
    let shop = Device::new();
    let ok = shop.run(&[
        "voucher",
        "verify",
        &t1,
        "--issuer-key",
        &city_key,
        "--shop",
        "shop-a",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("20 分"));
    let elsewhere = shop.run(&[
        "voucher",
        "verify",
        &t1,
        "--issuer-key",
        &city_key,
        "--shop",
        "shop-b",
    ]);
    assert_eq!(elsewhere.status.code(), Some(3));
    let mut forged = t1.clone();
    let at = forged.len() - 5;
    forged.replace_range(at..at + 1, if &t1[at..at + 1] == "A" { "B" } else { "A" });
    let bad = shop.run(&["voucher", "verify", &forged, "--issuer-key", &city_key]);
    assert_eq!(bad.status.code(), Some(3));

    // The shop records the redemption on the console first (server: 48 - 20).
    let shop_token = csrf(&console::get(&server.url, &admin, "/console/shop"));
    let present_at = |t: &str, shop: &str| {
        post(
            &server,
            &admin,
            "/console/shop",
            &[("csrf", &shop_token), ("shop", shop), ("payload", t)],
        )
    };
    let present = |t: &str| present_at(t, "shop-a");
    let r = present(&t1);
    assert_eq!(r.status, 200, "{}", text(&r));
    assert!(
        text(&r).contains("代金券有效，已兑换 20 分"),
        "{}",
        text(&r)
    );

    // Both sides sync: the phone's push of the same voucher is not debited again.
    v.sync();
    let mine = ledger(&v);
    assert_eq!(mine["points"], 0, "{mine}");
    let statuses: Vec<&Value> = mine["vouchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["server_status"])
        .collect();
    assert!(statuses.iter().all(|s| *s == "recorded"), "{mine}");
    // A voucher the phone already handed in is redeemed at a shop, not debited twice.
    let r = present_at(&t2, "shop-b");
    assert_eq!(r.status, 200, "{}", text(&r));
    assert!(text(&r).contains("已兑换 28 分"), "{}", text(&r));
    // The other phone's voucher would take the balance below zero: refused.
    v2.sync();
    let other = ledger(&v2);
    assert_eq!(
        other["vouchers"][0]["server_status"],
        "insufficient_balance"
    );
    assert_eq!(other["points"], 0, "{other}");
    assert_eq!(vc3["amount"], 40);

    // The same voucher presented again: caught, shown to the admin, reversed.
    let r = present(&t1);
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("重复兑换"), "{}", text(&r));
    v.sync();
    let mine = ledger(&v);
    assert_eq!(mine["points"], 0, "{mine}");
    let kinds: Vec<&str> = mine["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "correction").count(),
        1,
        "{kinds:?}"
    );
    let page = text(&console::get(&server.url, &admin, "/console/points"));
    let spends = &page[page.find("id=\"double-spends\"").unwrap()..];
    let id1 = vc1["id"].as_str().unwrap();
    assert!(spends.contains(id1), "{spends}");

    // Never negative, whatever was presented.
    let sum = store.query_lines(
        "SELECT CAST(COALESCE(SUM(points), 0) AS TEXT) FROM points_ledger
         WHERE volunteer = '王芳' AND state = 'counted'",
    );
    assert_eq!(sum, vec!["0".to_string()]);
    // An admin's deduction may not take it below zero either; a correction may add.
    let adjust = |points: &str| {
        Command::new(bin("gridfield-server"))
            .args([
                "--db",
                &store.target,
                "admin",
                "points-adjust",
                "--user",
                "王芳",
            ])
            .args(["--points", points, "--reason", "人工更正"])
            .output()
            .unwrap()
    };
    let refused = adjust("-1");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("insufficient_balance"));
    assert!(adjust("5").status.success());
    let out = adjust("-5");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("balance 0"));

    // Settlement: shop-a, one voucher of 20 this month.
    let csv = text(&console::get(
        &server.url,
        &admin,
        "/console/points/settlement/settlement.csv",
    ));
    assert!(csv.contains("\"shop-a\",\"1\",\"20\""), "{csv}");
    assert!(csv.contains("\"shop-b\",\"1\",\"28\""), "{csv}");

    // The leaderboard names the volunteer until they opt out from the phone.
    let board = |cookie: &str| {
        let page = text(&console::get(&server.url, cookie, "/console/points"));
        let at = page.find("id=\"leaderboard\"").unwrap();
        page[at..].split("</table>").next().unwrap().to_string()
    };
    assert!(board(&zhao).contains("王芳"));
    v.ok(&["points", "--hide-name"]);
    v.sync();
    let b = board(&zhao);
    assert!(!b.contains("王芳") && b.contains("匿名志愿者"), "{b}");
}

on_both_backends!(scenario);
