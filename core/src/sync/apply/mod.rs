//! Applying pulled changes to the local store. A page of the server's change feed
//! is applied in one transaction together with the cursor that follows it, so a
//! cut connection or a crash loses at most that page, and a page that cannot be
//! applied changes nothing.
//!
//! Remote changes are not local edits: they write neither outbox nor audit rows.
//! Descriptive entities merge per field by HLC stamp; workflow records (inspections,
//! hazards, reports, cases) take the server's version unless this device still has an
//! unpushed operation on the record, in which case the next round brings it.

//!
//! Here: one page and its cursor, and reference data (grids, addresses,
//! templates); `entities` merges descriptive entities, `records` takes the
//! server's workflow records, `reconcile` ends a full re-pull.

use std::collections::HashSet;

use rusqlite::params;

use crate::checklist::ChecklistTemplate;
use crate::error::Result;
use crate::store::{self, Store, Tx};
use crate::taxonomy::Taxonomy;
use crate::wire::Change;

#[cfg(test)]
mod case_tests;
mod entities;
mod reconcile;
mod records;
#[cfg(test)]
mod tests;

use entities::{apply_entity, insert_entity};
use records::{upsert_hazard, upsert_inspection, upsert_report};

/// device_meta key of the pull cursor (opaque, from the server).
pub(crate) const META_CURSOR: &str = "sync_cursor";
/// Set while a full re-pull runs that ends by dropping what the server lacks.
pub(super) const META_REPULL: &str = "repull";

impl Store {
    /// Apply one page of pulled changes and save `cursor`, all in one transaction.
    /// Returns how many changes were applied (records with a pending local
    /// operation are skipped). Reference data is applied first within the page,
    /// so a record never fails only because its template or address came later
    /// in the same page.
    #[cfg(test)]
    pub(crate) fn apply_page(&self, changes: &[Change], cursor: &str) -> Result<u64> {
        self.apply_page_with(changes, &[], cursor)
    }

    /// A page with the taxonomies it carried (the server's, replacing those held).
    pub(crate) fn apply_page_with(
        &self,
        changes: &[Change],
        taxonomies: &[Taxonomy],
        cursor: &str,
    ) -> Result<u64> {
        self.write(|t| {
            let repull = store::meta::meta_get(&t.tx, META_REPULL)?.is_some();
            let applied = apply_changes(t, changes, Target::Live { repull })?;
            for tx in taxonomies {
                store::taxonomy::save(&t.tx, tx)?;
            }
            store::meta::meta_put(&t.tx, META_CURSOR, cursor)?;
            Ok(applied)
        })
    }

    /// `apply_page_with` for the fuzz targets in `core/fuzz`, which apply hostile
    /// pull bodies (changes and taxonomies) to a real store; only with the
    /// `fuzzing` feature.
    #[cfg(feature = "fuzzing")]
    pub fn fuzz_apply_page(
        &self,
        changes: &[Change],
        taxonomies: &[Taxonomy],
        cursor: &str,
    ) -> Result<u64> {
        self.apply_page_with(changes, taxonomies, cursor)
    }

    /// The pull cursor saved with the last applied page.
    pub fn sync_cursor(&self) -> Result<Option<String>> {
        self.read(|c| store::meta::meta_get(c, META_CURSOR))
    }
}

/// Where a page goes.
#[derive(Clone, Copy)]
pub(crate) enum Target {
    /// The live replica: merged with what the device holds; `repull` notes
    /// each record as seen.
    Live { repull: bool },
    /// A replica being built from the snapshot (`store::bootstrap`): it holds
    /// only the server's records (the device's own come over at the swap), so
    /// nothing is pending and an entity is written whole.
    Build,
}

/// Apply a page's changes inside `t`, reference data first (stable: same-kind
/// changes keep feed order). Shared by the pull and the bootstrap build.
/// Returns how many were applied (records with a pending local operation are
/// skipped).
pub(crate) fn apply_changes(t: &mut Tx<'_>, changes: &[Change], target: Target) -> Result<u64> {
    let repull = matches!(target, Target::Live { repull: true });
    let mut ordered: Vec<&Change> = changes.iter().collect();
    ordered.sort_by_key(|c| rank(c));
    let page_grids: HashSet<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Grid { grid } => Some(grid.code.as_str()),
            _ => None,
        })
        .collect();
    let mut applied = 0u64;
    for c in ordered {
        if repull && let Some((entity, id)) = record_key(c) {
            t.tx.prepare_cached(
                "INSERT OR IGNORE INTO repull_seen (entity, entity_id) VALUES (?1, ?2)",
            )?
            .execute(params![entity, id])?;
        }
        if apply_change(t, c, &page_grids, target)? {
            applied += 1;
        }
    }
    Ok(applied)
}

/// The local record a change is about (reference data aside).
fn record_key(c: &Change) -> Option<(&'static str, &str)> {
    match c {
        Change::Entity { entity } => Some((entity.kind.as_str(), entity.id.as_str())),
        Change::Inspection { inspection } => Some(("inspection", inspection.id.as_str())),
        Change::Hazard { hazard, .. } => Some(("hazard", hazard.id.as_str())),
        Change::Report { report } => Some(("report", report.id.as_str())),
        Change::Case { case, .. } => Some(("case", case.id.as_str())),
        Change::Grid { .. } | Change::Address { .. } | Change::Template { .. } => None,
    }
}

fn rank(c: &Change) -> u8 {
    match c {
        Change::Template { .. } => 0,
        Change::Grid { .. } => 1,
        Change::Address { .. } => 2,
        Change::Entity { .. } => 3,
        Change::Inspection { .. } => 4,
        Change::Hazard { .. } => 5,
        Change::Report { .. } => 6,
        Change::Case { .. } => 7,
    }
}

/// Apply one change; false when it was skipped for a pending local operation.
fn apply_change(
    t: &mut Tx<'_>,
    c: &Change,
    page_grids: &HashSet<&str>,
    target: Target,
) -> Result<bool> {
    let pending = |t: &Tx<'_>, entity: &str, id: &str| match target {
        Target::Live { .. } => pending_local(t, entity, id),
        Target::Build => Ok(false),
    };
    match c {
        Change::Grid { grid: g } => {
            // The scope's root arrives with its parent's code, but the parent lies
            // outside this device's scope: keep the grid, without the dangling link.
            let parent = match g.parent_code.as_deref() {
                Some(p)
                    if page_grids.contains(p)
                        || t.tx
                            .prepare_cached("SELECT 1 FROM grids WHERE code = ?1")?
                            .exists([p])? =>
                {
                    Some(p)
                }
                _ => None,
            };
            t.tx.prepare_cached(
                "INSERT INTO grids (code, name, level, parent_code) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(code) DO UPDATE SET name=excluded.name, level=excluded.level, parent_code=excluded.parent_code",
            )?
            .execute(params![g.code, g.name, g.level, parent])?;
        }
        Change::Address { address: a } => {
            // A plate moved to another address: the older holder's update follows in
            // the feed; free the serial now so the unique index does not refuse the page.
            if let Some(serial) = &a.plate_serial {
                t.tx.prepare_cached("UPDATE addresses SET plate_serial = NULL WHERE plate_serial = ?1 AND code <> ?2")?
                    .execute(params![serial, a.code])?;
            }
            t.tx.prepare_cached(
                "INSERT INTO addresses (code, grid_code, full_text, street, number, building, unit, room, plate_serial, lat, lon, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT(code) DO UPDATE SET grid_code=excluded.grid_code, full_text=excluded.full_text,
                   street=excluded.street, number=excluded.number, building=excluded.building, unit=excluded.unit,
                   room=excluded.room, plate_serial=excluded.plate_serial, lat=excluded.lat, lon=excluded.lon,
                   updated_at=excluded.updated_at",
            )?
            .execute(params![
                a.code, a.grid_code, a.full_text, a.street, a.number, a.building, a.unit, a.room, a.plate_serial, a.lat,
                a.lon, t.now
            ])?;
        }
        Change::Template { body } => {
            let tpl = ChecklistTemplate::from_json(&body.to_string())?;
            store::templates::insert_template(&t.tx, &tpl)?;
        }
        Change::Entity { entity } => match target {
            Target::Live { .. } => apply_entity(t, entity)?,
            Target::Build => insert_entity(t, entity)?,
        },
        Change::Inspection { inspection } => {
            if pending(t, "inspection", &inspection.id)? {
                return Ok(false);
            }
            upsert_inspection(t, inspection)?;
        }
        Change::Hazard { hazard, events } => {
            if pending(t, "hazard", &hazard.id)? {
                return Ok(false);
            }
            upsert_hazard(t, hazard, events)?;
        }
        Change::Report { report } => {
            if pending(t, "report", &report.id)? {
                return Ok(false);
            }
            upsert_report(t, report)?;
        }
        Change::Case { case, events } => {
            if pending(t, "case", &case.id)? {
                return Ok(false);
            }
            store::cases::upsert(&t.tx, case, events)?;
        }
    }
    Ok(true)
}

/// Whether the outbox still holds a local operation on this record.
pub(super) fn pending_local(t: &Tx<'_>, entity: &str, id: &str) -> Result<bool> {
    Ok(t.tx
        .prepare_cached("SELECT 1 FROM outbox WHERE entity = ?1 AND entity_id = ?2 LIMIT 1")?
        .exists(params![entity, id])?)
}
