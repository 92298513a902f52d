//! What the list pages (inspections, hazards, reports) and the exports share:
//! the filter a request asks for, the query string that reproduces it, and the
//! grid choices of a filter form.

use gridfield_core::checklist::Severity;
use gridfield_core::grid::GridScope;
use gridfield_core::hazard::HazardStatus;
use gridfield_core::model::{ReportStatus, ReviewStatus};
use gridfield_core::record::RecordKind;
use serde_json::Value;

use super::Console;
use super::forms::{Params, parse_date};
use super::html::{self, Choice, choices};
use super::query::{DAY_MS, Filter, Keyset};

/// The hazard board's `status=open`: every hazard not yet closed.
pub const OPEN: &str = "open";

pub fn scope(c: &Console) -> GridScope {
    GridScope::new(&c.user.grid_path)
}

/// A string field of an untyped record body ("" when absent).
pub fn jstr<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

/// The filter a list page or export asks for; values that mean nothing for the
/// kind are dropped.
pub fn filter_from(kind: RecordKind, p: &Params, now: i64, escalate_ms: i64) -> Filter {
    let status = p.get("status").map(String::from).filter(|v| match kind {
        RecordKind::Inspection => ReviewStatus::parse(v).is_some(),
        RecordKind::Hazard => HazardStatus::parse(v).is_some(),
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
        open: kind == RecordKind::Hazard && p.get("status") == Some(OPEN),
        category: p
            .get("category")
            .filter(|c| c.len() <= 64)
            .map(String::from),
        severity: p
            .get("severity")
            .filter(|v| Severity::parse(v).is_some())
            .map(String::from),
        due_before: if kind == RecordKind::Hazard {
            due_before
        } else {
            None
        },
        from: p.get("from").and_then(parse_date),
        to: p.get("to").and_then(parse_date).map(|d| d + DAY_MS),
        address: p.get("address").map(String::from),
    }
}

/// Where a list page starts (`after=` / `before=` a key, and `page=` for its number).
pub fn keyset(p: &Params) -> Keyset {
    Keyset::parse(p.get("after"), p.get("before"), p.page())
}

/// The query string that reproduces a filter (for pages and exports).
pub fn filter_query(p: &Params) -> String {
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

/// The grids of a filter form, indented by level.
pub fn grid_choices(grids: &[(String, String, i64)], current: Option<&str>) -> Vec<Choice> {
    let pairs = grids
        .iter()
        .map(|(c, n, l)| {
            (
                c.clone(),
                format!("{}{n}", "· ".repeat((*l as usize).saturating_sub(1))),
            )
        })
        .collect();
    choices(pairs, current)
}

/// A record's address text, else its code.
pub fn address_or_code(text: &str, code: &str) -> String {
    if text.is_empty() { code } else { text }.to_string()
}
