//! The visit-rules file an administrator loads (`admin visit-rules load`): one
//! rule a line, `grid,kind,only,every,template`, `#` comments, an optional header.
//! Every line is checked; any problem refuses the whole file, each named by line.

use super::VisitRule;
use crate::address::{BUSINESS_KIND, EntityKind, RISK_LEVEL};
use crate::i18n::Lang;

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not five comma-separated columns.
    Columns(usize),
    UnknownGrid(String),
    /// Not `household`, `rental_unit` or `business`.
    UnknownKind(String),
    /// A value `only` does not know for the kind (or `only` on households).
    BadOnly(String),
    /// Not `weekly`, `monthly`, `quarterly`, `half-yearly`, `yearly` or `<N>d` (1–730).
    BadInterval(String),
    UnknownTemplate(String),
    /// The same grid, kind and `only` twice.
    Duplicate,
    /// The file holds no rule at all.
    Empty,
}

/// A problem and the line it is on (1-based; 0 for the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub line: usize,
    pub problem: Problem,
}

impl RuleError {
    /// `第 3 行：…` / `line 3: …`.
    pub fn text(&self, lang: Lang) -> String {
        let p = self.problem.text(lang);
        match (lang, self.line) {
            (_, 0) => p,
            (Lang::Zh, n) => format!("第 {n} 行：{p}"),
            (Lang::En, n) => format!("line {n}: {p}"),
        }
    }
}

impl Problem {
    pub fn text(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            Problem::Columns(n) => match zh {
                true => format!("应有 5 列（网格、类型、限定、周期、检查表），实有 {n} 列"),
                false => {
                    format!("expected 5 columns (grid, kind, only, every, template), found {n}")
                }
            },
            Problem::UnknownGrid(g) => match zh {
                true => format!("网格 “{g}” 不存在"),
                false => format!("grid \"{g}\" does not exist"),
            },
            Problem::UnknownKind(k) => match zh {
                true => format!(
                    "未知的走访对象类型 “{k}”（可用：住户 household、出租房屋 rental_unit、单位场所 business）"
                ),
                false => format!("unknown kind \"{k}\" (household, rental_unit or business)"),
            },
            Problem::BadOnly(v) => match zh {
                true => format!(
                    "限定值 “{v}” 不适用于该类型（出租房屋按风险等级，单位场所按类型，住户不可限定）"
                ),
                false => format!(
                    "\"{v}\" cannot narrow this kind (rental units by risk level, businesses by type, households not at all)"
                ),
            },
            Problem::BadInterval(v) => match zh {
                true => format!(
                    "周期 “{v}” 无效（每周 weekly、每月 monthly、每季度 quarterly、每半年 half-yearly、每年 yearly，或 1 到 730 天如 45d）"
                ),
                false => format!(
                    "bad interval \"{v}\" (weekly, monthly, quarterly, half-yearly, yearly, or 1 to 730 days such as 45d)"
                ),
            },
            Problem::UnknownTemplate(t) => match zh {
                true => format!("检查表模板 “{t}” 不存在"),
                false => format!("checklist template \"{t}\" does not exist"),
            },
            Problem::Duplicate => match zh {
                true => "与前面某行的网格、类型和限定相同".to_string(),
                false => "same grid, kind and only as an earlier line".to_string(),
            },
            Problem::Empty => match zh {
                true => "文件中没有任何走访规则".to_string(),
                false => "the file holds no visit rule".to_string(),
            },
        }
    }
}

/// Parse and check a rules file. `grid_exists` and `template_exists` answer from
/// the server's data. Every problem is returned, each with its line; on any
/// problem nothing is to be loaded.
pub fn parse_rules(
    text: &str,
    grid_exists: &mut dyn FnMut(&str) -> bool,
    template_exists: &mut dyn FnMut(&str) -> bool,
) -> Result<Vec<VisitRule>, Vec<RuleError>> {
    let mut rules: Vec<VisitRule> = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let cols: Vec<&str> = content.split(',').map(str::trim).collect();
        if rules.is_empty() && errors.is_empty() && cols.first() == Some(&"grid") {
            continue; // the header
        }
        let mut fail = |p| errors.push(RuleError { line, problem: p });
        if cols.len() != 5 {
            fail(Problem::Columns(cols.len()));
            continue;
        }
        let (grid, kind, only, every, template) = (cols[0], cols[1], cols[2], cols[3], cols[4]);
        let mut ok = true;
        if !grid_exists(grid) {
            fail(Problem::UnknownGrid(grid.into()));
            ok = false;
        }
        let kind = match EntityKind::parse(kind) {
            Some(k) if k != EntityKind::Person => Some(k),
            _ => {
                fail(Problem::UnknownKind(kind.into()));
                None
            }
        };
        let only: Vec<String> = only
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        if let Some(k) = kind {
            let allowed: &[&str] = match k {
                EntityKind::RentalUnit => RISK_LEVEL,
                EntityKind::Business => BUSINESS_KIND,
                _ => &[],
            };
            if let Some(bad) = only.iter().find(|v| !allowed.contains(&v.as_str())) {
                fail(Problem::BadOnly(bad.clone()));
                ok = false;
            }
        }
        let every_days = parse_interval(every);
        if every_days.is_none() {
            fail(Problem::BadInterval(every.into()));
        }
        if !template_exists(template) {
            fail(Problem::UnknownTemplate(template.into()));
            ok = false;
        }
        if let (true, Some(kind), Some(every_days)) = (ok, kind, every_days) {
            let mut sorted = only.clone();
            sorted.sort();
            let dup = rules.iter().any(|r| {
                let mut o = r.only.clone();
                o.sort();
                r.grid == grid && r.kind == kind && o == sorted
            });
            if dup {
                fail(Problem::Duplicate);
                continue;
            }
            rules.push(VisitRule {
                grid: grid.into(),
                kind,
                only,
                every_days,
                template: template.into(),
            });
        }
    }
    if errors.is_empty() && rules.is_empty() {
        errors.push(RuleError {
            line: 0,
            problem: Problem::Empty,
        });
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// `monthly` → 30 days, …, `45d` → 45.
pub fn parse_interval(s: &str) -> Option<u32> {
    let days = match s {
        "weekly" => 7,
        "monthly" => 30,
        "quarterly" => 91,
        "half-yearly" => 182,
        "yearly" => 365,
        _ => s.strip_suffix('d')?.parse().ok()?,
    };
    (1..=730).contains(&days).then_some(days)
}
