//! Levels of the grid tree a case moves between. A level is named by its grid's
//! materialised path (`/320583/320583001/`); escalation goes to the parent path,
//! and which tier (网格, 村(社区), 镇(街道), 县(市)) a level is follows from its depth
//! and whether it has grids below it — so the rule works on a three-level demo
//! district and a four-level city alike.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// The tiers disputes are settled on (网格马上调 → 村级及时调 → 镇街联动调 → 县级统揽调).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// 网格: a grid with nothing below it.
    Grid,
    /// 村(社区)
    Village,
    /// 镇(街道)
    Town,
    /// 县(市): the root.
    County,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Grid, Tier::Village, Tier::Town, Tier::County];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Grid => "grid",
            Tier::Village => "village",
            Tier::Town => "town",
            Tier::County => "county",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Tier::Grid => lang.pick("网格", "grid"),
            Tier::Village => lang.pick("村(社区)", "village / community"),
            Tier::Town => lang.pick("镇(街道)", "town / subdistrict"),
            Tier::County => lang.pick("县(市)", "county / city"),
        }
    }

    /// The tier of a level: the root is the county, its children towns, a grid
    /// with nothing below it a grid, anything between a village.
    pub fn of(path: &str, is_leaf: bool) -> Tier {
        match depth(path) {
            0 | 1 => Tier::County,
            _ if is_leaf => Tier::Grid,
            2 => Tier::Town,
            _ => Tier::Village,
        }
    }

    /// The ancestor-or-self of `grid_path` (a leaf grid) at this tier, for
    /// routing a new case to its default level. A tree shallower than four
    /// levels has no villages: the tier below the town is the grid itself.
    pub fn level_of(self, grid_path: &str) -> String {
        let segments: Vec<&str> = grid_path.split('/').filter(|s| !s.is_empty()).collect();
        let keep = match self {
            Tier::County => 1,
            Tier::Town => 2,
            Tier::Village => segments.len().saturating_sub(1).max(2),
            Tier::Grid => segments.len(),
        }
        .min(segments.len());
        path_of(&segments[..keep])
    }
}

fn depth(path: &str) -> usize {
    path.split('/').filter(|s| !s.is_empty()).count()
}

fn path_of(segments: &[&str]) -> String {
    if segments.is_empty() {
        return String::new();
    }
    format!("/{}/", segments.join("/"))
}

/// The level above (`None` at the root).
pub fn parent_path(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() <= 1 {
        return None;
    }
    Some(path_of(&segments[..segments.len() - 1]))
}

/// The grid code of a level (its path's last segment).
pub fn owner_code(path: &str) -> &str {
    path.trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRID: &str = "/320581/320581001/320581001001/320581001001001/";

    #[test]
    fn parents_and_codes() {
        assert_eq!(
            parent_path(GRID).as_deref(),
            Some("/320581/320581001/320581001001/")
        );
        assert_eq!(parent_path("/320581/"), None);
        assert_eq!(owner_code(GRID), "320581001001001");
        assert_eq!(owner_code("/320581/"), "320581");
    }

    #[test]
    fn tiers_in_a_four_level_city_and_a_three_level_district() {
        assert_eq!(Tier::of(GRID, true), Tier::Grid);
        assert_eq!(
            Tier::of("/320581/320581001/320581001001/", false),
            Tier::Village
        );
        assert_eq!(Tier::of("/320581/320581001/", false), Tier::Town);
        assert_eq!(Tier::of("/320581/", false), Tier::County);
        // The demo: county → town → grid.
        assert_eq!(
            Tier::of("/320583/320583001/320583001001/", true),
            Tier::Grid
        );
        assert_eq!(Tier::of("/320583/320583001/", false), Tier::Town);
    }

    #[test]
    fn default_levels_are_ancestors_of_the_grid() {
        assert_eq!(Tier::Grid.level_of(GRID), GRID);
        assert_eq!(
            Tier::Village.level_of(GRID),
            "/320581/320581001/320581001001/"
        );
        assert_eq!(Tier::Town.level_of(GRID), "/320581/320581001/");
        assert_eq!(Tier::County.level_of(GRID), "/320581/");
        let demo = "/320583/320583001/320583001001/";
        assert_eq!(Tier::Village.level_of(demo), "/320583/320583001/");
        assert_eq!(Tier::Town.level_of(demo), "/320583/320583001/");
        assert!(GRID.starts_with(&Tier::Village.level_of(GRID)));
    }
}
