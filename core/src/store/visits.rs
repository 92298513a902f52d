//! The visit plan on the device: the rules as last pulled (one `device_meta` key)
//! and the entities they cover with their last submitted inspections — the input
//! of `visit::due_list`, so the due list is computed offline and an inspection
//! submitted here takes its visit off the list at once.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use super::Store;
use super::meta::{meta_get, meta_put};
use crate::address::{Address, EntityKind};
use crate::error::Result;
use crate::visit::{self, DueVisit, VisitRules, Visitable, Window};

const KEY: &str = "visit_rules";

/// The rules held, if a sync brought any.
pub(crate) fn rules(c: &Connection) -> Result<Option<VisitRules>> {
    match meta_get(c, KEY)? {
        Some(json) => Ok(Some(serde_json::from_str(&json)?)),
        None => Ok(None),
    }
}

/// Keep the server's rules (its word counts, even an older version after a restore).
pub(crate) fn save(c: &Connection, r: &VisitRules) -> Result<()> {
    meta_put(c, KEY, &serde_json::to_string(r)?)
}

/// The version held (0: none), what a pull asks to be newer than.
#[cfg_attr(not(feature = "sync"), allow(dead_code))]
pub(crate) fn held_version(c: &Connection) -> Result<i64> {
    Ok(rules(c)?.map_or(0, |r| r.version))
}

/// Grid code → its chain of codes from the root down: the grids above the
/// device's scope (`ancestors`, from the rules) and then those it holds.
fn chains(c: &Connection, ancestors: &[String]) -> Result<HashMap<String, Vec<String>>> {
    let mut st = c.prepare_cached("SELECT code, parent_code FROM grids")?;
    let parent: HashMap<String, Option<String>> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = HashMap::new();
    for code in parent.keys() {
        let mut chain = vec![code.clone()];
        let mut at = code;
        while let Some(Some(p)) = parent.get(at) {
            if chain.contains(p) || chain.len() > 64 {
                break; // a malformed tree must not loop
            }
            chain.push(p.clone());
            at = p;
        }
        chain.extend(ancestors.iter().rev().cloned());
        chain.reverse();
        out.insert(code.clone(), chain);
    }
    Ok(out)
}

/// The planned kinds' entities (at one address, or all), each with its address,
/// grid chain and last submitted inspection per checklist.
pub(crate) fn visitables(
    c: &Connection,
    at: Option<&str>,
    ancestors: &[String],
) -> Result<Vec<Visitable>> {
    let chains = chains(c, ancestors)?;
    let mut last: HashMap<(String, String), Vec<(String, i64)>> = HashMap::new();
    let mut st = c.prepare_cached(
        "SELECT subject_kind, subject_id, template_id, MAX(COALESCE(finished_at, started_at))
         FROM inspections
         WHERE subject_id IS NOT NULL AND review_status <> 'draft'
           AND (?1 IS NULL OR address_code = ?1)
         GROUP BY subject_kind, subject_id, template_id",
    )?;
    let rows = st.query_map(params![at], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get(2)?,
            r.get(3)?,
        ))
    })?;
    for row in rows {
        let (kind, id, template, done) = row?;
        last.entry((kind, id)).or_default().push((template, done));
    }
    let mut out = Vec::new();
    for (kind, table, value, name) in [
        (EntityKind::Household, "households", "NULL", "NULL"),
        (
            EntityKind::RentalUnit,
            "rental_units",
            "e.risk_level",
            "NULL",
        ),
        (EntityKind::Business, "businesses", "e.kind", "e.name"),
    ] {
        let mut st = c.prepare_cached(&format!(
            "SELECT e.id, {value}, {name}, a.code, a.grid_code, a.full_text, a.street, a.number,
                    a.building, a.unit, a.room, a.plate_serial, a.lat, a.lon
             FROM {table} e JOIN addresses a ON a.code = e.address_code
             WHERE e.deleted = 0 AND (?1 IS NULL OR e.address_code = ?1)"
        ))?;
        let rows = st.query_map(params![at], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                Address {
                    code: r.get(3)?,
                    grid_code: r.get(4)?,
                    full_text: r.get(5)?,
                    street: r.get(6)?,
                    number: r.get(7)?,
                    building: r.get(8)?,
                    unit: r.get(9)?,
                    room: r.get(10)?,
                    plate_serial: r.get(11)?,
                    lat: r.get(12)?,
                    lon: r.get(13)?,
                },
            ))
        })?;
        for row in rows {
            let (id, value, name, address) = row?;
            let chain = chains.get(&address.grid_code).cloned().unwrap_or_default();
            let last_done = last
                .remove(&(kind.as_str().to_string(), id.clone()))
                .unwrap_or_default();
            out.push(Visitable {
                entity_id: id,
                kind,
                value,
                name,
                address,
                chain,
                last_done,
            });
        }
    }
    Ok(out)
}

fn due(c: &Connection, now: i64, at: Option<&str>, window: Window) -> Result<Vec<DueVisit>> {
    let Some(rules) = rules(c)? else {
        return Ok(Vec::new());
    };
    let entities = visitables(c, at, &rules.ancestors)?;
    Ok(visit::due_list(
        &rules,
        &entities,
        visit::day_of(now),
        window,
    ))
}

impl Store {
    /// The visits due in `window`, in walking order, computed offline from the
    /// rules held and the inspections submitted on or synced to this device.
    pub fn visits_due(&self, window: Window) -> Result<Vec<DueVisit>> {
        let now = self.now();
        self.read(|c| due(c, now, None, window))
    }

    /// What is planned at one address (a scanned door plate), whenever due.
    pub fn visits_at(&self, address_code: &str) -> Result<Vec<DueVisit>> {
        let now = self.now();
        self.read(|c| due(c, now, Some(address_code), Window::All))
    }

    /// Keep visit rules: those a pull brought (and a bench's).
    pub fn keep_visit_rules(&self, r: &VisitRules) -> Result<()> {
        self.write(|t| save(&t.tx, r))
    }

    /// The visit rules this device holds.
    pub fn visit_rules(&self) -> Result<Option<VisitRules>> {
        self.read(rules)
    }
}
