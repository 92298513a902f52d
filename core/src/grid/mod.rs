//! Grids (网格) and grid scopes: the hierarchy every record hangs off, and the
//! one definition of "inside my subtree" that the device, the server's queries
//! and the console all use.

use serde::{Deserialize, Serialize};

/// 网格: hierarchical, any depth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grid {
    pub code: String,
    pub name: String,
    pub level: u32,
    pub parent_code: Option<String>,
}

/// A grid subtree named by its materialised path, e.g. `/320583/320583001/`:
/// that grid and everything below it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GridScope {
    pub path: String,
}

impl GridScope {
    pub fn new(path: &str) -> GridScope {
        GridScope {
            path: path.to_string(),
        }
    }

    /// Whether a grid path lies in this subtree. Paths end with `/`, so a plain
    /// prefix test cannot confuse `/32/` with `/320/`.
    pub fn covers(&self, path: &str) -> bool {
        path.starts_with(&self.path)
    }

    /// The paths of the grids above this subtree, root first (`/a/b/` → `/`,
    /// `/a/`): what is published to one of them reaches this subtree too.
    pub fn ancestors(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(n) = self.path[at..].find('/') {
            let end = at + n + 1;
            if end >= self.path.len() {
                break;
            }
            out.push(self.path[..end].to_string());
            at = end;
        }
        out
    }

    /// Whether `path` is a grid above this subtree (a strict ancestor).
    pub fn covers_from_above(&self, path: &str) -> bool {
        path.ends_with('/') && path.len() < self.path.len() && self.path.starts_with(path)
    }

    /// The half-open range of paths in this subtree for an indexed SQL query:
    /// `lower <= grid_path < upper` (byte order, as SQLite and PostgreSQL's
    /// `COLLATE "C"` compare). Exactly the paths [`GridScope::covers`] accepts.
    pub fn range(&self) -> (String, String) {
        (self.path.clone(), self.upper())
    }

    /// The exclusive upper bound of [`GridScope::range`]: the path with its last
    /// character replaced by the next one (`/32/3205/` → `/32/32050`), the
    /// smallest string above every path that starts with this one. A `~` after
    /// the code instead would also admit a sibling whose code extends this one
    /// (`/32/32050/` inside `/32/3205/`).
    pub fn upper(&self) -> String {
        let mut upper = self.path.clone();
        match upper.pop() {
            Some(last) => upper.push(next_char(last)),
            // The empty path covers everything; nothing sorts above the last char.
            None => upper.push(char::MAX),
        }
        upper
    }
}

/// The next character in code-point (and so UTF-8 byte) order.
fn next_char(c: char) -> char {
    (c as u32 + 1..=char::MAX as u32)
        .find_map(char::from_u32)
        .unwrap_or(char::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_is_a_prefix_test_on_paths() {
        let s = GridScope::new("/32/3205/");
        assert!(s.covers("/32/3205/"));
        assert!(s.covers("/32/3205/320583/"));
        assert!(!s.covers("/32/32050/"));
        assert!(!s.covers("/32/"));
        assert!(GridScope::new("/").covers("/anything/"));
    }

    #[test]
    fn ancestors_are_the_paths_above() {
        assert_eq!(GridScope::new("/a/b/").ancestors(), ["/", "/a/"]);
        assert_eq!(GridScope::new("/a/").ancestors(), ["/"]);
        assert!(GridScope::new("/").ancestors().is_empty());
    }

    #[test]
    fn range_ends_at_the_path_with_its_slash_bumped() {
        for (path, upper) in [
            ("/32/3205/", "/32/32050"),
            ("/", "0"),
            ("/a/b/", "/a/b0"),
            ("/a//", "/a/0"),
        ] {
            let (lo, hi) = GridScope::new(path).range();
            assert_eq!(lo, path);
            assert_eq!(hi, upper, "{path}");
        }
    }

    #[test]
    fn range_agrees_with_covers_for_code_paths() {
        let s = GridScope::new("/32/3205/");
        let (lo, hi) = s.range();
        for p in [
            "/32/3205/",
            "/32/3205/9/",
            "/32/3205/z-1/",
            "/32/3205/~/",
            "/32/3204/",
            "/32/3206/",
            "/32/32050/",
            "/32/3205-1/",
            "/32/3205a/",
            "/32/",
        ] {
            let in_range = p >= lo.as_str() && p < hi.as_str();
            assert_eq!(in_range, s.covers(p), "{p}");
        }
    }

    #[test]
    fn range_excludes_a_sibling_extending_the_code() {
        // `/32/32050/` is not under `/32/3205/`; the old bound `/32/3205~` let
        // it into the SQL range. The exact bound keeps it out.
        let s = GridScope::new("/32/3205/");
        let (lo, hi) = s.range();
        let p = "/32/32050/";
        assert!(!(p >= lo.as_str() && p < hi.as_str()));
        assert!(!s.covers(p));
    }

    #[test]
    fn the_root_range_holds_every_path() {
        let s = GridScope::new("/");
        let (lo, hi) = s.range();
        for p in ["/", "/32/", "/~/", "/z/y/"] {
            assert!(p >= lo.as_str() && p < hi.as_str(), "{p}");
            assert!(s.covers(p));
        }
    }
}
