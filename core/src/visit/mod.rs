//! 走访计划 (visit plans): which entities are visited how often with which
//! checklist, as versioned rules an administrator loads per grid subtree, and the
//! one computation of what is due — the phone's offline list, the CLI and the
//! server's coverage all call [`rule_for`] and [`due_on`].

mod file;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::address::{Address, EntityKind};
use crate::i18n::Lang;

pub use file::{Problem, RuleError, parse_interval, parse_rules};

/// A day in China Standard Time (UTC+8), counted from 1970-01-01: the unit of
/// "due", so that a visit due "today" means the worker's today, wherever the
/// server runs.
pub type Day = i64;

const DAY_MS: i64 = 86_400_000;
const CST_OFFSET_MS: i64 = 8 * 3_600_000;

/// The day (UTC+8) a millisecond timestamp falls on.
pub fn day_of(ms: i64) -> Day {
    (ms + CST_OFFSET_MS).div_euclid(DAY_MS)
}

/// The first millisecond of a day (UTC+8).
pub fn day_start_ms(day: Day) -> i64 {
    day * DAY_MS - CST_OFFSET_MS
}

/// The Sunday ending the (Monday-first) week a day is in.
pub fn end_of_week(day: Day) -> Day {
    // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
    day + (6 - (day + 3).rem_euclid(7))
}

/// The rules as one versioned document, synced to devices like a taxonomy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitRules {
    /// Bumped by every load on the server; devices hold one version.
    pub version: i64,
    /// When these rules took effect (ms): an entity never visited is due one
    /// interval after it.
    pub effective_from: i64,
    pub rules: Vec<VisitRule>,
    /// Sent to a device: the grids above its scope, root first. The device holds
    /// none of them, yet their rules cover its grids: its grid chains start here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<String>,
}

/// One rule: in `grid`'s subtree, entities of `kind` (optionally only those whose
/// risk level or business type is in `only`) are visited every `every_days` days
/// with checklist `template`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitRule {
    pub grid: String,
    pub kind: EntityKind,
    /// Rental units: risk levels (`high`); businesses: business types
    /// (`restaurant`); empty: every entity of the kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only: Vec<String>,
    pub every_days: u32,
    pub template: String,
}

impl VisitRule {
    /// The field of an entity that `only` matches, by kind.
    pub fn filter_field(kind: EntityKind) -> Option<&'static str> {
        match kind {
            EntityKind::RentalUnit => Some("risk_level"),
            EntityKind::Business => Some("kind"),
            EntityKind::Household | EntityKind::Person => None,
        }
    }

    /// The interval as people say it (每月 / monthly for 30 days, …).
    pub fn interval_label(&self, lang: Lang) -> String {
        match self.every_days {
            7 => lang.pick("每周", "weekly").into(),
            30 => lang.pick("每月", "monthly").into(),
            91 => lang.pick("每季度", "quarterly").into(),
            182 => lang.pick("每半年", "half-yearly").into(),
            365 => lang.pick("每年", "yearly").into(),
            n => match lang {
                Lang::Zh => format!("每{n}天"),
                Lang::En => format!("every {n} days"),
            },
        }
    }
}

/// The rule that governs one entity: among the rules for its kind whose grid is
/// on the entity's grid chain (`chain`: grid codes from the root down to the
/// entity's own grid) and whose `only` admits `value`, the most specific by
/// [`precedence`]. `None`: the entity is not planned.
pub fn rule_for<'r>(
    rules: &'r [VisitRule],
    kind: EntityKind,
    value: Option<&str>,
    chain: &[&str],
) -> Option<&'r VisitRule> {
    rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == kind)
        .filter(|(_, r)| r.only.is_empty() || value.is_some_and(|v| r.only.iter().any(|o| o == v)))
        .filter_map(|(i, r)| {
            let depth = chain.iter().position(|g| *g == r.grid)?;
            Some((precedence(r, i, depth), r))
        })
        .max_by_key(|(k, _)| *k)
        .map(|(_, r)| r)
}

/// How specific a rule is (higher wins): the deeper grid, then a rule with
/// `only` over one without, then the shorter interval, then the earlier line.
/// `depth` counts the grids above the rule's grid.
pub fn precedence(
    r: &VisitRule,
    line: usize,
    depth: usize,
) -> (
    usize,
    bool,
    std::cmp::Reverse<u32>,
    std::cmp::Reverse<usize>,
) {
    (
        depth,
        !r.only.is_empty(),
        std::cmp::Reverse(r.every_days),
        std::cmp::Reverse(line),
    )
}

/// The rules' indices, most specific first: the order in which a query that
/// takes the first matching rule (the server's coverage SQL) agrees with
/// [`rule_for`]. `depth` gives each rule's grid depth.
pub fn by_precedence(rules: &[VisitRule], depth: impl Fn(&VisitRule) -> usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rules.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(precedence(&rules[i], i, depth(&rules[i]))));
    order
}

/// The day a visit falls due: one interval after the last submitted inspection
/// with the rule's checklist, or, never visited, one interval after the rules
/// took effect.
pub fn due_on(rule: &VisitRule, last_done_ms: Option<i64>, effective_from_ms: i64) -> Day {
    let from = last_done_ms.unwrap_or(effective_from_ms);
    day_of(from) + i64::from(rule.every_days)
}

/// Where a due visit stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Past its day (逾期).
    Overdue,
    /// Due today (今日).
    Today,
    /// Due later this week (本周).
    Week,
    /// Not yet.
    Later,
}

impl Bucket {
    pub fn of(due: Day, today: Day) -> Bucket {
        if due < today {
            Bucket::Overdue
        } else if due == today {
            Bucket::Today
        } else if due <= end_of_week(today) {
            Bucket::Week
        } else {
            Bucket::Later
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Overdue => "overdue",
            Bucket::Today => "today",
            Bucket::Week => "week",
            Bucket::Later => "later",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Bucket::Overdue => lang.pick("逾期", "overdue"),
            Bucket::Today => lang.pick("今日", "today"),
            Bucket::Week => lang.pick("本周", "this week"),
            Bucket::Later => lang.pick("以后", "later"),
        }
    }
}

/// Which due visits a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Overdue only.
    Overdue,
    /// Overdue and due today: the day's work.
    Today,
    /// Overdue, today and the rest of this week.
    Week,
    /// Everything planned, whenever due (at one address).
    All,
}

impl Window {
    pub fn admits(self, b: Bucket) -> bool {
        match self {
            Window::Overdue => b == Bucket::Overdue,
            Window::Today => b <= Bucket::Today,
            Window::Week => b <= Bucket::Week,
            Window::All => true,
        }
    }
}

/// An entity the plan may cover, as the store knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Visitable {
    pub entity_id: String,
    pub kind: EntityKind,
    /// The value `only` matches (risk level, business type).
    pub value: Option<String>,
    /// A name to show when the role may see it (a business's name).
    pub name: Option<String>,
    pub address: Address,
    /// Grid codes from the root down to the address's grid.
    pub chain: Vec<String>,
    /// The last submitted inspection of this entity with each checklist:
    /// (template id, finished at ms).
    pub last_done: Vec<(String, i64)>,
}

/// One visit due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueVisit {
    pub entity_id: String,
    pub kind: EntityKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub address_code: String,
    pub address_text: String,
    pub template: String,
    pub every_days: u32,
    /// The due day as `YYYY-MM-DD` (UTC+8).
    pub due: String,
    pub bucket: Bucket,
    /// Never visited with this checklist.
    pub never_visited: bool,
    /// Days past due (0 when not overdue).
    pub days_overdue: i64,
}

/// Where one entity stands: its rule, due day, bucket on `today` and last visit
/// with the rule's checklist; `None` when no rule covers it. What [`due_list`]
/// decides per entity, callable before the entity's address is read (the store
/// reads addresses only for the entities a window admits).
pub fn due_of<'r>(
    rules: &'r VisitRules,
    kind: EntityKind,
    value: Option<&str>,
    chain: &[&str],
    last_done: &[(String, i64)],
    today: Day,
) -> Option<DueOf<'r>> {
    let rule = rule_for(&rules.rules, kind, value, chain)?;
    let last = last_done
        .iter()
        .filter(|(t, _)| *t == rule.template)
        .map(|(_, at)| *at)
        .max();
    let due = due_on(rule, last, rules.effective_from);
    Some(DueOf {
        rule,
        due,
        bucket: Bucket::of(due, today),
        last,
    })
}

/// One entity's standing, from [`due_of`].
#[derive(Debug, Clone, Copy)]
pub struct DueOf<'r> {
    pub rule: &'r VisitRule,
    pub due: Day,
    pub bucket: Bucket,
    pub last: Option<i64>,
}

/// The due visits among `entities` on `today` that `window` admits, in walking
/// order (street, number, building, unit, room; numbers compared as numbers).
pub fn due_list(
    rules: &VisitRules,
    entities: &[Visitable],
    today: Day,
    window: Window,
) -> Vec<DueVisit> {
    // Walking keys per address and texts per day, each made once.
    let mut keys: std::collections::HashMap<&str, WalkKey> = std::collections::HashMap::new();
    let mut days: std::collections::HashMap<Day, String> = std::collections::HashMap::new();
    let mut out: Vec<DueVisit> = Vec::new();
    for e in entities {
        let chain: Vec<&str> = e.chain.iter().map(String::as_str).collect();
        let Some(d) = due_of(
            rules,
            e.kind,
            e.value.as_deref(),
            &chain,
            &e.last_done,
            today,
        ) else {
            continue;
        };
        if !window.admits(d.bucket) {
            continue;
        }
        keys.entry(e.address.code.as_str())
            .or_insert_with(|| walk_key(&e.address));
        out.push(DueVisit {
            entity_id: e.entity_id.clone(),
            kind: e.kind,
            name: e.name.clone(),
            address_code: e.address.code.clone(),
            address_text: e.address.full_text.clone(),
            template: d.rule.template.clone(),
            every_days: d.rule.every_days,
            due: days.entry(d.due).or_insert_with(|| day_text(d.due)).clone(),
            bucket: d.bucket,
            never_visited: d.last.is_none(),
            days_overdue: (today - d.due).max(0),
        });
    }
    out.sort_by(|a, b| {
        let (ka, kb) = (
            &keys[a.address_code.as_str()],
            &keys[b.address_code.as_str()],
        );
        ka.cmp(kb)
            .then_with(|| a.address_code.cmp(&b.address_code))
            .then_with(|| a.kind.as_str().cmp(b.kind.as_str()))
            .then_with(|| a.entity_id.cmp(&b.entity_id))
    });
    out
}

/// A day as `YYYY-MM-DD`.
pub fn day_text(day: Day) -> String {
    chrono::DateTime::from_timestamp(day * 86_400, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The order a worker walks addresses in: street, then number, building, unit
/// and room, each split into text and numbers so `2号楼` comes before `10号楼`.
pub type WalkKey = Vec<Vec<Part>>;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    Num(u64),
    Text(String),
}

pub fn walk_key(a: &Address) -> WalkKey {
    [&a.street, &a.number, &a.building, &a.unit, &a.room]
        .iter()
        .map(|p| natural(p.as_deref().unwrap_or("")))
        .collect()
}

fn natural(s: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut digits = String::new();
    let mut text = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            digits.push(c);
        } else {
            if !digits.is_empty() {
                parts.push(Part::Num(digits.parse().unwrap_or(u64::MAX)));
                digits.clear();
            }
            text.push(c);
        }
    }
    if !digits.is_empty() {
        parts.push(Part::Num(digits.parse().unwrap_or(u64::MAX)));
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    parts
}
