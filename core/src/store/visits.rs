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

/// What `visitables` asks of each entity before reading its address: its kind,
/// the value `only` matches, its grid chain and last visits; `false` skips it.
pub(crate) type Keep<'a> = dyn Fn(EntityKind, Option<&str>, &[&str], &[(String, i64)]) -> bool + 'a;

/// The planned kinds' entities (at one address, or all) that `keep` admits, each
/// with its address, grid chain and last submitted inspection per checklist.
/// The last visits come from one covering index (`inspections_last_done`);
/// addresses are read only for the entities admitted.
pub(crate) fn visitables(
    c: &Connection,
    at: Option<&str>,
    ancestors: &[String],
    keep: &Keep<'_>,
) -> Result<Vec<Visitable>> {
    let chains = chains(c, ancestors)?;
    let chain_refs: HashMap<&str, Vec<&str>> = chains
        .iter()
        .map(|(k, v)| (k.as_str(), v.iter().map(String::as_str).collect()))
        .collect();
    // kind → entity id → (template, last visit).
    let mut last: HashMap<String, HashMap<String, Vec<(String, i64)>>> = HashMap::new();
    let mut st = c.prepare_cached(
        "SELECT subject_kind, subject_id, template_id, MAX(COALESCE(finished_at, started_at))
         FROM inspections
         WHERE subject_id IS NOT NULL AND review_status <> 'draft'
           AND (?1 IS NULL OR address_code = ?1)
         GROUP BY subject_kind, subject_id, template_id",
    )?;
    let rows = st.query_map(params![at], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?.unwrap_or_default(),
            r.get::<_, String>(1)?,
            r.get(2)?,
            r.get(3)?,
        ))
    })?;
    for row in rows {
        let (kind, id, template, done) = row?;
        last.entry(kind)
            .or_default()
            .entry(id)
            .or_default()
            .push((template, done));
    }
    // The addresses once (a grid's store holds hundreds), not once per entity.
    let mut addresses: HashMap<String, Address> = HashMap::new();
    let mut st = c.prepare_cached(
        "SELECT code, grid_code, full_text, street, number, building, unit, room, plate_serial,
                lat, lon
         FROM addresses WHERE ?1 IS NULL OR code = ?1",
    )?;
    let rows = st.query_map(params![at], |r| {
        Ok(Address {
            code: r.get(0)?,
            grid_code: r.get(1)?,
            full_text: r.get(2)?,
            street: r.get(3)?,
            number: r.get(4)?,
            building: r.get(5)?,
            unit: r.get(6)?,
            room: r.get(7)?,
            plate_serial: r.get(8)?,
            lat: r.get(9)?,
            lon: r.get(10)?,
        })
    })?;
    for a in rows {
        let a = a?;
        addresses.insert(a.code.clone(), a);
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
            "SELECT e.id, {value}, e.address_code, {name} FROM {table} e
             WHERE e.deleted = 0 AND (?1 IS NULL OR e.address_code = ?1)"
        ))?;
        let mut rows = st.query(params![at])?;
        let mut done_of = last.remove(kind.as_str()).unwrap_or_default();
        while let Some(r) = rows.next()? {
            let code = text(r, 2)?.unwrap_or_default();
            let Some(address) = addresses.get(code) else {
                continue; // an entity at an address this device does not hold
            };
            let id = text(r, 0)?.unwrap_or_default();
            let value = text(r, 1)?;
            let chain = chain_refs
                .get(address.grid_code.as_str())
                .map_or(&[][..], Vec::as_slice);
            let last_done = done_of.get(id).map_or(&[][..], Vec::as_slice);
            if !keep(kind, value, chain, last_done) {
                continue;
            }
            out.push(Visitable {
                chain: chain.iter().map(|g| g.to_string()).collect(),
                last_done: done_of.remove(id).unwrap_or_default(),
                entity_id: id.to_string(),
                kind,
                value: value.map(String::from),
                name: r.get(3)?,
                address: address.clone(),
            });
        }
    }
    Ok(out)
}

/// A text column borrowed from the row, not copied.
fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<&'r str>> {
    r.get_ref(i)?.as_str_or_null().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn due(c: &Connection, now: i64, at: Option<&str>, window: Window) -> Result<Vec<DueVisit>> {
    let Some(rules) = rules(c)? else {
        return Ok(Vec::new());
    };
    let today = visit::day_of(now);
    let entities = visitables(c, at, &rules.ancestors, &|kind, value, chain, last| {
        visit::due_of(&rules, kind, value, chain, last, today)
            .is_some_and(|d| window.admits(d.bucket))
    })?;
    Ok(visit::due_list(&rules, &entities, today, window))
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
