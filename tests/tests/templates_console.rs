//! Authoring checklist templates on the console (`/console/templates`), on both
//! stores: administrators only; an item's problem is shown beside that item and
//! nothing is published; the preview scores sample answers (a failed veto item
//! scores 0); publishing sends the version to the grid's devices; JSON that is
//! not a template is refused with its line and column, the text kept.

use gridfield_tests::console::{FORM, csrf, form, get, sign_in};
use gridfield_tests::*;

const PASSWORD: &str = "console-password-A1";

fn post(base: &str, cookie: &str, path: &str, pairs: &[(&str, &str)]) -> Reply {
    http(
        "POST",
        &format!("{base}{path}"),
        &[FORM, ("cookie", cookie)],
        Some(&form(pairs)),
    )
}

fn body(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// The editor's fields for a one-section template: an exit item (veto, raises
/// a hazard) and a remark; `veto_on_remark` puts a veto on the remark, which
/// can never fail.
fn fields<'a>(token: &'a str, action: &'a str, veto_on_remark: bool) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("csrf", token),
        ("action", action),
        ("title_zh", "小超市检查"),
        ("title_en", "Corner shop check"),
        ("version", "1"),
        ("applies_to", "business"),
        ("business_kinds", "shop"),
        ("total_score", "100"),
        ("pass_score", "60"),
        ("sections", "1"),
        ("items", "2"),
        ("s0_id", "main"),
        ("s0_zh", "检查"),
        ("s0_en", "Checks"),
        ("i0_section", "0"),
        ("i0_id", "exit_clear"),
        ("i0_zh", "安全出口畅通"),
        ("i0_en", "Exit clear"),
        ("i0_kind", "yes_no_na"),
        ("i0_required", "on"),
        ("i0_fail", "no"),
        ("i0_deduction", "40"),
        ("i0_veto", "on"),
        ("i0_hazard", "fire.escape_blocked"),
        ("i0_severity", "high"),
        ("i0_answer", "no"),
        ("i1_section", "0"),
        ("i1_id", "remarks"),
        ("i1_zh", "备注"),
        ("i1_en", "Remarks"),
        ("i1_kind", "text"),
        ("i1_max_len", "200"),
        ("i1_answer", "无"),
        ("grid", TOWN),
    ];
    if veto_on_remark {
        f.push(("i1_veto", "on"));
    }
    f
}

fn an_admin_authors_previews_and_publishes(backend: Backend) {
    let (store, server) = seeded_server(backend);
    store.console_user("管理员", "admin", "320583", PASSWORD);
    store.console_user("镇网格长", "supervisor", TOWN, PASSWORD);
    let base = &server.url;

    // A supervisor neither sees nor opens the editor.
    let sup = sign_in(base, "镇网格长", PASSWORD);
    let r = get(base, &sup, "/console/templates");
    assert_eq!(r.status, 403);
    assert!(body(&r).contains("只有管理员可以编辑和发布检查表"));
    assert!(!body(&get(base, &sup, "/console")).contains("/console/templates"));

    let adm = sign_in(base, "管理员", PASSWORD);
    let list = get(base, &adm, "/console/templates");
    assert_eq!(list.status, 200);
    assert!(body(&list).contains("/console/templates"), "nav entry");
    assert!(
        body(&list).contains("small_venue_fire_safety"),
        "shipped ones listed"
    );
    let token = csrf(&list);
    let r = post(
        base,
        &adm,
        "/console/templates/new",
        &[("csrf", &token), ("id", "corner_shop")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location").as_deref(),
        Some("/console/templates/corner_shop/edit")
    );
    assert_eq!(
        get(base, &adm, "/console/templates/corner_shop/edit").status,
        200
    );

    // A veto on an item that can never fail: shown on that item, not published.
    let r = post(
        base,
        &adm,
        "/console/templates/corner_shop/edit",
        &fields(&token, "publish", true),
    );
    assert_eq!(r.status, 422);
    let page = body(&r);
    let at = page.find("data-item=\"remarks\"").expect("the remark row");
    let row = &page[at..at + page[at..].find("</tr>").unwrap()];
    assert!(row.contains("一票否决项没有判定不合格的规则"), "{row}");
    assert!(
        page.contains("value=\"小超市检查\""),
        "what was typed is kept"
    );
    assert!(
        store
            .query_lines(
                "SELECT id FROM records WHERE kind = 'template' AND id LIKE 'corner_shop%'"
            )
            .is_empty()
    );

    // The preview scores the sample answers: the failed veto item makes it 0.
    let r = post(
        base,
        &adm,
        "/console/templates/corner_shop/edit",
        &fields(&token, "preview", false),
    );
    assert_eq!(r.status, 200, "{}", body(&r));
    let page = body(&r);
    assert!(page.contains("预览得分：0 / 100 · 一票否决"), "{page}");
    assert!(page.contains("class=\"item failed\" data-item=\"exit_clear\""));

    // Export gives the draft as the JSON `admin template publish` reads.
    let r = get(base, &adm, "/console/templates/corner_shop/export");
    let exported: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(exported["sections"][0]["items"][0]["veto"], true);

    // Publish to the town: a grid that does not exist first.
    let mut f = fields(&token, "publish", false);
    f.retain(|(k, _)| *k != "grid");
    f.push(("grid", "999999"));
    let r = post(base, &adm, "/console/templates/corner_shop/edit", &f);
    assert_eq!(r.status, 422);
    assert!(body(&r).contains("网格 999999 不存在"));
    let r = post(
        base,
        &adm,
        "/console/templates/corner_shop/edit",
        &fields(&token, "publish", false),
    );
    assert_eq!(r.status, 200);
    assert!(
        body(&r).contains("已发布 corner_shop 第 1 版到网格 320583001"),
        "{}",
        body(&r)
    );
    assert_eq!(
        store.query_lines(
            "SELECT grid_path FROM records WHERE kind = 'template' AND id = 'corner_shop@1'"
        ),
        ["/320583/320583001/"]
    );
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    assert!(
        w.ok(&["template", "show", "corner_shop"])
            .contains("小超市检查")
    );

    // JSON that is not a template: where it breaks, the text kept.
    let r = post(
        base,
        &adm,
        "/console/templates/import",
        &[("csrf", &token), ("json", "{\n  \"id\": 1\n}")],
    );
    assert_eq!(r.status, 422);
    assert!(body(&r).contains("第 2 行第 9 列"), "{}", body(&r));
    assert!(
        body(&r).contains("&quot;id&quot;: 1") || body(&r).contains("&#34;id&#34;: 1"),
        "{}",
        body(&r)
    );

    // Retire from the console: the next sync tells the phone.
    let r = post(
        base,
        &adm,
        "/console/templates/corner_shop/retire",
        &[("csrf", &token)],
    );
    assert_eq!(r.status, 200);
    w.sync();
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers.json");
    std::fs::write(&answers, r#"{"answers": {"exit_clear": "yes"}}"#).unwrap();
    let o = w.run(&[
        "inspect",
        "--template",
        "corner_shop",
        "--address",
        ADDR_A,
        "--answers",
        answers.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("该检查表已停用"));
}

/// Deleting an item or a section in the editor saves the draft without it,
/// re-validated: the later section's items follow it down; a section left with
/// no item is a problem shown on that section.
fn an_admin_deletes_items_and_sections(backend: Backend) {
    let (store, server) = seeded_server(backend);
    store.console_user("管理员", "admin", "320583", PASSWORD);
    let base = &server.url;
    let adm = sign_in(base, "管理员", PASSWORD);
    let token = csrf(&get(base, &adm, "/console/templates"));
    let r = post(
        base,
        &adm,
        "/console/templates/new",
        &[("csrf", &token), ("id", "corner_shop")],
    );
    assert_eq!(r.status, 303);
    let export = || -> serde_json::Value {
        let r = get(base, &adm, "/console/templates/corner_shop/export");
        serde_json::from_slice(&r.body).unwrap()
    };
    let ids = |t: &serde_json::Value| -> Vec<(String, Vec<String>)> {
        t["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let items = s["items"].as_array().unwrap();
                (
                    s["id"].as_str().unwrap().to_string(),
                    items
                        .iter()
                        .map(|i| i["id"].as_str().unwrap().to_string())
                        .collect(),
                )
            })
            .collect()
    };
    // Two sections: the editor's fields plus a second section of one item.
    let with_second = |action: &'static str| {
        let mut f = fields(&token, action, false);
        f.retain(|(k, _)| !matches!(*k, "sections" | "items"));
        f.extend([
            ("sections", "2"),
            ("items", "3"),
            ("s1_id", "extra"),
            ("s1_zh", "补充"),
            ("s1_en", "Extra"),
            ("i2_section", "1"),
            ("i2_id", "extinguisher"),
            ("i2_zh", "灭火器有效"),
            ("i2_en", "Extinguisher in date"),
            ("i2_kind", "yes_no_na"),
            ("i2_fail", "no"),
            ("i2_deduction", "10"),
            ("i2_answer", "yes"),
            ("i2_case", "safety"),
            ("i2_case_severity", "high"),
        ]);
        f
    };
    let r = post(
        base,
        &adm,
        "/console/templates/corner_shop/edit",
        &with_second("save"),
    );
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(
        ids(&export()),
        [
            ("main".into(), vec!["exit_clear".into(), "remarks".into()]),
            ("extra".into(), vec!["extinguisher".into()])
        ]
    );
    // The editor offers the case types; the chosen one is saved on the item.
    assert!(body(&r).contains("name=\"i2_case\""), "{}", body(&r));
    assert!(body(&r).contains("<option value=\"safety\" selected>"));
    assert_eq!(
        export()["sections"][1]["items"][0]["case"],
        serde_json::json!({"case_type": "safety", "severity": "high"})
    );

    // Delete the remark (item 1): saved without it, the page without its row.
    let r = post(
        base,
        &adm,
        "/console/templates/corner_shop/edit",
        &with_second("delete_item_1"),
    );
    assert_eq!(r.status, 200, "{}", body(&r));
    assert!(!body(&r).contains("data-item=\"remarks\""));
    assert!(body(&r).contains("data-item=\"extinguisher\""));
    assert_eq!(
        ids(&export()),
        [
            ("main".into(), vec!["exit_clear".into()]),
            ("extra".into(), vec!["extinguisher".into()])
        ]
    );

    // Delete the first section: the second one's item follows it down.
    let r = post(
        base,
        &adm,
        "/console/templates/corner_shop/edit",
        &with_second("delete_section_0"),
    );
    assert_eq!(r.status, 200, "{}", body(&r));
    let page = body(&r);
    assert!(!page.contains("data-item=\"exit_clear\""), "{page}");
    assert!(
        page.contains("name=\"i0_id\" value=\"extinguisher\""),
        "{page}"
    );
    assert!(page.contains("name=\"i0_section\" value=\"0\""), "{page}");
    assert_eq!(
        ids(&export()),
        [("extra".into(), vec!["extinguisher".into()])]
    );

    // Delete the only item of the second section: a problem on that section.
    let r = post(
        base,
        &adm,
        "/console/templates/corner_shop/edit",
        &with_second("delete_item_2"),
    );
    assert_eq!(r.status, 422, "{}", body(&r));
    let page = body(&r);
    let at = page.find("data-section=\"1\"").expect("the second section");
    let sec = &page[at..at + page[at..].find("</section>").unwrap()];
    assert!(sec.contains("部分中没有检查项"), "{sec}");
}

on_both_backends!(
    an_admin_authors_previews_and_publishes,
    an_admin_deletes_items_and_sections
);
