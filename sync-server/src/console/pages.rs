//! Console handlers: unpack the request, call `query` or `logic` on a blocking
//! thread, render HTML. Every record URL is looked up inside the user's scope.

use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridfield_core::checklist::{
    ChecklistTemplate, HAZARD_CATEGORIES, Severity, hazard_category_label,
};
use gridfield_core::hazard::{HazardAction, HazardStatus, StepInput};
use gridfield_core::i18n::Lang;
use gridfield_core::model::{EntityKind, ReportStatus, ReviewStatus};
use gridfield_core::plate::PlateData;
use gridfield_core::records::{Inspection, Report};
use serde_json::{Value, json};

use super::chart::{self, Bar};
use super::export::{self, Format};
use super::html::{self, Flash, Nav, esc, t};
use super::query::{self, DAY_MS, Filter, GridScope, PAGE_SIZE, TZ_OFFSET_MS};
use super::{
    AppState, Console, LangChoice, SESSION_COOKIE, auth, blocking, error_page, flash_for,
    html_response, not_found, redirect, refused,
};
use crate::error::{ApiError, Result};
use crate::logic::{self, HazardDoc, now_ms};

type Pairs = Vec<(String, String)>;

/// Query or form fields by name; blank values count as absent.
struct Params(Pairs);

impl Params {
    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
    fn all(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    fn page(&self) -> i64 {
        self.get("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0i64)
            .clamp(0, 1_000_000)
    }
}

fn scope(c: &Console) -> GridScope {
    GridScope::new(&c.user.grid_path)
}

fn respond(c: &Console, nav: Nav, title: &str, flash: Option<&Flash>, body: &str) -> Response {
    c.lang.apply(html_response(
        StatusCode::OK,
        html::page(c.lang.lang, Some(&c.user), nav, title, flash, body),
    ))
}

fn csrf_checked(c: &Console, p: &Params) -> std::result::Result<(), Box<Response>> {
    if auth::csrf_ok(&c.user.csrf, p.get("csrf").unwrap_or("")) {
        Ok(())
    } else {
        Err(Box::new(super::message_page(
            c.lang,
            Some(&c.user),
            StatusCode::FORBIDDEN,
            t(
                c.lang.lang,
                "表单已失效（CSRF 校验失败），请刷新页面后重试。",
                "The form expired (CSRF check failed); reload the page and try again.",
            ),
        )))
    }
}

fn jstr<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn photos_html(hashes: &[String]) -> String {
    let mut h = String::from("<div class=\"photos\">");
    for p in hashes
        .iter()
        .filter(|p| gridfield_core::photo::is_valid_hash(p))
    {
        h.push_str(&format!(
            "<a href=\"/console/photos/{p}\" target=\"_blank\"><img src=\"/console/photos/{p}\" loading=\"lazy\" alt=\"photo\"></a>"
        ));
    }
    h.push_str("</div>");
    h
}

fn status_badge(cls: &str, text: &str) -> String {
    format!("<span class=\"badge {}\">{}</span>", esc(cls), esc(text))
}

/// The filter a list page or export asks for; values that mean nothing for the
/// kind are dropped.
fn filter_from(kind: &'static str, p: &Params, now: i64, escalate_ms: i64) -> Filter {
    let status = p.get("status").map(String::from).filter(|v| match kind {
        "inspection" => ReviewStatus::parse(v).is_some(),
        "hazard" => HazardStatus::parse(v).is_some(),
        _ => ReportStatus::parse(v).is_some(),
    });
    let due_before = if p.get("escalated").is_some() {
        Some(now - escalate_ms)
    } else if p.get("overdue").is_some() {
        Some(now)
    } else {
        None
    };
    Filter {
        kind,
        grid: p.get("grid").map(String::from),
        status,
        category: p
            .get("category")
            .filter(|c| c.len() <= 64)
            .map(String::from),
        severity: p
            .get("severity")
            .filter(|v| Severity::parse(v).is_some())
            .map(String::from),
        due_before: if kind == "hazard" { due_before } else { None },
        from: p.get("from").and_then(html::parse_date),
        to: p.get("to").and_then(html::parse_date).map(|d| d + DAY_MS),
        address: p.get("address").map(String::from),
    }
}

/// The query string that reproduces a filter (for pages and exports).
fn filter_query(p: &Params) -> String {
    let keys = [
        "grid",
        "status",
        "category",
        "severity",
        "overdue",
        "escalated",
        "from",
        "to",
        "address",
    ];
    keys.iter()
        .filter_map(|k| p.get(k).map(|v| format!("{k}={}", html::url(v))))
        .collect::<Vec<_>>()
        .join("&")
}

fn export_links(lang: Lang, kind_plural: &str, q: &str) -> String {
    format!(
        "<p class=\"exports\">{}: <a href=\"/console/export/{kind_plural}.csv?{q}\" download>CSV</a> · \
         <a href=\"/console/export/{kind_plural}.xlsx?{q}\" download>XLSX</a></p>",
        t(lang, "按当前筛选导出", "Export this filter")
    )
}

fn grid_select(lang: Lang, grids: &[(String, String, i64)], current: Option<&str>) -> String {
    let items: Vec<(String, String)> = grids
        .iter()
        .map(|(c, n, l)| {
            (
                c.clone(),
                format!("{}{n}", "· ".repeat((*l as usize).saturating_sub(1))),
            )
        })
        .collect();
    format!(
        "<label>{}<select name=\"grid\">{}</select></label>",
        t(lang, "网格", "Grid"),
        html::options(lang, current, &items)
    )
}

// ---- sign-in ------------------------------------------------------------------------

fn login_page(lang: LangChoice, error: Option<&str>, next: &str, status: StatusCode) -> Response {
    let l = lang.lang;
    let body = format!(
        "<section class=\"card narrow\"><h1>{}</h1>\
         <form method=\"post\" action=\"/console/login\" class=\"stack\">\
         <input type=\"hidden\" name=\"next\" value=\"{}\">\
         <label>{}<input name=\"user\" autocomplete=\"username\" autofocus></label>\
         <label>{}<input name=\"password\" type=\"password\" autocomplete=\"current-password\"></label>\
         <button class=\"primary\">{}</button></form></section>",
        t(l, "管理台登录", "Sign in to the console"),
        esc(next),
        t(l, "用户名", "User name"),
        t(l, "密码", "Password"),
        t(l, "登录", "Sign in"),
    );
    let flash = error.map(|e| Flash {
        ok: false,
        text: e.to_string(),
    });
    lang.apply(html_response(
        status,
        html::page(
            l,
            None,
            Nav::None,
            t(l, "登录", "Sign in"),
            flash.as_ref(),
            &body,
        ),
    ))
}

pub async fn login_form(lang: LangChoice, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    login_page(
        lang,
        None,
        p.get("next").unwrap_or("/console"),
        StatusCode::OK,
    )
}

/// Only our own pages are valid targets after signing in.
fn safe_next(n: Option<&str>) -> String {
    match n {
        Some(n) if n.starts_with("/console") && !n.contains("//") && !n.contains('\\') => {
            n.to_string()
        }
        _ => "/console".to_string(),
    }
}

pub async fn login(State(s): State<AppState>, lang: LangChoice, Form(f): Form<Pairs>) -> Response {
    let p = Params(f);
    let l = lang.lang;
    let next = safe_next(p.get("next"));
    let (Some(user), Some(pw)) = (
        p.get("user"),
        p.0.iter()
            .find(|(k, _)| k == "password")
            .map(|(_, v)| v.clone()),
    ) else {
        return login_page(
            lang,
            Some(t(
                l,
                "请输入用户名和密码。",
                "Enter your user name and password.",
            )),
            &next,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let user = user.to_string();
    let s2 = s.clone();
    let res = blocking(move || {
        let policy = s2.console.auth.clone();
        s2.db.write(|tx| auth::login(tx, &policy, &user, &pw))
    })
    .await;
    match res {
        Ok(Ok(token)) => {
            let mut r = redirect(&next);
            let c = format!(
                "{SESSION_COOKIE}={token}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={}{}",
                s.console.auth.session_ms / 1000,
                if s.console.secure_cookie {
                    "; Secure"
                } else {
                    ""
                }
            );
            if let Ok(v) = HeaderValue::from_str(&c) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            lang.apply(r)
        }
        Ok(Err(auth::LoginError::BadCredentials)) => login_page(
            lang,
            Some(t(l, "用户名或密码错误。", "Wrong user name or password.")),
            &next,
            StatusCode::UNAUTHORIZED,
        ),
        Ok(Err(auth::LoginError::Locked { minutes })) => {
            let msg = if l.is_en() {
                format!("Too many failed attempts: the account is locked for {minutes} minutes.")
            } else {
                format!("连续登录失败次数过多，账号已锁定 {minutes} 分钟。")
            };
            login_page(lang, Some(&msg), &next, StatusCode::TOO_MANY_REQUESTS)
        }
        Err(e) => error_page(lang, None, e),
    }
}

pub async fn logout(State(s): State<AppState>, c: Console, Form(f): Form<Pairs>) -> Response {
    if let Err(r) = csrf_checked(&c, &Params(f)) {
        return *r;
    }
    let token = c.token.clone();
    if let Err(e) = blocking(move || s.db.write(|tx| auth::logout(tx, &token))).await {
        return error_page(c.lang, Some(&c.user), e);
    }
    let mut r = redirect("/console/login");
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "gf_session=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    r
}

// ---- dashboard ----------------------------------------------------------------------

pub async fn dashboard(State(s): State<AppState>, c: Console) -> Response {
    let sc = scope(&c);
    let l = c.lang.lang;
    let grid = c.user.grid_code.clone();
    let esc_ms = s.console.escalate_after_ms;
    let now = now_ms();
    let res = blocking(move || {
        s.db.read(|tx| {
            let today = (now + TZ_OFFSET_MS) / DAY_MS;
            let since = (today - 29) * DAY_MS - TZ_OFFSET_MS;
            let per_day = query::inspections_per_day(tx, &sc, since)?;
            let by_cat = query::count_by(tx, &sc, "hazard", "category")?;
            let by_status = query::count_by(tx, &sc, "hazard", "status")?;
            let insp_status = query::count_by(tx, &sc, "inspection", "status")?;
            let rep_status = query::count_by(tx, &sc, "report", "status")?;
            let mut grids = Vec::new();
            for (code, name, path) in query::child_grids(tx, &grid)? {
                grids.push((code, name, query::hazard_figures(tx, &path, now)?));
            }
            let (_, _, overdue) = query::hazard_figures(tx, &sc.path, now)?;
            let top = query::top_risk_addresses(tx, &sc, 10)?;
            let mut top_named = Vec::new();
            for (code, n) in top {
                let text = query::address_text(tx, &code)?.unwrap_or_else(|| code.clone());
                top_named.push((code, text, n));
            }
            let escalated = query::list(
                tx,
                &sc,
                &Filter {
                    kind: "hazard",
                    due_before: Some(now - esc_ms),
                    ..Default::default()
                },
                0,
            )?
            .total;
            Ok((
                today,
                per_day,
                by_cat,
                by_status,
                insp_status,
                rep_status,
                grids,
                overdue,
                top_named,
                escalated,
            ))
        })
    })
    .await;
    let (
        today,
        per_day,
        by_cat,
        by_status,
        insp_status,
        rep_status,
        grids,
        overdue,
        top,
        escalated,
    ) = match res {
        Ok(v) => v,
        Err(e) => return error_page(c.lang, Some(&c.user), e),
    };
    let count_of =
        |v: &[(String, i64)], k: &str| v.iter().find(|(s, _)| s == k).map(|(_, n)| *n).unwrap_or(0);
    let open_hazards: i64 = by_status
        .iter()
        .filter(|(s, _)| s != "closed")
        .map(|(_, n)| n)
        .sum();
    let mut b = format!(
        "<h1>{}</h1><div class=\"tiles\">",
        t(l, "概览", "Dashboard")
    );
    for (n, zh, en, href) in [
        (
            count_of(&insp_status, "submitted"),
            "待审核检查",
            "awaiting review",
            "/console/inspections?status=submitted",
        ),
        (
            open_hazards,
            "未销号隐患",
            "open hazards",
            "/console/hazards",
        ),
        (
            overdue,
            "逾期隐患",
            "overdue hazards",
            "/console/hazards?overdue=1",
        ),
        (
            escalated,
            "逾期升级",
            "escalated",
            "/console/hazards?escalated=1",
        ),
        (
            count_of(&rep_status, "pending"),
            "待处理上报",
            "pending reports",
            "/console/reports?status=pending",
        ),
    ] {
        b.push_str(&format!(
            "<a class=\"tile\" href=\"{href}\"><strong>{n}</strong><span>{}</span></a>",
            t(l, zh, en)
        ));
    }
    b.push_str("</div><div class=\"charts\">");
    let days: Vec<Bar> = (0..30)
        .map(|i| {
            let day = today - 29 + i;
            let n = per_day
                .iter()
                .find(|(d, _)| *d == day)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            let start = day * DAY_MS - TZ_OFFSET_MS;
            let date = html::date(start);
            Bar {
                label: date[5..].to_string(),
                value: n as f64,
                text: n.to_string(),
                href: format!("/console/inspections?from={date}&to={date}"),
            }
        })
        .collect();
    b.push_str(&chart::columns(
        t(l, "近 30 天每日检查数", "Inspections per day, last 30 days"),
        &days,
    ));
    let cats: Vec<Bar> = by_cat
        .iter()
        .map(|(c, n)| Bar {
            label: hazard_category_label(c, l),
            value: *n as f64,
            text: n.to_string(),
            href: format!("/console/hazards?category={}", html::url(c)),
        })
        .collect();
    b.push_str(&chart::rows(
        t(l, "隐患类别分布", "Hazards by category"),
        &cats,
    ));
    let sts: Vec<Bar> = HazardStatus::ALL
        .iter()
        .map(|st| {
            let n = count_of(&by_status, st.as_str());
            Bar {
                label: st.label(l).to_string(),
                value: n as f64,
                text: n.to_string(),
                href: format!("/console/hazards?status={}", st.as_str()),
            }
        })
        .collect();
    b.push_str(&chart::rows(
        t(l, "隐患状态分布", "Hazards by status"),
        &sts,
    ));
    let rate: Vec<Bar> = grids
        .iter()
        .map(|(code, name, (total, fixed, _))| {
            let pct = if *total > 0 {
                *fixed as f64 * 100.0 / *total as f64
            } else {
                0.0
            };
            Bar {
                label: name.clone(),
                value: pct,
                text: format!("{pct:.0}% ({fixed}/{total})"),
                href: format!("/console/hazards?grid={}", html::url(code)),
            }
        })
        .collect();
    b.push_str(&chart::rows(
        t(l, "各网格整改率", "Rectification rate by grid"),
        &rate,
    ));
    let od: Vec<Bar> = grids
        .iter()
        .map(|(code, name, (_, _, overdue))| Bar {
            label: name.clone(),
            value: *overdue as f64,
            text: overdue.to_string(),
            href: format!("/console/hazards?grid={}&overdue=1", html::url(code)),
        })
        .collect();
    b.push_str(&chart::rows(
        t(l, "各网格逾期隐患", "Overdue hazards by grid"),
        &od,
    ));
    let risk: Vec<Bar> = top
        .iter()
        .map(|(code, text, n)| Bar {
            label: text
                .chars()
                .rev()
                .take(16)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect(),
            value: *n as f64,
            text: n.to_string(),
            href: format!("/console/addresses/{}", html::url(code)),
        })
        .collect();
    b.push_str(&chart::rows(
        t(
            l,
            "风险最高的地址（未销号隐患数）",
            "Top risk addresses (open hazards)",
        ),
        &risk,
    ));
    b.push_str("</div>");
    respond(&c, Nav::Dashboard, t(l, "概览", "Dashboard"), None, &b)
}

// ---- review queue -------------------------------------------------------------------

pub async fn inspections(
    State(s): State<AppState>,
    c: Console,
    Query(q): Query<Pairs>,
) -> Response {
    let mut p = Params(q);
    // The queue opens on what awaits review.
    if p.get("status").is_none() && !p.0.iter().any(|(k, _)| k == "status") {
        p.0.push(("status".into(), "submitted".into()));
    }
    let l = c.lang.lang;
    let f = filter_from("inspection", &p, now_ms(), s.console.escalate_after_ms);
    let page = p.page();
    let sc = scope(&c);
    let res = blocking(move || {
        s.db.read(|tx| {
            let pg = query::list(tx, &sc, &f, page)?;
            let mut rows = Vec::new();
            for (id, body) in pg.rows {
                let addr =
                    query::address_text(tx, jstr(&body, "address_code"))?.unwrap_or_default();
                rows.push((id, body, addr));
            }
            Ok((rows, pg.total, query::grids_in_scope(tx, &sc)?))
        })
    })
    .await;
    let (rows, total, grids) = match res {
        Ok(v) => v,
        Err(e) => return error_page(c.lang, Some(&c.user), e),
    };
    let fq = filter_query(&p);
    let statuses: Vec<(String, String)> = [
        ReviewStatus::Submitted,
        ReviewStatus::Approved,
        ReviewStatus::Returned,
    ]
    .iter()
    .map(|x| (x.as_str().to_string(), x.label(l).to_string()))
    .collect();
    let mut b = format!(
        "<h1>{}</h1><form class=\"filters\" method=\"get\">\
         <label>{}<select name=\"status\">{}</select></label>{}\
         <label>{}<input type=\"date\" name=\"from\" value=\"{}\"></label>\
         <label>{}<input type=\"date\" name=\"to\" value=\"{}\"></label>\
         <button>{}</button></form>{}",
        t(l, "检查审核", "Inspection review"),
        t(l, "状态", "Status"),
        html::options(l, p.get("status"), &statuses),
        grid_select(l, &grids, p.get("grid")),
        t(l, "从", "From"),
        esc(p.get("from").unwrap_or("")),
        t(l, "到", "To"),
        esc(p.get("to").unwrap_or("")),
        t(l, "筛选", "Filter"),
        export_links(l, "inspections", &fq),
    );
    b.push_str(&format!(
        "<form method=\"post\" action=\"/console/inspections/batch\" id=\"batch\">{}\
         <p class=\"hint\">{}</p>\
         <table class=\"list\" data-nav><thead><tr><th><input type=\"checkbox\" data-all aria-label=\"all\"></th>\
         <th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        html::csrf_field(&c.user),
        t(l, "键盘：j/k 上下移动，x 勾选，Enter 打开，Shift+A 批量通过所选。", "Keys: j/k move, x select, Enter open, Shift+A approve the selected."),
        t(l, "检查时间", "Started"),
        t(l, "地址", "Address"),
        t(l, "检查人", "Inspector"),
        t(l, "得分", "Score"),
        t(l, "结果", "Result"),
        t(l, "审核状态", "Review"),
    ));
    for (id, body, addr) in &rows {
        let passed = match body.get("passed").and_then(Value::as_bool) {
            Some(true) => status_badge("ok", t(l, "合格", "pass")),
            Some(false) => status_badge("bad", t(l, "不合格", "fail")),
            None => String::new(),
        };
        let rs = ReviewStatus::parse(jstr(body, "review_status"));
        b.push_str(&format!(
            "<tr data-href=\"/console/inspections/{}\"><td>{}</td><td>{}</td><td><a href=\"/console/inspections/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html::url(id),
            if rs == Some(ReviewStatus::Submitted) {
                format!("<input type=\"checkbox\" name=\"id\" value=\"{}\" aria-label=\"select\">", esc(id))
            } else {
                String::new()
            },
            html::datetime(body.get("started_at").and_then(Value::as_i64).unwrap_or(0)),
            html::url(id),
            esc(if addr.is_empty() { jstr(body, "address_code") } else { addr }),
            esc(jstr(body, "inspector")),
            body.get("score").map(|v| v.to_string()).unwrap_or_default(),
            passed,
            rs.map(|r| status_badge(r.as_str(), r.label(l))).unwrap_or_default(),
        ));
    }
    if rows.is_empty() {
        b.push_str(&format!(
            "<tr><td colspan=\"7\" class=\"empty\">{}</td></tr>",
            t(l, "没有符合条件的检查记录。", "No inspections match.")
        ));
    }
    b.push_str(&format!(
        "</tbody></table><button class=\"primary\" name=\"decision\" value=\"approve\" data-key=\"A\">{}</button></form>",
        t(l, "批量通过所选", "Approve selected")
    ));
    b.push_str(&html::pager(
        l,
        "/console/inspections",
        &fq,
        page,
        total,
        PAGE_SIZE,
    ));
    let flash = p.get("ok").and_then(|k| flash_for(k, l));
    respond(
        &c,
        Nav::Review,
        t(l, "检查审核", "Review"),
        flash.as_ref(),
        &b,
    )
}

fn answer_text(item: &gridfield_core::checklist::Item, v: &Value, l: Lang) -> String {
    use gridfield_core::checklist::ItemKind;
    let en = l.is_en();
    let label_of = |id: &str| {
        item.kind
            .options()
            .and_then(|o| o.iter().find(|x| x.id == id))
            .map(|x| x.label.get(en).to_string())
            .unwrap_or_else(|| id.to_string())
    };
    match (&item.kind, v) {
        (ItemKind::YesNoNa, Value::String(x)) => match x.as_str() {
            "yes" => t(l, "是", "yes").into(),
            "no" => t(l, "否", "no").into(),
            "na" => t(l, "不适用", "n/a").into(),
            o => o.to_string(),
        },
        (_, Value::String(x)) if gridfield_core::checklist::is_photo_hash(x) => String::new(),
        (_, Value::String(x)) => label_of(x),
        (_, Value::Array(xs)) => xs
            .iter()
            .filter_map(Value::as_str)
            .filter(|x| !gridfield_core::checklist::is_photo_hash(x))
            .map(label_of)
            .collect::<Vec<_>>()
            .join("、"),
        (_, Value::Null) => String::new(),
        (_, other) => other.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn render_inspection(
    c: &Console,
    id: &str,
    i: &Inspection,
    tpl: Option<&ChecklistTemplate>,
    addr: &str,
    history: &[query::AuditRow],
    flash: Option<&Flash>,
    status: StatusCode,
    comment: &str,
) -> Response {
    let l = c.lang.lang;
    let en = l.is_en();
    let eval = tpl.and_then(|t| t.evaluate(&i.answers, &i.photos).ok());
    let failed: Vec<&str> = eval
        .as_ref()
        .map(|e| e.failed_items.iter().map(|f| f.item_id.as_str()).collect())
        .unwrap_or_default();
    let mut b = format!(
        "<p class=\"crumbs\"><a href=\"/console/inspections\">{}</a> ›</p><h1>{}</h1>",
        t(l, "检查审核", "Review"),
        esc(tpl.map(|t| t.title.get(en)).unwrap_or(&i.template_id)),
    );
    b.push_str(&format!(
        "<dl class=\"facts\"><dt>{}</dt><dd><a href=\"/console/addresses/{}\">{}</a></dd>\
         <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{} – {}</dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd>{} {}</dd><dt>{}</dt><dd>{}</dd></dl>",
        t(l, "地址", "Address"),
        html::url(&i.address_code),
        esc(if addr.is_empty() {
            &i.address_code
        } else {
            addr
        }),
        t(l, "检查人", "Inspector"),
        esc(&i.inspector),
        t(l, "时间", "Time"),
        html::datetime(i.started_at),
        i.finished_at.map(html::datetime).unwrap_or_default(),
        t(l, "位置", "Location"),
        i.location
            .as_ref()
            .map(|g| format!("{:.5}, {:.5}", g.lat, g.lon))
            .unwrap_or_else(|| t(l, "未记录", "not recorded").into()),
        t(l, "得分", "Score"),
        i.score.map(|s| s.to_string()).unwrap_or_default(),
        match i.passed {
            Some(true) => status_badge("ok", t(l, "合格", "pass")),
            Some(false) => status_badge("bad", t(l, "不合格", "fail")),
            None => String::new(),
        },
        t(l, "审核状态", "Review"),
        status_badge(i.review_status.as_str(), i.review_status.label(l)),
    ));
    if let Some(cm) = &i.review_comment {
        b.push_str(&format!(
            "<p class=\"comment\">{}：{}</p>",
            t(l, "审核意见", "Comment"),
            esc(cm)
        ));
    }
    if i.review_status == ReviewStatus::Submitted {
        b.push_str(&format!(
            "<section class=\"card actions\"><form method=\"post\" action=\"/console/inspections/{id_u}/review\">{csrf}\
             <input type=\"hidden\" name=\"decision\" value=\"approve\">\
             <button class=\"primary\" id=\"approve\" data-key=\"a\">{approve} (a)</button></form>\
             <form method=\"post\" action=\"/console/inspections/{id_u}/review\" class=\"stack\">{csrf}\
             <input type=\"hidden\" name=\"decision\" value=\"return\">\
             <label>{cl}<textarea name=\"comment\" id=\"comment\" rows=\"3\" data-key=\"r\">{comment}</textarea></label>\
             <button id=\"return\">{ret}</button></form></section>",
            id_u = html::url(id),
            csrf = html::csrf_field(&c.user),
            approve = t(l, "审核通过", "Approve"),
            cl = t(l, "退回意见（必填，将送达网格员）", "Comment for the worker (required to return)"),
            comment = esc(comment),
            ret = t(l, "退回 (r)", "Return (r)"),
        ));
    }
    b.push_str(&format!("<h2>{}</h2>", t(l, "检查内容", "Answers")));
    if let Some(tpl) = tpl {
        for sec in &tpl.sections {
            b.push_str(&format!(
                "<h3>{}</h3><table class=\"answers\"><tbody>",
                esc(sec.title.get(en))
            ));
            for item in &sec.items {
                let v = i.answers.get(&item.id).cloned().unwrap_or(Value::Null);
                let mut photos: Vec<String> = i.photos.get(&item.id).cloned().unwrap_or_default();
                match &v {
                    Value::String(x) if gridfield_core::checklist::is_photo_hash(x) => {
                        photos.push(x.clone())
                    }
                    Value::Array(xs) => photos.extend(
                        xs.iter()
                            .filter_map(Value::as_str)
                            .filter(|x| gridfield_core::checklist::is_photo_hash(x))
                            .map(String::from),
                    ),
                    _ => {}
                }
                let bad = failed.contains(&item.id.as_str());
                b.push_str(&format!(
                    "<tr{}><th>{}</th><td>{}{}{}</td></tr>",
                    if bad { " class=\"failed\"" } else { "" },
                    esc(item.label.get(en)),
                    esc(&answer_text(item, &v, l)),
                    if bad {
                        format!(" {}", status_badge("bad", t(l, "不合格项", "failed")))
                    } else {
                        String::new()
                    },
                    if photos.is_empty() {
                        String::new()
                    } else {
                        photos_html(&photos)
                    }
                ));
            }
            b.push_str("</tbody></table>");
        }
    } else {
        b.push_str(&format!(
            "<pre>{}</pre>",
            esc(&serde_json::to_string_pretty(&i.answers).unwrap_or_default())
        ));
    }
    b.push_str(&history_html(l, history));
    c.lang.apply(html_response(
        status,
        html::page(
            l,
            Some(&c.user),
            Nav::Review,
            t(l, "检查记录", "Inspection"),
            flash,
            &b,
        ),
    ))
}

fn history_html(l: Lang, rows: &[query::AuditRow]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut b = format!(
        "<h2>{}</h2><table class=\"list\"><tbody>",
        t(l, "处理记录", "History")
    );
    for r in rows {
        b.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html::datetime(r.at),
            esc(&r.actor),
            esc(r.device.as_deref().unwrap_or("")),
            esc(&r.action),
            esc(r.detail.as_deref().unwrap_or(""))
        ));
    }
    b.push_str("</tbody></table>");
    b
}

type InspectionView = (
    Inspection,
    Option<ChecklistTemplate>,
    String,
    Vec<query::AuditRow>,
);

fn load_inspection(s: &AppState, sc: &GridScope, id: &str) -> Result<Option<InspectionView>> {
    s.db.read(|tx| {
        let Some(r) = query::get_in_scope(tx, sc, "inspection", id)? else {
            return Ok(None);
        };
        let i: Inspection =
            serde_json::from_value(r.body).map_err(|e| ApiError::internal(e.to_string()))?;
        let tpl = logic::get_record(
            tx,
            "template",
            &format!("{}@{}", i.template_id, i.template_version),
        )?
        .and_then(|t| serde_json::from_value(t.body).ok());
        let addr = query::address_text(tx, &i.address_code)?.unwrap_or_default();
        let hist = query::history(tx, "inspection", id)?;
        Ok(Some((i, tpl, addr, hist)))
    })
}

pub async fn inspection(State(s): State<AppState>, c: Console, Path(id): Path<String>) -> Response {
    let sc = scope(&c);
    let id2 = id.clone();
    match blocking(move || load_inspection(&s, &sc, &id2)).await {
        Ok(Some((i, tpl, addr, hist))) => render_inspection(
            &c,
            &id,
            &i,
            tpl.as_ref(),
            &addr,
            &hist,
            None,
            StatusCode::OK,
            "",
        ),
        Ok(None) => not_found(c.lang, Some(&c.user)),
        Err(e) => error_page(c.lang, Some(&c.user), e),
    }
}

/// One review decision by a console user: the device command's own rules, then
/// an audit row naming the console user.
fn review_one(
    tx: &mut dyn crate::db::Tx,
    c: &auth::ConsoleUser,
    lang: Lang,
    id: &str,
    approve: bool,
    comment: Option<&str>,
) -> Result<()> {
    let dev = c.ctx();
    match logic::review_inspection(tx, &dev, id, approve, comment, now_ms())? {
        Ok(_) => logic::audit(
            tx,
            &c.name,
            Some(logic::CONSOLE_DEVICE),
            "inspection_review",
            "inspection",
            id,
            Some(&json!({ "approve": approve, "comment": comment })),
        ),
        Err(r) => Err(refused(r, lang)),
    }
}

pub async fn review(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Response {
    let p = Params(f);
    if let Err(r) = csrf_checked(&c, &p) {
        return *r;
    }
    let l = c.lang.lang;
    let approve = p.get("decision") == Some("approve");
    let comment = p.get("comment").map(String::from);
    let sc = scope(&c);
    let (s2, user, id2, cm) = (s.clone(), c.user.clone(), id.clone(), comment.clone());
    let res = blocking(move || {
        s2.db.write(|tx| {
            if query::get_in_scope(tx, &sc, "inspection", &id2)?.is_none() {
                return Err(ApiError::not_found("not found"));
            }
            review_one(tx, &user, l, &id2, approve, cm.as_deref())
        })
    })
    .await;
    match res {
        Ok(()) => redirect(if approve {
            "/console/inspections?ok=approved"
        } else {
            "/console/inspections?ok=returned"
        }),
        Err(e) if e.status == StatusCode::NOT_FOUND => not_found(c.lang, Some(&c.user)),
        Err(e) if e.status.is_client_error() => {
            // Show the record again, with the reason and what was typed.
            let sc = scope(&c);
            let id2 = id.clone();
            match blocking(move || load_inspection(&s, &sc, &id2)).await {
                Ok(Some((i, tpl, addr, hist))) => render_inspection(
                    &c,
                    &id,
                    &i,
                    tpl.as_ref(),
                    &addr,
                    &hist,
                    Some(&Flash {
                        ok: false,
                        text: e.message,
                    }),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    comment.as_deref().unwrap_or(""),
                ),
                Ok(None) => not_found(c.lang, Some(&c.user)),
                Err(e) => error_page(c.lang, Some(&c.user), e),
            }
        }
        Err(e) => error_page(c.lang, Some(&c.user), e),
    }
}

pub async fn batch_approve(
    State(s): State<AppState>,
    c: Console,
    Form(f): Form<Pairs>,
) -> Response {
    let p = Params(f);
    if let Err(r) = csrf_checked(&c, &p) {
        return *r;
    }
    let l = c.lang.lang;
    let ids: Vec<String> = p
        .all("id")
        .into_iter()
        .map(String::from)
        .take(500)
        .collect();
    if ids.is_empty() {
        return super::message_page(
            c.lang,
            Some(&c.user),
            StatusCode::UNPROCESSABLE_ENTITY,
            t(
                l,
                "请先勾选要通过的检查记录。",
                "Select the inspections to approve first.",
            ),
        );
    }
    let sc = scope(&c);
    let user = c.user.clone();
    // All or nothing: one refusal leaves every record as it was.
    let res = blocking(move || {
        s.db.write(|tx| {
            for id in &ids {
                if query::get_in_scope(tx, &sc, "inspection", id)?.is_none() {
                    return Err(ApiError::not_found("not found"));
                }
                review_one(tx, &user, l, id, true, None)?;
            }
            Ok(())
        })
    })
    .await;
    match res {
        Ok(()) => redirect("/console/inspections?ok=batch"),
        Err(e) if e.status == StatusCode::NOT_FOUND => not_found(c.lang, Some(&c.user)),
        Err(e) => error_page(c.lang, Some(&c.user), e),
    }
}

// ---- hazards ------------------------------------------------------------------------

/// How many grid levels an overdue hazard has escalated, and to which grid.
fn escalation(
    chain: &[(String, String)],
    deadline: Option<i64>,
    open: bool,
    now: i64,
    after_ms: i64,
) -> Option<String> {
    let d = deadline?;
    if !open || now - d < after_ms || chain.len() < 2 {
        return None;
    }
    let levels = ((now - d) / after_ms) as usize;
    let idx = chain.len().saturating_sub(1 + levels);
    Some(chain[idx].1.clone())
}

pub async fn hazards(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    let l = c.lang.lang;
    let now = now_ms();
    let after = s.console.escalate_after_ms;
    let f = filter_from("hazard", &p, now, after);
    let page = p.page();
    let sc = scope(&c);
    let res = blocking(move || {
        s.db.read(|tx| {
            let pg = query::list(tx, &sc, &f, page)?;
            let mut rows = Vec::new();
            for (id, body) in pg.rows {
                let h = body.get("hazard").cloned().unwrap_or(Value::Null);
                let addr = query::address_text(tx, jstr(&h, "address_code"))?.unwrap_or_default();
                let path = logic::get_record(tx, "hazard", &id)?
                    .map(|r| r.grid_path)
                    .unwrap_or_default();
                let chain = query::grid_chain(tx, &path)?;
                rows.push((id, h, addr, chain));
            }
            Ok((rows, pg.total, query::grids_in_scope(tx, &sc)?))
        })
    })
    .await;
    let (rows, total, grids) = match res {
        Ok(v) => v,
        Err(e) => return error_page(c.lang, Some(&c.user), e),
    };
    let fq = filter_query(&p);
    let cats: Vec<(String, String)> = HAZARD_CATEGORIES
        .iter()
        .map(|c| (c.to_string(), hazard_category_label(c, l)))
        .collect();
    let sevs: Vec<(String, String)> = Severity::ALL
        .iter()
        .map(|x| (x.as_str().to_string(), x.label(l).to_string()))
        .collect();
    let sts: Vec<(String, String)> = HazardStatus::ALL
        .iter()
        .map(|x| (x.as_str().to_string(), x.label(l).to_string()))
        .collect();
    let checked = |k: &str| if p.get(k).is_some() { " checked" } else { "" };
    let mut b = format!(
        "<h1>{}</h1><form class=\"filters\" method=\"get\">{}\
         <label>{}<select name=\"category\">{}</select></label>\
         <label>{}<select name=\"severity\">{}</select></label>\
         <label>{}<select name=\"status\">{}</select></label>\
         <label class=\"check\"><input type=\"checkbox\" name=\"overdue\" value=\"1\"{}>{}</label>\
         <label class=\"check\"><input type=\"checkbox\" name=\"escalated\" value=\"1\"{}>{}</label>\
         <button>{}</button></form>{}",
        t(l, "隐患看板", "Hazard board"),
        grid_select(l, &grids, p.get("grid")),
        t(l, "类别", "Category"),
        html::options(l, p.get("category"), &cats),
        t(l, "等级", "Severity"),
        html::options(l, p.get("severity"), &sevs),
        t(l, "状态", "Status"),
        html::options(l, p.get("status"), &sts),
        checked("overdue"),
        t(l, "仅逾期", "overdue only"),
        checked("escalated"),
        t(l, "已升级", "escalated"),
        t(l, "筛选", "Filter"),
        export_links(l, "hazards", &fq),
    );
    b.push_str(&format!(
        "<table class=\"list\" data-nav><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(l, "上报时间", "Reported"),
        t(l, "类别", "Category"),
        t(l, "等级", "Severity"),
        t(l, "状态", "Status"),
        t(l, "地址", "Address"),
        t(l, "责任人", "Assignee"),
        t(l, "整改期限", "Deadline"),
    ));
    for (id, h, addr, chain) in &rows {
        let st = HazardStatus::parse(jstr(h, "status"));
        let deadline = h.get("deadline").and_then(Value::as_i64);
        let open = st.is_some_and(|x| x.is_open());
        let overdue =
            gridfield_core::hazard::is_overdue(st.unwrap_or(HazardStatus::Closed), deadline, now);
        let esc_to = escalation(chain, deadline, open, now, after);
        b.push_str(&format!(
            "<tr data-href=\"/console/hazards/{}\"{}><td>{}</td><td><a href=\"/console/hazards/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}{}</td></tr>",
            html::url(id),
            if overdue { " class=\"overdue\"" } else { "" },
            html::datetime(h.get("created_at").and_then(Value::as_i64).unwrap_or(0)),
            html::url(id),
            esc(&hazard_category_label(jstr(h, "category"), l)),
            Severity::parse(jstr(h, "severity")).map(|x| status_badge(x.as_str(), x.label(l))).unwrap_or_default(),
            st.map(|x| status_badge(x.as_str(), x.label(l))).unwrap_or_default(),
            esc(if addr.is_empty() { jstr(h, "address_code") } else { addr }),
            esc(jstr(h, "assignee")),
            deadline.map(html::date).unwrap_or_default(),
            if overdue { format!(" {}", status_badge("bad", t(l, "逾期", "overdue"))) } else { String::new() },
            esc_to.map(|g| format!(" {}", status_badge("escalated", &format!("{}{}", t(l, "已升级至", "escalated to "), g)))).unwrap_or_default(),
        ));
    }
    if rows.is_empty() {
        b.push_str(&format!(
            "<tr><td colspan=\"7\" class=\"empty\">{}</td></tr>",
            t(l, "没有符合条件的隐患。", "No hazards match.")
        ));
    }
    b.push_str("</tbody></table>");
    b.push_str(&html::pager(
        l,
        "/console/hazards",
        &fq,
        page,
        total,
        PAGE_SIZE,
    ));
    let flash = p.get("ok").and_then(|k| flash_for(k, l));
    respond(
        &c,
        Nav::Hazards,
        t(l, "隐患看板", "Hazards"),
        flash.as_ref(),
        &b,
    )
}

type HazardView = (HazardDoc, String, Vec<(String, String)>);

fn load_hazard(s: &AppState, sc: &GridScope, id: &str) -> Result<Option<HazardView>> {
    s.db.read(|tx| {
        let Some(r) = query::get_in_scope(tx, sc, "hazard", id)? else {
            return Ok(None);
        };
        let doc: HazardDoc =
            serde_json::from_value(r.body).map_err(|e| ApiError::internal(e.to_string()))?;
        let addr = query::address_text(tx, &doc.hazard.address_code)?.unwrap_or_default();
        let chain = query::grid_chain(tx, &r.grid_path)?;
        Ok(Some((doc, addr, chain)))
    })
}

#[allow(clippy::too_many_arguments)]
fn render_hazard(
    c: &Console,
    after_ms: i64,
    doc: &HazardDoc,
    addr: &str,
    chain: &[(String, String)],
    flash: Option<&Flash>,
    status: StatusCode,
    typed: &Params,
) -> Response {
    let l = c.lang.lang;
    let h = &doc.hazard;
    let now = now_ms();
    let id_u = html::url(&h.id);
    let csrf = html::csrf_field(&c.user);
    let overdue = gridfield_core::hazard::is_overdue(h.status, h.deadline, now);
    let mut b = format!(
        "<p class=\"crumbs\"><a href=\"/console/hazards\">{}</a> ›</p><h1>{} {}</h1>",
        t(l, "隐患看板", "Hazard board"),
        esc(&hazard_category_label(&h.category, l)),
        status_badge(h.status.as_str(), h.status.label(l)),
    );
    b.push_str(&format!(
        "<dl class=\"facts\"><dt>{}</dt><dd><a href=\"/console/addresses/{}\">{}</a></dd>\
         <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd>{}{}</dd><dt>{}</dt><dd>{}</dd></dl>{}",
        t(l, "地址", "Address"),
        html::url(&h.address_code),
        esc(if addr.is_empty() {
            &h.address_code
        } else {
            addr
        }),
        t(l, "等级", "Severity"),
        h.severity.label(l),
        t(l, "描述", "Description"),
        esc(&h.description),
        t(l, "责任人", "Assignee"),
        esc(h.assignee.as_deref().unwrap_or("—")),
        t(l, "整改期限", "Deadline"),
        h.deadline.map(html::date).unwrap_or_else(|| "—".into()),
        if overdue {
            format!(" {}", status_badge("bad", t(l, "逾期", "overdue")))
        } else {
            String::new()
        },
        t(l, "网格", "Grid"),
        esc(&chain
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join(" › ")),
        photos_html(&h.photos),
    ));
    if let Some(g) = escalation(chain, h.deadline, h.status.is_open(), now, after_ms) {
        b.push_str(&format!(
            "<p class=\"flash err\">{}{}</p>",
            t(l, "逾期未整改，已升级至：", "Overdue: escalated to "),
            esc(&g)
        ));
    }
    let typed_v = |k: &str| esc(typed.get(k).unwrap_or(""));
    let photo_input = format!(
        "<label>{}<input type=\"file\" name=\"photo\" accept=\"image/jpeg,image/png,image/webp\"></label>",
        t(
            l,
            "照片（可选，不超过 10 MB）",
            "Photo (optional, at most 10 MB)"
        )
    );
    b.push_str("<section class=\"card actions\">");
    if h.status.is_open()
        && matches!(
            h.status,
            HazardStatus::Reported | HazardStatus::Assigned | HazardStatus::Rectifying
        )
    {
        b.push_str(&format!(
            "<form method=\"post\" enctype=\"multipart/form-data\" action=\"/console/hazards/{id_u}/step\" class=\"stack\" id=\"assign\">{csrf}\
             <input type=\"hidden\" name=\"action\" value=\"assign\"><h3>{}</h3>\
             <label>{}<input name=\"assignee\" value=\"{}\"></label>\
             <label>{}<input type=\"date\" name=\"deadline\" value=\"{}\"></label>\
             <button class=\"primary\">{}</button></form>",
            t(l, "交办 / 调整期限", "Assign / move the deadline"),
            t(l, "责任人", "Assignee"),
            if typed.get("assignee").is_some() { typed_v("assignee") } else { esc(h.assignee.as_deref().unwrap_or("")) },
            t(l, "整改期限", "Deadline"),
            if typed.get("deadline").is_some() { typed_v("deadline") } else { h.deadline.map(html::date).unwrap_or_default() },
            t(l, "保存", "Save"),
        ));
    }
    if h.status == HazardStatus::Rectified {
        b.push_str(&format!(
            "<form method=\"post\" enctype=\"multipart/form-data\" action=\"/console/hazards/{id_u}/step\" class=\"stack\" id=\"verify\">{csrf}\
             <input type=\"hidden\" name=\"action\" value=\"verify\"><h3>{}</h3>\
             <label>{}<textarea name=\"note\" rows=\"2\">{}</textarea></label>{photo_input}\
             <label class=\"check\"><input type=\"checkbox\" name=\"close\" value=\"1\" checked>{}</label>\
             <button class=\"primary\">{}</button></form>\
             <form method=\"post\" enctype=\"multipart/form-data\" action=\"/console/hazards/{id_u}/step\" class=\"stack\" id=\"reject\">{csrf}\
             <input type=\"hidden\" name=\"action\" value=\"reject_rectification\"><h3>{}</h3>\
             <label>{}<textarea name=\"note\" rows=\"2\"></textarea></label>{photo_input}\
             <button>{}</button></form>",
            t(l, "复核整改", "Verify the rectification"),
            t(l, "复核说明", "Note"),
            typed_v("note"),
            t(l, "复核通过后同时销号", "Close it once verified"),
            t(l, "复核通过", "Verify"),
            t(l, "复核不通过", "Reject the rectification"),
            t(l, "原因（必填）", "Reason (required)"),
            t(l, "退回整改", "Send back"),
        ));
    }
    if h.status == HazardStatus::Verified {
        b.push_str(&format!(
            "<form method=\"post\" enctype=\"multipart/form-data\" action=\"/console/hazards/{id_u}/step\">{csrf}\
             <input type=\"hidden\" name=\"action\" value=\"close\"><button class=\"primary\">{}</button></form>",
            t(l, "销号", "Close")
        ));
    }
    if matches!(h.status, HazardStatus::Verified | HazardStatus::Closed) {
        b.push_str(&format!(
            "<form method=\"post\" enctype=\"multipart/form-data\" action=\"/console/hazards/{id_u}/step\" class=\"stack\">{csrf}\
             <input type=\"hidden\" name=\"action\" value=\"reopen\">\
             <label>{}<textarea name=\"note\" rows=\"2\"></textarea></label><button>{}</button></form>",
            t(l, "重新打开的原因", "Why reopen"),
            t(l, "重新打开", "Reopen")
        ));
    }
    b.push_str("</section>");
    b.push_str(&format!(
        "<h2>{}</h2><ol class=\"timeline\">",
        t(l, "处理过程", "Steps")
    ));
    for e in &doc.events {
        b.push_str(&format!(
            "<li><time>{}</time> <strong>{}</strong> {} → {} · {} {}{}{}{}</li>",
            html::datetime(e.at),
            esc(&e.actor),
            e.action
                .map(|a| a.label(l))
                .unwrap_or(t(l, "上报", "reported")),
            e.to_status.label(l),
            if e.device_id == logic::CONSOLE_DEVICE {
                t(l, "管理台", "console")
            } else {
                t(l, "移动端", "device")
            },
            e.note
                .as_deref()
                .map(|n| format!("<q>{}</q>", esc(n)))
                .unwrap_or_default(),
            e.assignee
                .as_deref()
                .map(|a| format!(" {}：{}", t(l, "责任人", "assignee"), esc(a)))
                .unwrap_or_default(),
            e.deadline
                .map(|d| format!(" {}：{}", t(l, "期限", "deadline"), html::date(d)))
                .unwrap_or_default(),
            if e.photos.is_empty() {
                String::new()
            } else {
                photos_html(&e.photos)
            },
        ));
    }
    b.push_str("</ol>");
    c.lang.apply(html_response(
        status,
        html::page(
            l,
            Some(&c.user),
            Nav::Hazards,
            t(l, "隐患", "Hazard"),
            flash,
            &b,
        ),
    ))
}

pub async fn hazard(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Query(q): Query<Pairs>,
) -> Response {
    let sc = scope(&c);
    let after = s.console.escalate_after_ms;
    let p = Params(q);
    let flash = p.get("ok").and_then(|k| flash_for(k, c.lang.lang));
    match blocking(move || load_hazard(&s, &sc, &id)).await {
        Ok(Some((doc, addr, chain))) => render_hazard(
            &c,
            after,
            &doc,
            &addr,
            &chain,
            flash.as_ref(),
            StatusCode::OK,
            &Params(Vec::new()),
        ),
        Ok(None) => not_found(c.lang, Some(&c.user)),
        Err(e) => error_page(c.lang, Some(&c.user), e),
    }
}

/// Read a multipart form: text fields, and at most one photo (bytes). A body over
/// the transport limit is an error with its own message.
async fn read_multipart(
    mut m: Multipart,
    l: Lang,
) -> std::result::Result<(Params, Option<Vec<u8>>), String> {
    let mut fields = Vec::new();
    let mut photo = None;
    let too_big = || {
        l.pick(
            "上传内容过大，未做任何更改。",
            "The upload is too large; nothing was changed.",
        )
        .to_string()
    };
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
            Err(_) => {
                return Err(l
                    .pick("表单内容无法解析。", "The form could not be read.")
                    .to_string());
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "photo" {
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_big()
                } else {
                    l.pick("照片上传失败。", "The photo upload failed.")
                        .to_string()
                }
            })?;
            if !bytes.is_empty() {
                photo = Some(bytes.to_vec());
            }
        } else {
            let text = field.text().await.map_err(|_| too_big())?;
            fields.push((name, text));
        }
    }
    Ok((Params(fields), photo))
}

pub async fn hazard_step(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    m: Multipart,
) -> Response {
    let l = c.lang.lang;
    let sc = scope(&c);
    let after = s.console.escalate_after_ms;
    let (p, photo) = match read_multipart(m, l).await {
        Ok(v) => v,
        Err(msg) => {
            return show_hazard_error(
                &s,
                &c,
                sc,
                after,
                &id,
                msg,
                StatusCode::PAYLOAD_TOO_LARGE,
                Params(Vec::new()),
            )
            .await;
        }
    };
    if let Err(r) = csrf_checked(&c, &p) {
        return *r;
    }
    let Some(action) = p.get("action").and_then(HazardAction::parse) else {
        return show_hazard_error(
            &s,
            &c,
            sc,
            after,
            &id,
            t(l, "未知操作。", "Unknown action.").into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            p,
        )
        .await;
    };
    let now = now_ms();
    // Validate what the state machine does not know about: dates and photos.
    let deadline = match p.get("deadline") {
        None => None,
        Some(d) => match html::parse_date(d) {
            None => {
                return show_hazard_error(
                    &s,
                    &c,
                    sc,
                    after,
                    &id,
                    t(
                        l,
                        "整改期限格式不正确（应为 年-月-日）。",
                        "The deadline must be a date (yyyy-mm-dd).",
                    )
                    .into(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    p,
                )
                .await;
            }
            Some(start) => {
                let today = ((now + TZ_OFFSET_MS) / DAY_MS) * DAY_MS - TZ_OFFSET_MS;
                if start < today {
                    let msg = if l.is_en() {
                        format!(
                            "The deadline cannot be in the past (today is {}).",
                            html::date(now)
                        )
                    } else {
                        format!(
                            "整改期限不能早于今天（{}），未做任何更改。",
                            html::date(now)
                        )
                    };
                    return show_hazard_error(
                        &s,
                        &c,
                        sc,
                        after,
                        &id,
                        msg,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        p,
                    )
                    .await;
                }
                // Due by the end of that day.
                Some(start + DAY_MS - 1)
            }
        },
    };
    let mut photos = Vec::new();
    let mut blob = None;
    if let Some(bytes) = photo {
        if bytes.len() as u64 > logic::MAX_BLOB_BYTES {
            let msg = if l.is_en() {
                format!(
                    "The photo is larger than {} MB; nothing was changed.",
                    logic::MAX_BLOB_BYTES / 1048576
                )
            } else {
                format!(
                    "照片超过 {} MB 上限，未做任何更改。",
                    logic::MAX_BLOB_BYTES / 1048576
                )
            };
            return show_hazard_error(
                &s,
                &c,
                sc,
                after,
                &id,
                msg,
                StatusCode::PAYLOAD_TOO_LARGE,
                p,
            )
            .await;
        }
        let Some(mime) = gridfield_core::photo::sniff_mime(&bytes) else {
            return show_hazard_error(
                &s,
                &c,
                sc,
                after,
                &id,
                t(
                    l,
                    "只能上传 JPEG、PNG 或 WebP 图片，未做任何更改。",
                    "Only JPEG, PNG or WebP images can be uploaded; nothing was changed.",
                )
                .into(),
                StatusCode::UNPROCESSABLE_ENTITY,
                p,
            )
            .await;
        };
        let hash = logic::sha256_hex(&bytes);
        photos.push(hash.clone());
        blob = Some((hash, mime.to_string(), bytes));
    }
    let input = StepInput {
        assignee: p.get("assignee").map(String::from),
        deadline,
        note: p.get("note").map(String::from),
        photos,
    };
    let close_too = action == HazardAction::Verify && p.get("close").is_some();
    let (s2, user, id2, sc2) = (s.clone(), c.user.clone(), id.clone(), sc.clone());
    let res = blocking(move || {
        s2.db.write(|tx| {
            if query::get_in_scope(tx, &sc2, "hazard", &id2)?.is_none() {
                return Err(ApiError::not_found("not found"));
            }
            if let Some((hash, mime, bytes)) = &blob {
                logic::put_blob_chunk(tx, hash, 0, bytes.len() as u64, mime, bytes)?;
            }
            let dev = user.ctx();
            let mut steps = vec![(action, input)];
            if close_too {
                steps.push((HazardAction::Close, StepInput::default()));
            }
            for (a, inp) in steps {
                let ev = format!("ev-{}", uuid::Uuid::now_v7());
                if let Err(r) = logic::hazard_step(tx, &dev, &id2, &ev, a, &inp, now_ms())? {
                    return Err(refused(r, l));
                }
                logic::audit(
                    tx,
                    &user.name,
                    Some(logic::CONSOLE_DEVICE),
                    "hazard_step",
                    "hazard",
                    &id2,
                    Some(&json!({ "action": a.as_str(), "note": inp.note })),
                )?;
            }
            Ok(())
        })
    })
    .await;
    match res {
        Ok(()) => redirect(&format!("/console/hazards/{}?ok=step", html::url(&id))),
        Err(e) if e.status == StatusCode::NOT_FOUND => not_found(c.lang, Some(&c.user)),
        Err(e) if e.status.is_client_error() => {
            show_hazard_error(
                &s,
                &c,
                sc,
                after,
                &id,
                e.message,
                StatusCode::UNPROCESSABLE_ENTITY,
                p,
            )
            .await
        }
        Err(e) => error_page(c.lang, Some(&c.user), e),
    }
}

#[allow(clippy::too_many_arguments)]
async fn show_hazard_error(
    s: &AppState,
    c: &Console,
    sc: GridScope,
    after: i64,
    id: &str,
    msg: String,
    status: StatusCode,
    typed: Params,
) -> Response {
    let (s2, id2) = (s.clone(), id.to_string());
    match blocking(move || load_hazard(&s2, &sc, &id2)).await {
        Ok(Some((doc, addr, chain))) => render_hazard(
            c,
            after,
            &doc,
            &addr,
            &chain,
            Some(&Flash {
                ok: false,
                text: msg,
            }),
            status,
            &typed,
        ),
        Ok(None) => not_found(c.lang, Some(&c.user)),
        Err(e) => error_page(c.lang, Some(&c.user), e),
    }
}

// ---- reports ------------------------------------------------------------------------

pub async fn reports(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let mut p = Params(q);
    if !p.0.iter().any(|(k, _)| k == "status") {
        p.0.push(("status".into(), "pending".into()));
    }
    let l = c.lang.lang;
    let f = filter_from("report", &p, now_ms(), 0);
    let page = p.page();
    let sc = scope(&c);
    let res = blocking(move || {
        s.db.read(|tx| {
            Ok((
                query::list(tx, &sc, &f, page)?,
                query::grids_in_scope(tx, &sc)?,
            ))
        })
    })
    .await;
    let (pg, grids) = match res {
        Ok(v) => v,
        Err(e) => return error_page(c.lang, Some(&c.user), e),
    };
    let fq = filter_query(&p);
    let sts: Vec<(String, String)> = [
        ReportStatus::Pending,
        ReportStatus::Accepted,
        ReportStatus::Dismissed,
    ]
    .iter()
    .map(|x| (x.as_str().to_string(), x.label(l).to_string()))
    .collect();
    let mut b = format!(
        "<h1>{}</h1><form class=\"filters\" method=\"get\"><label>{}<select name=\"status\">{}</select></label>{}<button>{}</button></form>{}\
         <table class=\"list\" data-nav><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(l, "群众上报", "Report inbox"),
        t(l, "状态", "Status"),
        html::options(l, p.get("status"), &sts),
        grid_select(l, &grids, p.get("grid")),
        t(l, "筛选", "Filter"),
        export_links(l, "reports", &fq),
        t(l, "上报时间", "Reported"),
        t(l, "地址", "Address"),
        t(l, "内容", "Text"),
        t(l, "上报人", "Reporter"),
        t(l, "状态", "Status"),
    );
    for (id, r) in &pg.rows {
        let st = ReportStatus::parse(jstr(r, "status"));
        b.push_str(&format!(
            "<tr data-href=\"/console/reports/{}\"><td>{}</td><td>{}</td><td><a href=\"/console/reports/{}\">{}</a></td><td>{}</td><td>{}</td></tr>",
            html::url(id),
            html::datetime(r.get("created_at").and_then(Value::as_i64).unwrap_or(0)),
            esc(jstr(r, "address_text")),
            html::url(id),
            esc(&jstr(r, "text").chars().take(60).collect::<String>()),
            esc(jstr(r, "reporter")),
            st.map(|x| status_badge(x.as_str(), x.label(l))).unwrap_or_default(),
        ));
    }
    if pg.rows.is_empty() {
        b.push_str(&format!(
            "<tr><td colspan=\"5\" class=\"empty\">{}</td></tr>",
            t(l, "没有符合条件的上报。", "No reports match.")
        ));
    }
    b.push_str("</tbody></table>");
    b.push_str(&html::pager(
        l,
        "/console/reports",
        &fq,
        page,
        pg.total,
        PAGE_SIZE,
    ));
    let flash = p.get("ok").and_then(|k| flash_for(k, l));
    respond(
        &c,
        Nav::Reports,
        t(l, "群众上报", "Reports"),
        flash.as_ref(),
        &b,
    )
}

fn render_report(
    c: &Console,
    r: &Report,
    flash: Option<&Flash>,
    status: StatusCode,
    typed: &Params,
) -> Response {
    let l = c.lang.lang;
    let csrf = html::csrf_field(&c.user);
    let id_u = html::url(&r.id);
    let mut b = format!(
        "<p class=\"crumbs\"><a href=\"/console/reports\">{}</a> ›</p><h1>{} {}</h1>\
         <dl class=\"facts\"><dt>{}</dt><dd><a href=\"/console/addresses/{}\">{}</a></dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>{}",
        t(l, "群众上报", "Report inbox"),
        t(l, "上报", "Report"),
        status_badge(r.status.as_str(), r.status.label(l)),
        t(l, "地址", "Address"),
        html::url(&r.address_code),
        esc(&r.address_text),
        t(l, "内容", "Text"),
        esc(&r.text),
        t(l, "上报人", "Reporter"),
        esc(&r.reporter),
        t(l, "时间", "Time"),
        html::datetime(r.created_at),
        photos_html(&r.photos),
    );
    if let Some(n) = &r.decision_note {
        b.push_str(&format!(
            "<p class=\"comment\">{}：{}</p>",
            t(l, "处理说明", "Decision note"),
            esc(n)
        ));
    }
    if r.status != ReportStatus::Pending {
        b.push_str(&format!("<p>{}：{}</p>", t(l, "积分", "Points"), r.points));
        if let Some(h) = &r.hazard_id {
            b.push_str(&format!(
                "<p><a href=\"/console/hazards/{}\">{}</a></p>",
                html::url(h),
                t(l, "查看由此生成的隐患", "Open the hazard made from it")
            ));
        }
    } else {
        let cats: Vec<(String, String)> = HAZARD_CATEGORIES
            .iter()
            .map(|c| (c.to_string(), hazard_category_label(c, l)))
            .collect();
        let sev_opts: String = Severity::ALL
            .iter()
            .map(|x| {
                format!(
                    "<option value=\"{}\"{}>{}</option>",
                    x.as_str(),
                    if *x == Severity::Medium {
                        " selected"
                    } else {
                        ""
                    },
                    x.label(l)
                )
            })
            .collect();
        b.push_str(&format!(
            "<section class=\"card actions\"><form method=\"post\" action=\"/console/reports/{id_u}/decide\" class=\"stack\" id=\"accept\">{csrf}\
             <input type=\"hidden\" name=\"decision\" value=\"accept\"><h3>{}</h3>\
             <label>{}<input type=\"number\" name=\"points\" min=\"0\" max=\"{}\" value=\"{}\"></label>\
             <label>{}<textarea name=\"note\" rows=\"2\"></textarea></label>\
             <label class=\"check\"><input type=\"checkbox\" name=\"make_hazard\" value=\"1\">{}</label>\
             <label>{}<select name=\"category\">{}</select></label><label>{}<select name=\"severity\">{}</select></label>\
             <button class=\"primary\">{}</button></form>\
             <form method=\"post\" action=\"/console/reports/{id_u}/decide\" class=\"stack\" id=\"dismiss\">{csrf}\
             <input type=\"hidden\" name=\"decision\" value=\"dismiss\"><h3>{}</h3>\
             <label>{}<textarea name=\"note\" rows=\"2\">{}</textarea></label><button>{}</button></form></section>",
            t(l, "采纳", "Accept"),
            t(l, "奖励积分", "Points"),
            logic::MAX_REPORT_POINTS,
            esc(typed.get("points").unwrap_or("5")),
            t(l, "说明（可选）", "Note (optional)"),
            t(l, "同时登记为隐患", "Also record it as a hazard"),
            t(l, "隐患类别", "Category"),
            html::options(l, None, &cats).replacen("<option value=\"\">", "<option value=\"\" disabled>", 1),
            t(l, "等级", "Severity"),
            sev_opts,
            t(l, "采纳", "Accept"),
            t(l, "不采纳", "Dismiss"),
            t(l, "原因（必填，志愿者可见）", "Reason (required; the volunteer sees it)"),
            if typed.get("decision") == Some("dismiss") { esc(typed.get("note").unwrap_or("")) } else { String::new() },
            t(l, "不采纳", "Dismiss"),
        ));
    }
    c.lang.apply(html_response(
        status,
        html::page(
            l,
            Some(&c.user),
            Nav::Reports,
            t(l, "上报", "Report"),
            flash,
            &b,
        ),
    ))
}

fn load_report(s: &AppState, sc: &GridScope, id: &str) -> Result<Option<Report>> {
    s.db.read(|tx| {
        query::get_in_scope(tx, sc, "report", id)?
            .map(|r| serde_json::from_value(r.body).map_err(|e| ApiError::internal(e.to_string())))
            .transpose()
    })
}

pub async fn report(State(s): State<AppState>, c: Console, Path(id): Path<String>) -> Response {
    let sc = scope(&c);
    match blocking(move || load_report(&s, &sc, &id)).await {
        Ok(Some(r)) => render_report(&c, &r, None, StatusCode::OK, &Params(Vec::new())),
        Ok(None) => not_found(c.lang, Some(&c.user)),
        Err(e) => error_page(c.lang, Some(&c.user), e),
    }
}

pub async fn decide_report(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Response {
    let p = Params(f);
    if let Err(r) = csrf_checked(&c, &p) {
        return *r;
    }
    let l = c.lang.lang;
    let accept = p.get("decision") == Some("accept");
    let points = match p.get("points").map(str::parse::<i64>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => -1,
    };
    let hazard = (accept && p.get("make_hazard").is_some()).then(|| {
        (
            p.get("category").unwrap_or("social.dispute").to_string(),
            p.get("severity")
                .and_then(Severity::parse)
                .unwrap_or(Severity::Medium),
        )
    });
    let d = logic::ReportDecision {
        accept,
        note: p.get("note").map(String::from),
        points,
        hazard,
    };
    let sc = scope(&c);
    let (s2, user, id2, sc2) = (s.clone(), c.user.clone(), id.clone(), sc.clone());
    let res = blocking(move || {
        s2.db.write(|tx| {
            if query::get_in_scope(tx, &sc2, "report", &id2)?.is_none() {
                return Err(ApiError::not_found("not found"));
            }
            match logic::decide_report(tx, &user.ctx(), &id2, &d, now_ms())? {
                Ok(_) => logic::audit(
                    tx,
                    &user.name,
                    Some(logic::CONSOLE_DEVICE),
                    if d.accept {
                        "report_accept"
                    } else {
                        "report_dismiss"
                    },
                    "report",
                    &id2,
                    Some(&json!({ "points": d.points, "note": d.note })),
                ),
                Err(r) => Err(refused(r, l)),
            }
        })
    })
    .await;
    match res {
        Ok(()) => redirect(if accept {
            "/console/reports?ok=accepted"
        } else {
            "/console/reports?ok=dismissed"
        }),
        Err(e) if e.status == StatusCode::NOT_FOUND => not_found(c.lang, Some(&c.user)),
        Err(e) if e.status.is_client_error() => {
            let id2 = id.clone();
            match blocking(move || load_report(&s, &sc, &id2)).await {
                Ok(Some(r)) => render_report(
                    &c,
                    &r,
                    Some(&Flash {
                        ok: false,
                        text: e.message,
                    }),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &p,
                ),
                Ok(None) => not_found(c.lang, Some(&c.user)),
                Err(e) => error_page(c.lang, Some(&c.user), e),
            }
        }
        Err(e) => error_page(c.lang, Some(&c.user), e),
    }
}

// ---- door plates --------------------------------------------------------------------

pub async fn addresses(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    let l = c.lang.lang;
    let text = p
        .get("q")
        .unwrap_or("")
        .chars()
        .take(100)
        .collect::<String>();
    let sc = scope(&c);
    let t2 = text.clone();
    let res = blocking(move || {
        s.db.read(|tx| {
            Ok((
                query::search_addresses(tx, &sc, &t2, 100)?,
                query::grids_in_scope(tx, &sc)?,
            ))
        })
    })
    .await;
    let (rows, grids) = match res {
        Ok(v) => v,
        Err(e) => return error_page(c.lang, Some(&c.user), e),
    };
    let grid_opts: Vec<(String, String)> = grids
        .iter()
        .map(|(c, n, _)| (c.clone(), n.clone()))
        .collect();
    let mut b = format!(
        "<h1>{}</h1><form class=\"filters\" method=\"get\"><label>{}<input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"{}\" autofocus></label><button>{}</button></form>",
        t(l, "门牌管理", "Door plates"),
        t(
            l,
            "搜索地址、门牌编号",
            "Search addresses and plate serials"
        ),
        esc(&text),
        t(l, "如：建设路12号", "e.g. 建设路12号"),
        t(l, "搜索", "Search"),
    );
    if !text.is_empty() {
        b.push_str(&format!(
            "<table class=\"list\" data-nav><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(l, "地址", "Address"),
            t(l, "门牌编号", "Plate serial"),
            t(l, "地址编码", "Code")
        ));
        for (code, a) in &rows {
            b.push_str(&format!(
                "<tr data-href=\"/console/addresses/{0}\"><td><a href=\"/console/addresses/{0}\">{1}</a></td><td>{2}</td><td>{3}</td></tr>",
                html::url(code),
                esc(jstr(a, "full_text")),
                esc(jstr(a, "plate_serial")),
                esc(code)
            ));
        }
        if rows.is_empty() {
            b.push_str(&format!(
                "<tr><td colspan=\"3\" class=\"empty\">{}</td></tr>",
                t(l, "没有找到匹配的地址。", "No address matches.")
            ));
        }
        b.push_str("</tbody></table>");
    }
    b.push_str(&format!(
        "<section class=\"card\"><h2>{}</h2><form method=\"get\" action=\"/console/plates\" class=\"filters\"><label>{}<select name=\"grid\">{}</select></label><button>{}</button></form></section>",
        t(l, "打印门牌二维码", "Print plate QR sheets"),
        t(l, "网格", "Grid"),
        html::options(l, None, &grid_opts).replacen("<option value=\"\">", "<option value=\"\" disabled>", 1),
        t(l, "生成打印页", "Make the sheet"),
    ));
    respond(
        &c,
        Nav::Addresses,
        t(l, "门牌管理", "Door plates"),
        None,
        &b,
    )
}

pub async fn address(State(s): State<AppState>, c: Console, Path(code): Path<String>) -> Response {
    let l = c.lang.lang;
    let sc = scope(&c);
    let res = blocking(move || {
        s.db.read(|tx| {
            let Some(a) = query::get_in_scope(tx, &sc, "address", &code)? else {
                return Ok(None);
            };
            Ok(Some((a.body, query::at_address(tx, &code)?)))
        })
    })
    .await;
    let (a, items) = match res {
        Ok(Some(v)) => v,
        Ok(None) => return not_found(c.lang, Some(&c.user)),
        Err(e) => return error_page(c.lang, Some(&c.user), e),
    };
    let mut b = format!(
        "<p class=\"crumbs\"><a href=\"/console/addresses\">{}</a> ›</p><h1>{}</h1>\
         <dl class=\"facts\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        t(l, "门牌管理", "Door plates"),
        esc(jstr(&a, "full_text")),
        t(l, "地址编码", "Code"),
        esc(jstr(&a, "code")),
        t(l, "门牌编号", "Plate serial"),
        esc(jstr(&a, "plate_serial")),
        t(l, "坐标", "Coordinates"),
        match (
            a.get("lat").and_then(Value::as_f64),
            a.get("lon").and_then(Value::as_f64)
        ) {
            (Some(la), Some(lo)) => format!("{la:.5}, {lo:.5}"),
            _ => "—".into(),
        },
    );
    b.push_str(&format!(
        "<h2>{}</h2>",
        t(
            l,
            "一标多实：此地址的实有人口、房屋与单位",
            "Everything at this address"
        )
    ));
    for kind in [
        EntityKind::Household,
        EntityKind::Person,
        EntityKind::RentalUnit,
        EntityKind::Business,
    ] {
        let ents: Vec<_> = items
            .iter()
            .filter(|(k, _, _)| k == kind.as_str())
            .collect();
        if ents.is_empty() {
            continue;
        }
        b.push_str(&format!(
            "<h3>{} ({})</h3><table class=\"list\"><tbody>",
            kind.label(l),
            ents.len()
        ));
        for (_, id, body) in ents {
            let fields = body
                .pointer("/state/fields")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            format!(
                                "{}：{}",
                                esc(k),
                                esc(&v
                                    .as_str()
                                    .map(String::from)
                                    .unwrap_or_else(|| v.to_string()))
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" · ")
                })
                .unwrap_or_default();
            b.push_str(&format!(
                "<tr><td class=\"mono\">{}</td><td>{}</td></tr>",
                esc(id),
                fields
            ));
        }
        b.push_str("</tbody></table>");
    }
    let mut history: Vec<(i64, String)> = Vec::new();
    for (k, id, body) in &items {
        match k.as_str() {
            "inspection" => history.push((
                body.get("started_at").and_then(Value::as_i64).unwrap_or(0),
                format!(
                    "<a href=\"/console/inspections/{}\">{}</a> · {} · {}",
                    html::url(id),
                    t(l, "检查", "inspection"),
                    esc(jstr(body, "inspector")),
                    ReviewStatus::parse(jstr(body, "review_status"))
                        .map(|r| r.label(l))
                        .unwrap_or("")
                ),
            )),
            "hazard" => {
                let h = body.get("hazard").cloned().unwrap_or(Value::Null);
                history.push((
                    h.get("created_at").and_then(Value::as_i64).unwrap_or(0),
                    format!(
                        "<a href=\"/console/hazards/{}\">{}</a> · {} · {}",
                        html::url(id),
                        t(l, "隐患", "hazard"),
                        esc(&hazard_category_label(jstr(&h, "category"), l)),
                        HazardStatus::parse(jstr(&h, "status"))
                            .map(|x| x.label(l))
                            .unwrap_or("")
                    ),
                ))
            }
            "report" => history.push((
                body.get("created_at").and_then(Value::as_i64).unwrap_or(0),
                format!(
                    "<a href=\"/console/reports/{}\">{}</a> · {} · {}",
                    html::url(id),
                    t(l, "上报", "report"),
                    esc(&jstr(body, "text").chars().take(40).collect::<String>()),
                    ReportStatus::parse(jstr(body, "status"))
                        .map(|x| x.label(l))
                        .unwrap_or("")
                ),
            )),
            _ => {}
        }
    }
    history.sort_by_key(|h| std::cmp::Reverse(h.0));
    b.push_str(&format!(
        "<h2>{}</h2><ol class=\"timeline\">",
        t(l, "走访、隐患与上报记录", "Visits, hazards and reports")
    ));
    for (at, line) in &history {
        b.push_str(&format!(
            "<li><time>{}</time> {}</li>",
            html::datetime(*at),
            line
        ));
    }
    if history.is_empty() {
        b.push_str(&format!(
            "<li class=\"empty\">{}</li>",
            t(l, "暂无记录。", "Nothing yet.")
        ));
    }
    b.push_str("</ol>");
    respond(&c, Nav::Addresses, t(l, "地址", "Address"), None, &b)
}

pub const PLATES_PER_SHEET: i64 = 24;

pub async fn plates(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    let l = c.lang.lang;
    let page = p.page();
    let sc = scope(&c);
    let grid = p.get("grid").unwrap_or(&c.user.grid_code).to_string();
    let res = blocking(move || {
        s.db.read(|tx| {
            let Some(path) = logic::grid_path(tx, &grid)?.filter(|p| sc.covers(p)) else {
                return Ok(None);
            };
            let issuer = logic::issuer(tx)?;
            let rows = query::addresses_page(tx, &path, page, PLATES_PER_SHEET + 1)?;
            let name = query::grid_name(tx, &grid)?.unwrap_or_default();
            Ok(Some((issuer, rows, name, grid)))
        })
    })
    .await;
    let (issuer, rows, name, grid) = match res {
        Ok(Some(v)) => v,
        Ok(None) => return not_found(c.lang, Some(&c.user)),
        Err(e) => return error_page(c.lang, Some(&c.user), e),
    };
    let now = now_ms() / 1000;
    let more = rows.len() as i64 > PLATES_PER_SHEET;
    let mut b = format!(
        "<div class=\"noprint\"><h1>{} · {}</h1><p><button onclick=\"window.print()\">{}</button> {}</p></div><div class=\"sheet\">",
        t(l, "门牌二维码", "Plate QR sheet"),
        esc(&name),
        t(l, "打印", "Print"),
        if more {
            format!(
                "<a href=\"/console/plates?grid={}&page={}\">{} ›</a>",
                html::url(&grid),
                page + 1,
                t(l, "下一张", "next sheet")
            )
        } else {
            String::new()
        },
    );
    for (_, a) in rows.iter().take(PLATES_PER_SHEET as usize) {
        let addr: gridfield_core::model::Address = match serde_json::from_value(a.clone()) {
            Ok(a) => a,
            Err(_) => continue,
        };
        let plate = PlateData {
            address_code: addr.code.clone(),
            plate_serial: addr
                .plate_serial
                .clone()
                .unwrap_or_else(|| addr.code.clone()),
            grid_code: addr.grid_code.clone(),
            address_text: addr.full_text.clone(),
            issued_at: now,
        };
        let Ok(signed) = issuer.sign(&plate) else {
            continue;
        };
        let svg = qrcode::QrCode::new(signed.as_bytes())
            .map(|q| {
                q.render::<qrcode::render::svg::Color>()
                    .min_dimensions(160, 160)
                    .quiet_zone(true)
                    .build()
            })
            .unwrap_or_default();
        // The renderer emits an XML declaration; inline SVG must not carry one.
        let svg = svg
            .split_once("?>")
            .map(|(_, r)| r.to_string())
            .unwrap_or(svg);
        b.push_str(&format!(
            "<figure class=\"plate\" data-plate=\"{}\">{}<figcaption><strong>{}</strong><span>{}</span><span class=\"mono\">{}</span></figcaption></figure>",
            esc(&signed),
            svg,
            esc(&plate.plate_serial),
            esc(&addr.full_text),
            esc(&addr.code)
        ));
    }
    b.push_str("</div>");
    respond(
        &c,
        Nav::Addresses,
        t(l, "门牌二维码", "Plate sheet"),
        None,
        &b,
    )
}

// ---- conflicts and audit ------------------------------------------------------------

pub async fn conflicts(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    let l = c.lang.lang;
    let page = p.page();
    let sc = scope(&c);
    let rows = match blocking(move || s.db.read(|tx| query::conflicts(tx, &sc, page))).await {
        Ok(v) => v,
        Err(e) => return error_page(c.lang, Some(&c.user), e),
    };
    let mut b = format!(
        "<h1>{}</h1><p class=\"hint\">{}</p><table class=\"list\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(l, "冲突记录", "Conflict log"),
        t(
            l,
            "两台设备同时修改同一字段时，被覆盖的值保存在这里。",
            "When two devices changed the same field concurrently, the overwritten value is kept here."
        ),
        t(l, "时间", "When"),
        t(l, "对象", "Record"),
        t(l, "字段", "Field"),
        t(l, "保留值", "Kept"),
        t(l, "保留自设备", "Kept from"),
        t(l, "被覆盖值", "Overwritten"),
        t(l, "被覆盖设备", "Overwritten from"),
    );
    for r in &rows {
        b.push_str(&format!(
            "<tr><td>{}</td><td>{} <span class=\"mono\">{}</span></td><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"mono\">{}</td></tr>",
            html::datetime(r.at),
            esc(&r.kind),
            esc(&r.entity_id),
            esc(&r.field),
            esc(&r.kept),
            esc(&r.kept_device),
            esc(&r.lost),
            esc(&r.lost_device)
        ));
    }
    if rows.is_empty() {
        b.push_str(&format!(
            "<tr><td colspan=\"7\" class=\"empty\">{}</td></tr>",
            t(l, "暂无冲突。", "No conflicts.")
        ));
    }
    b.push_str("</tbody></table>");
    b.push_str(&simple_pager(
        l,
        "/console/conflicts",
        page,
        rows.len() as i64,
    ));
    respond(&c, Nav::Conflicts, t(l, "冲突记录", "Conflicts"), None, &b)
}

fn simple_pager(l: Lang, base: &str, page: i64, n: i64) -> String {
    let mut h = String::from("<p class=\"pager\">");
    if page > 0 {
        h.push_str(&format!(
            "<a rel=\"prev\" href=\"{base}?page={}\">‹ {}</a> ",
            page - 1,
            t(l, "上一页", "previous")
        ));
    }
    if n == PAGE_SIZE {
        h.push_str(&format!(
            "<a rel=\"next\" href=\"{base}?page={}\">{} ›</a>",
            page + 1,
            t(l, "下一页", "next")
        ));
    }
    h.push_str("</p>");
    h
}

pub async fn audit(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    let l = c.lang.lang;
    let page = p.page();
    let sc = scope(&c);
    let rows = match blocking(move || s.db.read(|tx| query::audit(tx, &sc, page))).await {
        Ok(v) => v,
        Err(e) => return error_page(c.lang, Some(&c.user), e),
    };
    let mut b = format!(
        "<h1>{}</h1><table class=\"list\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(l, "审计记录", "Audit trail"),
        t(l, "时间", "When"),
        t(l, "操作人", "Who"),
        t(l, "设备", "Device"),
        t(l, "操作", "Action"),
        t(l, "对象", "Record"),
        t(l, "详情", "Detail"),
    );
    for r in &rows {
        b.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{} <span class=\"mono\">{}</span></td><td class=\"mono\">{}</td></tr>",
            html::datetime(r.at),
            esc(&r.actor),
            esc(r.device.as_deref().unwrap_or("")),
            esc(&r.action),
            esc(&r.kind),
            esc(&r.entity_id),
            esc(r.detail.as_deref().unwrap_or(""))
        ));
    }
    b.push_str("</tbody></table>");
    b.push_str(&simple_pager(l, "/console/audit", page, rows.len() as i64));
    respond(&c, Nav::Audit, t(l, "审计记录", "Audit"), None, &b)
}

// ---- exports and photos -------------------------------------------------------------

pub async fn export(
    State(s): State<AppState>,
    c: Console,
    Path(file): Path<String>,
    Query(q): Query<Pairs>,
) -> Response {
    let (kind, format) = match file.as_str() {
        "inspections.csv" => ("inspection", Format::Csv),
        "inspections.xlsx" => ("inspection", Format::Xlsx),
        "hazards.csv" => ("hazard", Format::Csv),
        "hazards.xlsx" => ("hazard", Format::Xlsx),
        "reports.csv" => ("report", Format::Csv),
        "reports.xlsx" => ("report", Format::Xlsx),
        _ => return not_found(c.lang, Some(&c.user)),
    };
    let p = Params(q);
    let f = filter_from(kind, &p, now_ms(), s.console.escalate_after_ms);
    let stamp = html::date(now_ms()).replace('-', "");
    let (ctype, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let body = export::stream(s.clone(), scope(&c), f, format, c.lang.lang);
    (
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{kind}s-{stamp}.{ext}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

pub async fn photo(State(s): State<AppState>, c: Console, Path(hash): Path<String>) -> Response {
    if !gridfield_core::photo::is_valid_hash(&hash) {
        return not_found(c.lang, Some(&c.user));
    }
    // A photo is served only when a record in the user's grids refers to it:
    // knowing a hash from elsewhere must not open another grid's photo.
    let path = c.user.grid_path.clone();
    let found = blocking(move || {
        s.db.read(|tx| {
            if logic::photo_in_scope(tx, &hash, &path)? {
                logic::get_blob(tx, &hash)
            } else {
                Ok(None)
            }
        })
    })
    .await;
    match found {
        Ok(Some((mime, data))) => {
            // Only images are shown inline; anything else downloads as bytes.
            let mime = if mime.starts_with("image/") {
                mime
            } else {
                "application/octet-stream".into()
            };
            (
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, "private, max-age=86400".to_string()),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
                ],
                data,
            )
                .into_response()
        }
        Ok(None) => not_found(c.lang, Some(&c.user)),
        Err(e) => error_page(c.lang, Some(&c.user), e),
    }
}
