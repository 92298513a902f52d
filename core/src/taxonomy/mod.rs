//! 分类目录 (taxonomies): the categories and levels a kind of record may carry, as
//! versioned data the server keeps and ships to devices by sync, so a new category
//! needs no app release. One document per kind (`hazard`, `case`), each
//! entry a code with its parent, Chinese and English labels and whether it is active.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::i18n::Lang;

/// The taxonomy of hazards (隐患): categories and severities.
pub const HAZARD: &str = "hazard";

/// The taxonomy of cases (事件): case types with their levels, departments and
/// time limits in `attrs` (see `case::type_rules`), and severities.
pub const CASE: &str = crate::case::TAXONOMY_KIND;

/// One kind's taxonomy as stored and synced. A newer `version` replaces an older one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Taxonomy {
    /// Which records it classifies (`hazard`); kinds a device does not know are kept.
    pub kind: String,
    /// Bumped by every edit on the server.
    pub version: i64,
    /// What a record is about (隐患类别), possibly nested by `parent`.
    pub categories: Vec<Entry>,
    /// How bad or how urgent (隐患等级).
    #[serde(default)]
    pub levels: Vec<Entry>,
}

/// One category or level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entry {
    /// Stable code records carry (`fire.ebike_charging`).
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub zh: String,
    pub en: String,
    /// A retired entry still labels old records but is refused for new ones.
    #[serde(default = "active")]
    pub active: bool,
    /// What a kind attaches to its entries (a case type's default level,
    /// department, time limits); kept as given, unknown keys included.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attrs: Map<String, Value>,
}

fn active() -> bool {
    true
}

/// Whether a code may be used on a new record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Active,
    Retired,
    Unknown,
}

impl Entry {
    pub fn new(code: &str, zh: &str, en: &str) -> Entry {
        Entry {
            code: code.to_string(),
            parent: None,
            zh: zh.to_string(),
            en: en.to_string(),
            active: true,
            attrs: Map::new(),
        }
    }

    pub fn label(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

impl Taxonomy {
    pub fn category(&self, code: &str) -> Option<&Entry> {
        self.categories.iter().find(|e| e.code == code)
    }

    pub fn level(&self, code: &str) -> Option<&Entry> {
        self.levels.iter().find(|e| e.code == code)
    }

    pub fn category_standing(&self, code: &str) -> Standing {
        standing(self.category(code))
    }

    pub fn level_standing(&self, code: &str) -> Standing {
        standing(self.level(code))
    }

    /// The category's label; a code not in the taxonomy (written before it was
    /// checked) reads 未分类 / Uncategorised, never as the raw code.
    pub fn category_label(&self, code: &str, lang: Lang) -> String {
        self.category(code)
            .map_or_else(|| uncategorised(lang), |e| e.label(lang))
            .to_string()
    }

    /// The level's label, 未分类 / Uncategorised when unknown.
    pub fn level_label(&self, code: &str, lang: Lang) -> String {
        self.level(code)
            .map_or_else(|| uncategorised(lang), |e| e.label(lang))
            .to_string()
    }

    /// Active categories, in order: what a form offers.
    pub fn active_categories(&self) -> impl Iterator<Item = &Entry> {
        self.categories.iter().filter(|e| e.active)
    }

    /// Add a category, or bring back (and relabel) a retired one.
    pub fn add_category(&mut self, entry: Entry) -> Result<(), TaxonomyError> {
        check_entry(&entry)?;
        if let Some(p) = &entry.parent
            && self.category(p).is_none()
        {
            return Err(TaxonomyError::UnknownParent);
        }
        match self.categories.iter_mut().find(|e| e.code == entry.code) {
            Some(e) if e.active => return Err(TaxonomyError::Exists),
            Some(e) => *e = entry,
            None => self.categories.push(entry),
        }
        self.version += 1;
        Ok(())
    }

    /// Retire a category (or level): old records keep their label, new ones may not use it.
    pub fn retire(&mut self, code: &str) -> Result<(), TaxonomyError> {
        let e = self
            .categories
            .iter_mut()
            .chain(self.levels.iter_mut())
            .find(|e| e.code == code)
            .ok_or(TaxonomyError::NotFound)?;
        if !e.active {
            return Err(TaxonomyError::NotFound);
        }
        e.active = false;
        self.version += 1;
        Ok(())
    }
}

fn standing(e: Option<&Entry>) -> Standing {
    match e {
        Some(e) if e.active => Standing::Active,
        Some(_) => Standing::Retired,
        None => Standing::Unknown,
    }
}

pub fn uncategorised(lang: Lang) -> &'static str {
    lang.pick("未分类", "Uncategorised")
}

/// Why an edit of a taxonomy was refused (admin tools).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxonomyError {
    /// A code is lower-case ASCII letters, digits, `.`, `_` or `-`, 1–64 long.
    BadCode,
    /// Both labels are required (and at most 64 characters).
    BadLabel,
    Exists,
    NotFound,
    UnknownParent,
}

impl std::fmt::Display for TaxonomyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TaxonomyError::BadCode => {
                "a code is 1-64 characters: lower-case letters, digits, '.', '_' or '-'"
            }
            TaxonomyError::BadLabel => "both labels are required, at most 64 characters each",
            TaxonomyError::Exists => "this code is already in the taxonomy",
            TaxonomyError::NotFound => "no active entry with this code",
            TaxonomyError::UnknownParent => "the parent code is not in the taxonomy",
        })
    }
}

fn check_entry(e: &Entry) -> Result<(), TaxonomyError> {
    let code_ok = !e.code.is_empty()
        && e.code.len() <= 64
        && e.code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !code_ok {
        return Err(TaxonomyError::BadCode);
    }
    let label_ok = |s: &str| !s.trim().is_empty() && s.chars().count() <= 64;
    if !label_ok(&e.zh) || !label_ok(&e.en) {
        return Err(TaxonomyError::BadLabel);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Taxonomy {
        Taxonomy {
            kind: HAZARD.into(),
            version: 1,
            categories: vec![Entry::new("fire.a", "甲", "A")],
            levels: vec![Entry::new("low", "低", "Low")],
        }
    }

    #[test]
    fn unknown_codes_read_uncategorised_not_raw() {
        let t = sample();
        assert_eq!(t.category_label("fire.a", Lang::Zh), "甲");
        assert_eq!(t.category_label("made.up", Lang::Zh), "未分类");
        assert_eq!(t.category_label("made.up", Lang::En), "Uncategorised");
        assert_eq!(t.level_label("severe", Lang::Zh), "未分类");
    }

    #[test]
    fn edits_bump_the_version_and_retired_entries_keep_their_label() {
        let mut t = sample();
        t.add_category(Entry::new("fire.b", "乙", "B")).unwrap();
        assert_eq!(t.version, 2);
        assert_eq!(
            t.add_category(Entry::new("fire.b", "乙", "B")),
            Err(TaxonomyError::Exists)
        );
        assert_eq!(
            t.add_category(Entry::new("Fire B", "乙", "B")),
            Err(TaxonomyError::BadCode)
        );
        t.retire("fire.a").unwrap();
        assert_eq!(t.version, 3);
        assert_eq!(t.category_standing("fire.a"), Standing::Retired);
        assert_eq!(t.category_label("fire.a", Lang::Zh), "甲");
        assert_eq!(t.retire("fire.a"), Err(TaxonomyError::NotFound));
        t.add_category(Entry::new("fire.a", "甲二", "A2")).unwrap();
        assert_eq!(t.category_standing("fire.a"), Standing::Active);
    }

    #[test]
    fn documents_from_a_newer_server_keep_what_this_version_does_not_know() {
        let json = r#"{"kind":"case","version":3,"categories":[{"code":"dispute.family",
            "parent":"dispute","zh":"家庭纠纷","en":"Family dispute",
            "attrs":{"default_level":"village","time_limit_days":7}}]}"#;
        let t: Taxonomy = serde_json::from_str(json).unwrap();
        assert!(t.categories[0].active);
        assert_eq!(t.categories[0].attrs["time_limit_days"], 7);
        assert!(t.levels.is_empty());
    }
}
