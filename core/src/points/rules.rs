//! 积分规则 as data: points per report category and severity, the tier above which
//! an award needs a second approver, a daily cap per volunteer, and how far a
//! supervisor may adjust. Loaded from a small line format (errors by line):
//!
//! ```text
//! # comment
//! daily_cap 50
//! tier 30              # awards of 30 or more wait for a second supervisor (0: off)
//! adjust 5             # a supervisor may add or take up to 5, with a reason
//! points * low 2 medium 5 high 10 critical 20
//! points safety.fire low 5 medium 10 high 20 critical 40
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::PointsRefusal;
use crate::hazard::Severity;
use crate::taxonomy::{Standing, Taxonomy};

/// Highest points per report any rule may set.
pub const MAX_RULE_POINTS: i64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsRules {
    pub daily_cap: i64,
    /// 0 means no tier.
    pub tier: i64,
    pub adjust: i64,
    /// Points by severity (low, medium, high, critical) for categories without a line.
    pub default: [i64; 4],
    pub by_category: BTreeMap<String, [i64; 4]>,
}

impl Default for PointsRules {
    /// The rules in force until an admin loads some.
    fn default() -> Self {
        PointsRules {
            daily_cap: 50,
            tier: 30,
            adjust: 5,
            default: [2, 5, 10, 20],
            by_category: BTreeMap::new(),
        }
    }
}

/// A rules file's mistake, by line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleLineError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for RuleLineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// What accepting a report earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Award {
    /// By the rules, before adjustment.
    pub base: i64,
    /// After the supervisor's adjustment (never below 0).
    pub points: i64,
    /// At or above the tier: counts only once a second supervisor approves.
    pub needs_second_approver: bool,
}

fn number(line: usize, s: Option<&str>, what: &str) -> Result<i64, RuleLineError> {
    let err = |m: String| RuleLineError { line, message: m };
    let s = s.ok_or_else(|| err(format!("{what}: a number is missing")))?;
    let n: i64 = s
        .parse()
        .map_err(|_| err(format!("{what}: {s:?} is not a whole number")))?;
    if !(0..=MAX_RULE_POINTS).contains(&n) {
        return Err(err(format!("{what}: {n} is outside 0–{MAX_RULE_POINTS}")));
    }
    Ok(n)
}

impl PointsRules {
    /// Parse and validate a rules file against the case taxonomy (categories must
    /// exist and be active). Every mistake is reported, each with its line.
    pub fn parse(text: &str, categories: &Taxonomy) -> Result<PointsRules, Vec<RuleLineError>> {
        let mut r = PointsRules {
            by_category: BTreeMap::new(),
            ..PointsRules::default()
        };
        let mut errors = Vec::new();
        let mut seen_default = false;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let body = raw.split('#').next().unwrap_or("").trim();
            if body.is_empty() {
                continue;
            }
            let mut words = body.split_whitespace();
            let key = words.next().unwrap_or("");
            let res = match key {
                "daily_cap" | "tier" | "adjust" => number(line, words.next(), key).and_then(|n| {
                    match key {
                        "daily_cap" => r.daily_cap = n,
                        "tier" => r.tier = n,
                        _ => r.adjust = n,
                    }
                    match words.next() {
                        Some(extra) => Err(RuleLineError {
                            line,
                            message: format!("unexpected {extra:?}"),
                        }),
                        None => Ok(()),
                    }
                }),
                "points" => {
                    Self::points_line(line, &mut words, categories).and_then(|(cat, pts)| {
                        let dup = match cat {
                            None => {
                                let dup = std::mem::replace(&mut seen_default, true);
                                if !dup {
                                    r.default = pts;
                                }
                                dup
                            }
                            Some(c) if r.by_category.contains_key(&c) => true,
                            Some(c) => {
                                r.by_category.insert(c, pts);
                                false
                            }
                        };
                        if dup {
                            return Err(RuleLineError {
                                line,
                                message: "category given twice".into(),
                            });
                        }
                        Ok(())
                    })
                }
                other => Err(RuleLineError {
                    line,
                    message: format!(
                        "unknown setting {other:?} (daily_cap, tier, adjust or points)"
                    ),
                }),
            };
            if let Err(e) = res {
                errors.push(e);
            }
        }
        if errors.is_empty() {
            Ok(r)
        } else {
            Err(errors)
        }
    }

    fn points_line<'a>(
        line: usize,
        words: &mut impl Iterator<Item = &'a str>,
        categories: &Taxonomy,
    ) -> Result<(Option<String>, [i64; 4]), RuleLineError> {
        let err = |m: String| RuleLineError { line, message: m };
        let cat = words
            .next()
            .ok_or_else(|| err("points: a category (or *) is missing".into()))?;
        let cat = match cat {
            "*" => None,
            c => match categories.category_standing(c) {
                Standing::Active => Some(c.to_string()),
                Standing::Retired => return Err(err(format!("category {c:?} is retired"))),
                Standing::Unknown => return Err(err(format!("unknown category {c:?}"))),
            },
        };
        let mut pts: [Option<i64>; 4] = [None; 4];
        while let Some(sev) = words.next() {
            let Some(s) = Severity::parse(sev) else {
                return Err(err(format!(
                    "unknown severity {sev:?} (low, medium, high, critical)"
                )));
            };
            pts[s as usize] = Some(number(line, words.next(), sev)?);
        }
        let mut out = [0; 4];
        for (i, p) in pts.iter().enumerate() {
            out[i] = p.ok_or_else(|| {
                err(format!(
                    "points for {} are missing",
                    Severity::ALL[i].as_str()
                ))
            })?;
        }
        Ok((cat, out))
    }

    /// Points the rules give a report of `category` at `severity`.
    pub fn base(&self, category: Option<&str>, severity: Severity) -> i64 {
        category
            .and_then(|c| self.by_category.get(c))
            .unwrap_or(&self.default)[severity as usize]
    }

    /// What accepting earns, the supervisor's `adjust` (±, with a reason) included.
    pub fn award(
        &self,
        category: Option<&str>,
        severity: Severity,
        adjust: i64,
        reason: Option<&str>,
    ) -> Result<Award, PointsRefusal> {
        if adjust.unsigned_abs() > self.adjust.unsigned_abs() {
            return Err(PointsRefusal::AdjustTooLarge { max: self.adjust });
        }
        if adjust != 0 && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(PointsRefusal::AdjustReasonRequired);
        }
        let base = self.base(category, severity);
        let points = (base + adjust).max(0);
        Ok(Award {
            base,
            points,
            needs_second_approver: self.tier > 0 && points >= self.tier,
        })
    }

    /// How much of `points` still fits under the daily cap after `counted_today`.
    pub fn capped(&self, points: i64, counted_today: i64) -> i64 {
        points.min((self.daily_cap - counted_today).max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::builtin_taxonomy;

    const GOOD: &str = "# 积分规则\ndaily_cap 40\ntier 25\nadjust 3\n\
        points * low 1 medium 4 high 8 critical 16\n";

    #[test]
    fn parses_and_prices() {
        let t = builtin_taxonomy();
        let cat = t.active_categories().next().unwrap().code.clone();
        let text = format!("{GOOD}points {cat} low 2 medium 6 high 12 critical 30\n");
        let r = PointsRules::parse(&text, &t).unwrap();
        assert_eq!(r.daily_cap, 40);
        assert_eq!(r.base(None, Severity::High), 8);
        assert_eq!(r.base(Some(&cat), Severity::Medium), 6);
        assert_eq!(r.base(Some("other"), Severity::Low), 1);
        let a = r.award(Some(&cat), Severity::Critical, 0, None).unwrap();
        assert!(a.needs_second_approver);
        let a = r
            .award(Some(&cat), Severity::High, -3, Some("重复"))
            .unwrap();
        assert_eq!((a.base, a.points, a.needs_second_approver), (12, 9, false));
        assert_eq!(
            r.award(None, Severity::High, 4, Some("x")),
            Err(PointsRefusal::AdjustTooLarge { max: 3 })
        );
        assert_eq!(
            r.award(None, Severity::High, 1, Some(" ")),
            Err(PointsRefusal::AdjustReasonRequired)
        );
        assert_eq!(r.capped(10, 35), 5);
        assert_eq!(r.capped(10, 45), 0);
    }

    #[test]
    fn errors_name_their_lines() {
        let t = builtin_taxonomy();
        let text = "daily_cap ten\n\npoints nope.cat low 1 medium 1 high 1 critical 1\n\
            points * low 1 medium 2\nbonus 3\ntier 5000\n";
        let errs = PointsRules::parse(text, &t).unwrap_err();
        let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 3, 4, 5, 6], "{errs:?}");
        assert!(errs[1].message.contains("unknown category"));
        assert!(errs[2].message.contains("high"));
    }
}
