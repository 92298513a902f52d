//! Grids, addresses and what stands at an address (一标多实): reference data
//! imported from the server, the scope check every local write makes, search by
//! any fragment a person would type, and the role-filtered view of one address.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::entities::load_entities;
use super::hazards::query_hazards;
use super::inspections::query_inspections;
use super::reports::query_reports;
use super::{Identity, Tx};
use crate::error::{Action, Input, Invalid};
use crate::error::{Error, Result};
use crate::model::{Address, Entity, EntityKind, Grid};
use crate::record::RecordKind;
use crate::records::{Hazard, Inspection, Report};

/// A search hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressHit {
    pub code: String,
    pub full_text: String,
    pub plate_serial: Option<String>,
    pub grid_code: String,
}

/// Everything at one address (一标多实), as this device's role may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressView {
    pub address: Address,
    pub entities: Vec<Entity>,
    pub inspections: Vec<Inspection>,
    pub hazards: Vec<Hazard>,
    pub reports: Vec<Report>,
}

pub(crate) fn import_grids(t: &Tx<'_>, grids: &[Grid]) -> Result<usize> {
    let mut st = t.tx.prepare_cached(
        "INSERT INTO grids (code, name, level, parent_code) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(code) DO UPDATE SET name=excluded.name, level=excluded.level, parent_code=excluded.parent_code",
    )?;
    for g in grids {
        if g.code.trim().is_empty() {
            return Err(Error::invalid(Input::GridCode, Invalid::Required));
        }
        st.execute(params![g.code, g.name, g.level, g.parent_code])?;
    }
    Ok(grids.len())
}

/// Insert or update addresses in one transaction (a whole grid is ~650).
pub(crate) fn import_addresses(t: &Tx<'_>, addresses: &[Address]) -> Result<usize> {
    let mut st = t.tx.prepare_cached(
        "INSERT INTO addresses (code, grid_code, full_text, street, number, building, unit, room, plate_serial, lat, lon, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT(code) DO UPDATE SET grid_code=excluded.grid_code, full_text=excluded.full_text,
           street=excluded.street, number=excluded.number, building=excluded.building, unit=excluded.unit,
           room=excluded.room, plate_serial=excluded.plate_serial, lat=excluded.lat, lon=excluded.lon,
           updated_at=excluded.updated_at",
    )?;
    for a in addresses {
        validate_address(a)?;
        st.execute(params![
            a.code,
            a.grid_code,
            a.full_text,
            a.street,
            a.number,
            a.building,
            a.unit,
            a.room,
            a.plate_serial,
            a.lat,
            a.lon,
            t.now
        ])?;
    }
    Ok(addresses.len())
}

pub(crate) fn grid(c: &Connection, code: &str) -> Result<Option<Grid>> {
    Ok(c.query_row(
        "SELECT code, name, level, parent_code FROM grids WHERE code = ?1",
        [code],
        |r| {
            Ok(Grid {
                code: r.get(0)?,
                name: r.get(1)?,
                level: r.get(2)?,
                parent_code: r.get(3)?,
            })
        },
    )
    .optional()?)
}

/// Find addresses by any fragment a person would type: "建设路12号", "3栋2单元",
/// a plate serial. Space-separated fragments must all match. Fragments of three
/// characters or more use the trigram index; without one, a two-character
/// fragment uses the bigram index; the others filter the result (`LIKE`, which
/// folds ASCII case as both indexes do). Hits come in index order.
pub(crate) fn search(c: &Connection, query: &str, limit: u32) -> Result<Vec<AddressHit>> {
    let frags: Vec<&str> = query.split_whitespace().collect();
    if frags.is_empty() {
        return Ok(Vec::new());
    }
    let limit = limit.clamp(1, 500);
    let long: Vec<&str> = frags
        .iter()
        .copied()
        .filter(|f| f.chars().count() >= 3)
        .collect();
    let short: Vec<&str> = frags
        .iter()
        .copied()
        .filter(|f| f.chars().count() < 3)
        .collect();
    // A scanned or typed plate serial or address code: straight to its index.
    if frags.len() == 1 {
        let mut st = c.prepare_cached(
                "SELECT code, full_text, plate_serial, grid_code FROM addresses WHERE plate_serial = ?1 OR code = ?1 LIMIT 2",
            )?;
        let exact = st
            .query_map([frags[0]], |r| {
                Ok(AddressHit {
                    code: r.get(0)?,
                    full_text: r.get(1)?,
                    plate_serial: r.get(2)?,
                    grid_code: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if !exact.is_empty() {
            return Ok(exact);
        }
    }
    let mut sql;
    let mut args: Vec<String> = Vec::new();
    // The fragment the bigram index answers when no fragment reaches the trigram
    // index: the first of exactly two characters.
    let pair = long
        .is_empty()
        .then(|| short.iter().position(|f| f.chars().count() == 2))
        .flatten();
    if let Some(i) = pair {
        args.push(short[i].to_ascii_lowercase());
        sql = String::from(
            "SELECT a.code, a.full_text, a.plate_serial, a.grid_code FROM address_bigrams b
                 JOIN addresses a ON a.rowid = b.addr WHERE b.gram = ?1",
        );
    } else if long.is_empty() {
        sql = String::from(
            "SELECT a.code, a.full_text, a.plate_serial, a.grid_code FROM addresses a WHERE 1",
        );
    } else {
        let m: Vec<String> = long
            .iter()
            .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
            .collect();
        args.push(m.join(" AND "));
        sql = String::from(
            "SELECT a.code, a.full_text, a.plate_serial, a.grid_code FROM address_fts f
                 JOIN addresses a ON a.rowid = f.rowid WHERE address_fts MATCH ?1",
        );
    }
    for (i, s) in short.iter().enumerate() {
        if pair == Some(i) {
            continue;
        }
        args.push(format!(
            "%{}%",
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        ));
        let n = args.len();
        sql.push_str(&format!(" AND a.full_text LIKE ?{n} ESCAPE '\\'"));
    }
    // Index order, not rank nor text: ranking or sorting would visit every match
    // of a common fragment ("3栋2单元", "人民": tens of thousands) before taking
    // 20; in index order the query stops at the 20th.
    if pair.is_some() {
        sql.push_str(" ORDER BY b.addr");
    } else if long.is_empty() {
        sql.push_str(" ORDER BY a.rowid");
    }
    sql.push_str(&format!(" LIMIT {limit}"));
    let mut st = c.prepare_cached(&sql)?;
    let rows = st.query_map(rusqlite::params_from_iter(args.iter()), |r| {
        Ok(AddressHit {
            code: r.get(0)?,
            full_text: r.get(1)?,
            plate_serial: r.get(2)?,
            grid_code: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Everything at an address, filtered for the role of `me`.
pub(crate) fn view(c: &Connection, me: &Identity, code: &str, now: i64) -> Result<AddressView> {
    let role = me.role;
    let address =
        load_address(c, code)?.ok_or_else(|| Error::not_found(RecordKind::Address, code))?;
    let mut entities = Vec::new();
    for kind in EntityKind::ALL {
        if !kind.visible_to(role) {
            continue;
        }
        for e in load_entities(c, kind, "address_code = ?1 AND deleted = 0", code)? {
            if let Some(e) = e.redacted_for(role) {
                entities.push(super::entities::shown(e));
            }
        }
    }
    let inspections = if role.sees_personal_data() {
        query_inspections(c, "address_code = ?1", code)?
    } else {
        Vec::new()
    };
    let hazards = query_hazards(c, "address_code = ?1 ORDER BY created_at DESC", code, now)?;
    let reports = query_reports(c, "address_code = ?1 ORDER BY created_at DESC", code)?;
    Ok(AddressView {
        address,
        entities,
        inspections,
        hazards,
        reports,
    })
}

// ---- helpers ----------------------------------------------------------------------------

fn validate_address(a: &Address) -> Result<()> {
    if a.code.trim().is_empty() || a.code.len() > 64 {
        return Err(Error::invalid(
            Input::AddressCode,
            Invalid::Length { min: 1, max: 64 },
        ));
    }
    if a.grid_code.trim().is_empty() {
        return Err(Error::invalid(Input::GridCode, Invalid::Required));
    }
    if a.full_text.trim().is_empty() || a.full_text.chars().count() > 200 {
        return Err(Error::invalid(
            Input::AddressText,
            Invalid::Length { min: 1, max: 200 },
        ));
    }
    if let (Some(lat), Some(lon)) = (a.lat, a.lon)
        && (!(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon))
    {
        return Err(Error::invalid(Input::Coordinates, Invalid::OutOfRange));
    }
    Ok(())
}

/// The address, if it exists on this device and lies in its grid scope.
pub(crate) fn address_in_scope(t: &Tx<'_>, code: &str) -> Result<Address> {
    let addr =
        load_address(&t.tx, code)?.ok_or_else(|| Error::not_found(RecordKind::Address, code))?;
    if !grid_in_subtree(&t.tx, &addr.grid_code, &t.me.grid_scope)? {
        return Err(Error::NotPermitted(Action::TouchOutsideScope));
    }
    Ok(addr)
}

/// Walk up from `grid` looking for `root`. Grids are few and shallow.
pub(crate) fn grid_in_subtree(c: &Connection, grid: &str, root: &str) -> Result<bool> {
    let mut cur = Some(grid.to_string());
    let mut st = c.prepare_cached("SELECT parent_code FROM grids WHERE code = ?1")?;
    for _ in 0..64 {
        let Some(g) = cur else { return Ok(false) };
        if g == root {
            return Ok(true);
        }
        cur = st
            .query_row([&g], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten();
    }
    Ok(false)
}

pub(crate) fn load_address(c: &Connection, code: &str) -> Result<Option<Address>> {
    Ok(c
        .prepare_cached(
            "SELECT code, grid_code, full_text, street, number, building, unit, room, plate_serial, lat, lon
             FROM addresses WHERE code = ?1",
        )?
        .query_row([code], |r| {
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
        })
        .optional()?)
}
