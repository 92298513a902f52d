//! The taxonomies this device holds (隐患类别, 事件类型 and levels): the server's documents
//! as last pulled, one `device_meta` key per kind; the built-in ones until the
//! first sync brings the server's.

use rusqlite::Connection;

use super::meta::{meta_get, meta_put};
use crate::error::Result;
use crate::taxonomy::{self, Taxonomy};

const KEY_PREFIX: &str = "taxonomy:";

fn load(c: &Connection, kind: &str) -> Result<Option<Taxonomy>> {
    match meta_get(c, &format!("{KEY_PREFIX}{kind}"))? {
        Some(json) => Ok(Some(serde_json::from_str(&json)?)),
        None => Ok(None),
    }
}

/// The hazard taxonomy new hazards are judged by and labelled with.
pub(crate) fn hazard(c: &Connection) -> Result<Taxonomy> {
    Ok(load(c, taxonomy::HAZARD)?.unwrap_or_else(crate::hazard::builtin_taxonomy))
}

/// The case taxonomy (事件类型) new cases are judged by, with their time limits.
pub(crate) fn case(c: &Connection) -> Result<Taxonomy> {
    Ok(load(c, crate::case::TAXONOMY_KIND)?.unwrap_or_else(crate::case::builtin_taxonomy))
}

/// Keep a pulled taxonomy: the server sends one only when it holds another
/// version, and its word counts (even an older version, after a restore).
#[cfg_attr(not(feature = "sync"), allow(dead_code))]
pub(crate) fn save(c: &Connection, t: &Taxonomy) -> Result<()> {
    meta_put(
        c,
        &format!("{KEY_PREFIX}{}", t.kind),
        &serde_json::to_string(t)?,
    )
}

/// `kind:version,…` of the taxonomies held (the built-in hazard one counts as
/// version 0, so the server's seed replaces it): what a pull asks to be newer than.
#[cfg_attr(not(feature = "sync"), allow(dead_code))]
pub(crate) fn held_versions(c: &Connection) -> Result<String> {
    let mut held = vec![
        (taxonomy::HAZARD.to_string(), 0),
        (crate::case::TAXONOMY_KIND.to_string(), 0),
    ];
    let mut st =
        c.prepare_cached("SELECT key, value FROM device_meta WHERE key LIKE 'taxonomy:%'")?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (key, json) = row?;
        let t: Taxonomy = serde_json::from_str(&json)?;
        let kind = key.trim_start_matches(KEY_PREFIX).to_string();
        match held.iter_mut().find(|(k, _)| *k == kind) {
            Some(h) => h.1 = t.version,
            None => held.push((kind, t.version)),
        }
    }
    Ok(held
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(","))
}
