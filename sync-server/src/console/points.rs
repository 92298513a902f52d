//! 积分 in the console: the ledger of the volunteers in scope (one volunteer's on
//! `?volunteer=`), tiered awards for a second supervisor to approve, the
//! leaderboard by grid (opted-out volunteers unnamed), double spends for the
//! admin, shop settlement (CSV/XLSX) and the shop page that checks a pasted
//! voucher and records its redemption.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridfield_core::points::{EntryState, LedgerEntry};
use gridfield_core::role::Role;
use serde_json::json;

use super::auth::ConsoleUser;
use super::errors::{decided, missing};
use super::export::{Format, write_table};
use super::forms::{Pairs, Params};
use super::html::{Flash, Frame, Nav, datetime, render};
use super::list::scope;
use super::msg::Msg;
use super::points_msg::PointsMsg as P;
use super::{AppState, Console, blocking, csrf, redirect};
use crate::error::ApiError;
use crate::rules::points::{self, Presented, Standing};
use crate::rules::{self, CONSOLE_DEVICE, now_ms};
use crate::spreadsheet::Cell;

pub struct Line {
    pub id: String,
    pub at: String,
    pub volunteer: String,
    pub kind: &'static str,
    pub points: i64,
    pub state: &'static str,
    pub reason: String,
    pub report: Option<String>,
    pub by: String,
    pub approver: String,
}

fn line(e: &LedgerEntry, l: gridfield_core::Lang) -> Line {
    Line {
        id: e.id.clone(),
        at: datetime(e.at),
        volunteer: e.volunteer.clone(),
        kind: e.kind.label(l),
        points: e.points,
        state: e.state.label(l),
        reason: e.reason.clone(),
        report: e.report_id.clone(),
        by: e.by_user.clone(),
        approver: e.approved_by.clone().unwrap_or_default(),
    }
}

pub struct Spend {
    pub voucher: String,
    pub volunteer: String,
    pub amount: i64,
    pub shop: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "console/points.html")]
struct Page<'a> {
    frame: Frame<'a>,
    user: &'a ConsoleUser,
    volunteer: String,
    balance: Option<i64>,
    awaiting: Vec<Line>,
    lines: Vec<Line>,
    board: Vec<(String, String, i64)>,
    spends: Option<Vec<Spend>>,
}

type Loaded = (
    Vec<(LedgerEntry, String)>,
    Vec<Standing>,
    Option<i64>,
    Option<Vec<points::DoubleSpend>>,
);

pub async fn page(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    let l = c.lang.lang;
    let volunteer = p.get("volunteer").unwrap_or("").trim().to_string();
    let sc = scope(&c);
    let admin = c.user.role == Role::Admin;
    let v2 = volunteer.clone();
    let res: Result<Loaded, ApiError> = blocking(move || {
        s.db.read(|tx| {
            let v = (!v2.is_empty()).then_some(v2.as_str());
            let entries = points::entries_in(tx, &sc, v, 500)?;
            // A volunteer's balance is shown only when their ledger is in scope.
            let balance = match v {
                Some(v) if entries.iter().any(|(e, _)| e.volunteer == v) => {
                    Some(points::balance(tx, v)?)
                }
                _ => None,
            };
            let spends = if admin {
                Some(points::double_spends(tx)?)
            } else {
                None
            };
            Ok((entries, points::leaderboard(tx, &sc)?, balance, spends))
        })
    })
    .await;
    let (entries, board, balance, spends) = match res {
        Ok(v) => v,
        Err(e) => return c.finish(Err(e)),
    };
    let all: Vec<Line> = entries.iter().map(|(e, _)| line(e, l)).collect();
    let view = Page {
        frame: Frame::new(l, Some(&c.user), Nav::Points, Msg::PointsText(P::Points)).with_flash(
            p.get("ok").map(|_| Flash {
                ok: true,
                text: P::Approved.text(l),
            }),
        ),
        user: &c.user,
        volunteer,
        balance,
        awaiting: entries
            .iter()
            .filter(|(e, _)| e.state == EntryState::AwaitingApproval)
            .map(|(e, _)| line(e, l))
            .collect(),
        lines: all,
        board: board
            .into_iter()
            .map(|(g, v, n)| (g, v.unwrap_or_else(|| P::Anonymous.text(l)), n))
            .collect(),
        spends: spends.map(|all| {
            all.into_iter()
                .map(|d| Spend {
                    voucher: d.voucher,
                    volunteer: d.volunteer,
                    amount: d.amount,
                    shop: d.shop,
                    at: datetime(d.at),
                })
                .collect()
        }),
    };
    render(c.lang, StatusCode::OK, &view)
}

/// A second supervisor approves a tiered award (audited).
pub async fn approve(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Response {
    let p = Params(f);
    if let Err(r) = csrf::check(&c, &p) {
        return *r;
    }
    let l = c.lang.lang;
    let user = c.user.clone();
    let res = blocking(move || {
        s.db.write(|tx| {
            let e = decided(points::approve(tx, &user.ctx(), &id, now_ms()), l)?;
            Ok(rules::audit::audit(
                tx,
                &user.name,
                Some(CONSOLE_DEVICE),
                "points_approve",
                "points",
                &id,
                Some(&json!({ "volunteer": e.volunteer, "points": e.points })),
            )?)
        })
    })
    .await;
    match res {
        Ok(()) => redirect("/console/points?ok=approved"),
        Err(e) => c.finish(Err(e)),
    }
}

/// Vouchers redeemed per shop per month, as CSV or XLSX.
pub async fn settlement(
    State(s): State<AppState>,
    c: Console,
    Path(file): Path<String>,
) -> Response {
    let (format, ctype) = match file.as_str() {
        "settlement.csv" => (Format::Csv, "text/csv; charset=utf-8"),
        "settlement.xlsx" => (
            Format::Xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => return c.finish(Err(missing())),
    };
    if !c.user.role.supervises() {
        return c.finish(Err(missing()));
    }
    let l = c.lang.lang;
    let res = blocking(move || {
        let rows = s.db.read(|tx| Ok(points::settlement(tx)?))?;
        let head: Vec<String> = [P::Month, P::Shop, P::Count, P::Amount]
            .into_iter()
            .map(|m| m.text(l))
            .collect();
        let rows: Vec<Vec<Cell>> = rows
            .into_iter()
            .map(|(m, shop, n, pts)| {
                vec![
                    Cell::Text(m),
                    Cell::Text(shop),
                    Cell::Int(n),
                    Cell::Int(pts),
                ]
            })
            .collect();
        let mut out = Vec::new();
        write_table(format, l.pick("结算", "Settlement"), &head, &rows, &mut out)?;
        Ok::<_, ApiError>(out)
    })
    .await;
    match res {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, ctype.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => c.finish(Err(e)),
    }
}

#[derive(Template)]
#[template(path = "console/shop.html")]
struct ShopPage<'a> {
    frame: Frame<'a>,
    user: &'a ConsoleUser,
    shops: Vec<(String, String, bool)>,
    payload: &'a str,
}

fn shop_page(
    c: &Console,
    shops: Vec<(String, String)>,
    p: &Params,
    flash: Option<Flash>,
) -> Response {
    let l = c.lang.lang;
    let status = match &flash {
        Some(f) if !f.ok => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let pick = p.get("shop").unwrap_or("");
    let view = ShopPage {
        frame: Frame::new(l, Some(&c.user), Nav::Points, Msg::PointsText(P::ShopCheck))
            .with_flash(flash),
        user: &c.user,
        shops: shops
            .into_iter()
            .map(|(code, name)| {
                let on = code == pick;
                (code, name, on)
            })
            .collect(),
        payload: if status == StatusCode::OK {
            ""
        } else {
            p.get("payload").unwrap_or("")
        },
    };
    render(c.lang, status, &view)
}

pub async fn shop(State(s): State<AppState>, c: Console) -> Response {
    let res = blocking(move || s.db.read(|tx| Ok(points::shops(tx)?))).await;
    c.finish(res.map(|shops| shop_page(&c, shops, &Params::default(), None)))
}

/// A shop's voucher: checked with the plates' signature code, its redemption
/// recorded (audited); a second presentation is a double spend, reversed.
pub async fn present(State(s): State<AppState>, c: Console, Form(f): Form<Pairs>) -> Response {
    let p = Params(f);
    if let Err(r) = csrf::check(&c, &p) {
        return *r;
    }
    let l = c.lang.lang;
    let payload = p.get("payload").unwrap_or("").to_string();
    let shop = p.get("shop").unwrap_or("").to_string();
    let user = c.user.name.clone();
    let s2 = s.clone();
    let res = blocking(move || {
        s2.db.write(|tx| {
            let r = points::present(tx, &user, &payload, &shop, now_ms());
            let r = match r {
                Err(rules::Error::Invalid { code, .. }) => {
                    return Ok(Err(voucher_message(code, l)));
                }
                Err(rules::Error::Refused(r)) => {
                    return Ok(Err(if l.is_en() { r.en } else { r.zh }));
                }
                other => other?,
            };
            let (action, id) = match &r {
                Presented::Redeemed(v) => ("voucher_redeem", v.id.clone()),
                Presented::DoubleSpend { voucher, .. } => {
                    ("voucher_double_spend", voucher.id.clone())
                }
            };
            rules::audit::audit(
                tx,
                &user,
                Some(CONSOLE_DEVICE),
                action,
                "voucher",
                &id,
                Some(&json!({ "shop": shop })),
            )?;
            Ok(Ok(r))
        })
    })
    .await;
    let flash = match res {
        Ok(Ok(Presented::Redeemed(v))) => Flash {
            ok: true,
            text: P::Redeemed {
                amount: v.amount,
                id: v.id,
            }
            .text(l),
        },
        Ok(Ok(Presented::DoubleSpend {
            first_shop,
            first_at,
            ..
        })) => Flash::err(
            P::DoubleSpend {
                first_shop: first_shop.unwrap_or_default(),
                first_at: datetime(first_at),
            }
            .text(l),
        ),
        Ok(Err(msg)) => Flash::err(msg),
        Err(e) if e.status.is_client_error() => Flash::err(e.message),
        Err(e) => return c.finish(Err(e)),
    };
    let res = blocking(move || s.db.read(|tx| Ok(points::shops(tx)?))).await;
    c.finish(res.map(|shops| shop_page(&c, shops, &p, Some(flash))))
}

/// A refused voucher in the console's language (the core's words).
fn voucher_message(code: &str, l: gridfield_core::Lang) -> String {
    use gridfield_core::points::VoucherError;
    if code == "unknown_shop" {
        return P::UnknownShop.text(l);
    }
    VoucherError::ALL
        .iter()
        .find(|e| e.code().ends_with(code))
        .map(|e| e.message(l).to_string())
        .unwrap_or_else(|| {
            gridfield_core::points::PointsRefusal::samples()
                .into_iter()
                .find(|r| r.code().ends_with(code))
                .map(|r| r.message(l))
                .unwrap_or_else(|| code.to_string())
        })
}
