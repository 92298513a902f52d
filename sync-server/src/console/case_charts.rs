//! The dashboard's case figures: cases by type and by status, the on-time rate by
//! department and by level (closed within the deadline / closed), and the share
//! of disputes settled at each tier with the average days to settle. Each bar
//! links to the list behind it.

use std::collections::BTreeMap;

use gridfield_core::case::{self, CaseAction, CaseStatus, Handler, Tier};
use gridfield_core::i18n::Lang;
use gridfield_core::taxonomy::Taxonomy;

use super::case_msg::CaseMsg;
use super::case_query::{self as cq, CaseFilter};
use super::chart::{self, Bar};
use super::html;
use crate::db::Tx;
use crate::db::records::CaseDoc;
use crate::error::Result;
use crate::rules;

const DAY: f64 = 86_400_000.0;

/// Whether a finished case was finished by the deadline in force before the
/// finishing step; `None` when it has not been finished.
fn on_time(d: &CaseDoc) -> Option<(bool, Option<Handler>, String)> {
    let i = d
        .events
        .iter()
        .rposition(|e| e.action == Some(CaseAction::Finish))?;
    let fin = &d.events[i];
    let due = d.events[..i].iter().rev().find_map(|e| e.deadline);
    let handler = d.events[..i].iter().rev().find_map(|e| e.handler.clone());
    Some((
        due.is_none_or(|t| fin.at <= t),
        handler,
        fin.owner_path.clone(),
    ))
}

fn share(l: Lang, label: String, n: i64, total: i64, href: String) -> Bar {
    let (value, text) = if total == 0 {
        (0.0, CaseMsg::NoData.text(l))
    } else {
        (
            n as f64 * 100.0 / total as f64,
            CaseMsg::Share { n, total }.text(l),
        )
    };
    Bar {
        label,
        value,
        text,
        href,
    }
}

/// The charts, rendered, for the cases in `scope_path`.
pub fn charts(tx: &mut dyn Tx, scope_path: &str, l: Lang) -> Result<Vec<String>> {
    let docs = cq::all(
        tx,
        &CaseFilter {
            grid_path: Some(scope_path.to_string()),
            ..CaseFilter::default()
        },
    )?;
    let taxonomy: Taxonomy = rules::taxonomy::case(tx)?;
    let depts = rules::cases::departments(tx)?;
    let mut by_type: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_status: BTreeMap<&str, i64> = BTreeMap::new();
    let mut by_dept: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut by_level: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    // Per tier: settled disputes and the days they took.
    let mut tiers: BTreeMap<Tier, (i64, f64)> = BTreeMap::new();
    let mut settled_total = 0;
    let mut leaf: BTreeMap<String, bool> = BTreeMap::new();
    for d in &docs {
        let k = &d.case;
        let top = k.case_type.split('.').next().unwrap_or("").to_string();
        *by_type.entry(top).or_default() += 1;
        *by_status.entry(k.status.as_str()).or_default() += 1;
        if let Some((ok, handler, owner)) = on_time(d) {
            let inc = |e: &mut (i64, i64)| {
                e.1 += 1;
                if ok {
                    e.0 += 1;
                }
            };
            if let Some(Handler::Department(code)) = handler {
                inc(by_dept.entry(code).or_default());
            }
            inc(by_level.entry(owner).or_default());
        }
        if let Some(p) = k.dispute.as_ref().and_then(|x| x.settled_path.as_ref()) {
            let is_leaf = match leaf.get(p) {
                Some(v) => *v,
                None => {
                    let v = cq::is_leaf(tx, p)?;
                    leaf.insert(p.clone(), v);
                    v
                }
            };
            let fin = d
                .events
                .iter()
                .rev()
                .find(|e| e.action == Some(CaseAction::Finish))
                .map_or(k.updated_at, |e| e.at);
            let e = tiers.entry(Tier::of(p, is_leaf)).or_default();
            e.0 += 1;
            e.1 += (fin - k.created_at).max(0) as f64 / DAY;
            settled_total += 1;
        }
    }
    let types: Vec<Bar> = by_type
        .iter()
        .map(|(t, n)| Bar {
            label: taxonomy.category_label(t, l),
            value: *n as f64,
            text: n.to_string(),
            href: format!("/console/cases?type={}", html::url(t)),
        })
        .collect();
    let statuses: Vec<Bar> = CaseStatus::ALL
        .iter()
        .map(|s| {
            let n = by_status.get(s.as_str()).copied().unwrap_or(0);
            Bar {
                label: s.label(l).to_string(),
                value: n as f64,
                text: n.to_string(),
                href: format!("/console/cases?status={}", s.as_str()),
            }
        })
        .collect();
    let dept_bars: Vec<Bar> = by_dept
        .iter()
        .map(|(code, (ok, total))| {
            let name = depts
                .iter()
                .find(|d| &d.code == code)
                .map_or_else(|| code.clone(), |d| d.label(l).to_string());
            share(l, name, *ok, *total, "/console/cases?status=closed".into())
        })
        .collect();
    let mut level_bars = Vec::new();
    for (path, (ok, total)) in &by_level {
        let name = super::cases::level_name(tx, path)?;
        let href = format!("/console/cases?level={}", html::url(path));
        level_bars.push(share(l, name, *ok, *total, href));
    }
    let tier_bars: Vec<Bar> = Tier::ALL
        .iter()
        .map(|t| {
            let (n, days) = tiers.get(t).copied().unwrap_or((0, 0.0));
            let mut b = share(
                l,
                t.label(l).to_string(),
                n,
                settled_total,
                format!("/console/cases?type={}", case::DISPUTE),
            );
            if n > 0 {
                b.text = CaseMsg::SettledShare {
                    n,
                    total: settled_total,
                    days: days / n as f64,
                }
                .text(l);
            }
            b
        })
        .collect();
    let t = |m: CaseMsg| m.text(l);
    Ok(vec![
        chart::rows_scaled(&t(CaseMsg::ChartSettledByTier), &tier_bars, Some(100.0)),
        chart::rows_scaled(&t(CaseMsg::ChartCasesByType), &types, None),
        chart::rows_scaled(&t(CaseMsg::ChartCasesByStatus), &statuses, None),
        chart::rows_scaled(
            &t(CaseMsg::ChartOnTimeByDepartment),
            &dept_bars,
            Some(100.0),
        ),
        chart::rows_scaled(&t(CaseMsg::ChartOnTimeByLevel), &level_bars, Some(100.0)),
    ])
}
