//! The dashboard's case figures: cases by type and by status, the on-time rate by
//! department and by level (finished within the deadline / finished), and the
//! share of disputes settled at each tier with the average days to settle. Each
//! bar links to the list behind it. Counted in SQL (indexes and side tables of
//! migration 011): a city's year of cases is never read into memory. Cases count
//! when reported within the dashboard's range, finishes when finished in it.

use std::collections::BTreeMap;

use gridfield_core::case::{self, CaseStatus, Tier};
use gridfield_core::i18n::Lang;
use gridfield_core::taxonomy::Taxonomy;

use super::case_msg::CaseMsg;
use super::case_query as cq;
use super::chart::{self, Bar};
use super::dashboard_query::Range;
use super::html;
use crate::db::Tx;
use crate::error::Result;
use crate::rules;

const DAY: f64 = 86_400_000.0;

fn share(l: Lang, label: String, n: i64, total: i64, href: String) -> Bar {
    let (value, text) = if total == 0 {
        (0.0, "—".to_string())
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

/// The level a figure of `scope` counts `owner` under: the scope itself, or the
/// level right below it that holds `owner` (a city's towns, a town's villages).
fn rolled_up(scope: &str, owner: &str) -> String {
    match owner.strip_prefix(scope) {
        Some(rest) if !rest.is_empty() => {
            let child = rest.split('/').find(|s| !s.is_empty()).unwrap_or("");
            format!("{scope}{child}/")
        }
        _ => scope.to_string(),
    }
}

/// The charts, rendered, for the cases in `scope_path` within the range.
pub fn charts(tx: &mut dyn Tx, scope_path: &str, l: Lang, r: Range) -> Result<Vec<String>> {
    let taxonomy: Taxonomy = rules::taxonomy::case(tx)?;
    let depts = rules::cases::departments(tx)?;
    let mut by_type: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
    for (t, status, n) in cq::count_by_type_status(tx, scope_path, r)? {
        let top = t.split('.').next().unwrap_or("").to_string();
        *by_type.entry(top).or_default() += n;
        *by_status.entry(status).or_default() += n;
    }
    let mut by_dept: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut by_level: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for g in cq::finishes(tx, scope_path, r)? {
        let add = |e: &mut (i64, i64)| {
            e.0 += g.on_time;
            e.1 += g.total;
        };
        if let Some(code) = &g.department {
            add(by_dept.entry(code.clone()).or_default());
        }
        add(by_level
            .entry(rolled_up(scope_path, &g.owner_path))
            .or_default());
    }
    // Per tier: settled disputes and the days they took.
    let parents = cq::parent_codes(tx)?;
    let mut tiers: BTreeMap<Tier, (i64, f64)> = BTreeMap::new();
    let mut settled_total = 0;
    for (path, n, ms) in cq::settled(tx, scope_path, r)? {
        let is_leaf = !parents.contains(case::owner_code(&path));
        let e = tiers.entry(Tier::of(&path, is_leaf)).or_default();
        e.0 += n;
        e.1 += ms.max(0) as f64 / DAY;
        settled_total += n;
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
