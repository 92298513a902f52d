//! The one place that reads and writes the `records` table: typed record kinds,
//! the stored document shapes (entity, hazard), the change-feed position and the
//! photo index kept in step with every write. Rules, demo and the city generator
//! all store records through here.

use gridfield_core::address::EntityKind;
use gridfield_core::records::{Hazard, HazardEvent};
use gridfield_core::wire::EntityState;
use serde::Serialize;
use serde_json::{Map, Value, json};

use std::collections::HashMap;

use super::{RecordRow, RowExt, SqlValue, Tx, insert_rows_then};
use crate::error::{ApiError, Result};

use gridfield_core::photo::refs_of;
use gridfield_core::record::RecordKind;

/// Kinds whose documents refer to photos (indexed in `record_photos`). The
/// server stores hazard and case steps inside their record's document, never on
/// their own.
fn carries_photos(kind: RecordKind) -> bool {
    matches!(
        kind,
        RecordKind::Inspection | RecordKind::Hazard | RecordKind::Report | RecordKind::Case
    )
}

/// A stored record: where it belongs and its document.
pub struct Record {
    pub grid_path: String,
    pub body: Value,
}

impl Record {
    pub fn parse(grid_path: String, body: &str) -> Result<Record> {
        let body = serde_json::from_str(body)
            .map_err(|e| ApiError::internal(format!("record body: {e}")))?;
        Ok(Record { grid_path, body })
    }

    /// The document as its typed shape.
    pub fn doc<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        serde_json::from_value(self.body)
            .map_err(|e| ApiError::internal(format!("record body: {e}")))
    }
}

/// A descriptive entity as the server keeps it: the replicated state plus, per
/// field, which device wrote it and at which feed position (to tell concurrent
/// overwrites from informed ones).
#[derive(Serialize, serde::Deserialize)]
pub struct EntityDoc {
    pub state: EntityState,
    #[serde(default)]
    pub meta: Map<String, Value>,
}

impl EntityDoc {
    /// An entity written by the server itself (demo, city): every field stamped
    /// `stamp`, attributed to "server" at feed position 0.
    pub fn seeded(
        kind: EntityKind,
        id: &str,
        address_code: &str,
        fields: Map<String, Value>,
        stamp: &str,
    ) -> EntityDoc {
        let stamps = fields
            .keys()
            .map(|k| (k.clone(), Value::String(stamp.to_string())))
            .collect();
        let meta = fields
            .keys()
            .map(|k| (k.clone(), json!({ "device": "server", "seq": 0 })))
            .collect();
        EntityDoc {
            state: EntityState {
                kind,
                id: id.to_string(),
                address_code: address_code.to_string(),
                fields,
                stamps,
                deleted: false,
            },
            meta,
        }
    }
}

/// A hazard as the server keeps it: its current state and every step.
#[derive(Serialize, serde::Deserialize)]
pub struct HazardDoc {
    pub hazard: Hazard,
    pub events: Vec<HazardEvent>,
}

/// A case as the server keeps it: its current state and its timeline.
#[derive(Serialize, serde::Deserialize)]
pub struct CaseDoc {
    pub case: gridfield_core::case::Case,
    pub events: Vec<gridfield_core::case::CaseEvent>,
}

/// Any document as the JSON value stored (keys in the order the table always had).
pub fn to_body(doc: &impl Serialize) -> Result<Value> {
    serde_json::to_value(doc).map_err(|e| ApiError::internal(format!("record body: {e}")))
}

impl RecordRow {
    /// A row for a bulk load at a seq the loader counts itself.
    pub fn new(
        kind: RecordKind,
        id: String,
        grid_path: &str,
        address_code: Option<&str>,
        seq: i64,
        body: &Value,
        updated_at: i64,
    ) -> RecordRow {
        RecordRow {
            kind: kind.as_str().to_string(),
            id,
            grid_path: grid_path.to_string(),
            address_code: address_code.map(String::from),
            seq,
            body: body.to_string(),
            updated_at,
        }
    }
}

pub fn get(tx: &mut dyn Tx, kind: RecordKind, id: &str) -> Result<Option<Record>> {
    let Some(r) = tx.query_one(
        "SELECT grid_path, body FROM records WHERE kind = $1 AND id = $2",
        &[kind.as_str().into(), id.into()],
    )?
    else {
        return Ok(None);
    };
    Record::parse(r.text(0)?, &r.text(1)?).map(Some)
}

/// Store the current state of a record and move it to the head of the change feed.
pub fn put(
    tx: &mut dyn Tx,
    kind: RecordKind,
    id: &str,
    grid_path: &str,
    address: Option<&str>,
    body: &Value,
) -> Result<i64> {
    let seq = tx.next_seq()?;
    put_at(tx, seq, kind, id, grid_path, address, body)
}

/// `put` at a seq the caller already took with `next_seq` in this transaction.
pub fn put_at(
    tx: &mut dyn Tx,
    seq: i64,
    kind: RecordKind,
    id: &str,
    grid_path: &str,
    address: Option<&str>,
    body: &Value,
) -> Result<i64> {
    tx.execute(
        &format!(
            "INSERT INTO {RECORD_COLS} VALUES ($1, $2, $3, $4, $5, $6, $7) {ON_CONFLICT_REPLACE}"
        ),
        &[
            kind.as_str().into(),
            id.into(),
            grid_path.into(),
            address.map(String::from).into(),
            seq.into(),
            body.to_string().into(),
            crate::rules::now_ms().into(),
        ],
    )?;
    index_photos(tx, kind, id, grid_path, body)?;
    Ok(seq)
}

const RECORD_COLS: &str = "records (kind, id, grid_path, address_code, seq, body, updated_at)";
const ON_CONFLICT_REPLACE: &str = "ON CONFLICT (kind, id) DO UPDATE SET grid_path = excluded.grid_path, \
     address_code = excluded.address_code, seq = excluded.seq, body = excluded.body, \
     updated_at = excluded.updated_at";

/// `put_at` writes held back and stored together (`flush`), so a push's run of
/// entity edits costs one statement per ROWS_PER_STATEMENT records instead of one
/// per edit (the per-statement cost dominated a 100-edit push on PostgreSQL). A
/// record put twice is stored once, as last put. Only kinds without photos: the
/// photo index is kept by `put_at` alone.
#[derive(Default)]
pub struct PendingPuts {
    rows: Vec<[SqlValue; 7]>,
    at: HashMap<(RecordKind, String), usize>,
}

impl PendingPuts {
    pub fn put_at(
        &mut self,
        seq: i64,
        kind: RecordKind,
        id: &str,
        grid_path: &str,
        address: Option<&str>,
        body: &Value,
    ) {
        debug_assert!(!carries_photos(kind), "{kind:?} is stored with put_at");
        let row: [SqlValue; 7] = [
            kind.as_str().into(),
            id.into(),
            grid_path.into(),
            address.map(String::from).into(),
            seq.into(),
            body.to_string().into(),
            crate::rules::now_ms().into(),
        ];
        match self.at.get(&(kind, id.to_string())) {
            Some(&i) => self.rows[i] = row,
            None => {
                self.at.insert((kind, id.to_string()), self.rows.len());
                self.rows.push(row);
            }
        }
    }

    /// The state last put for a record not stored yet, as `get` would read it.
    pub fn get(&self, kind: RecordKind, id: &str) -> Result<Option<Record>> {
        let Some(&i) = self.at.get(&(kind, id.to_string())) else {
            return Ok(None);
        };
        match (&self.rows[i][2], &self.rows[i][5]) {
            (SqlValue::Text(path), SqlValue::Text(body)) => {
                Record::parse(path.clone(), body).map(Some)
            }
            _ => Err(ApiError::internal("pending record row")),
        }
    }

    /// Store everything put so far (before anything else reads those records).
    pub fn flush(&mut self, tx: &mut dyn Tx) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        insert_rows_then(tx, RECORD_COLS, &self.rows, ON_CONFLICT_REPLACE)?;
        self.rows.clear();
        self.at.clear();
        Ok(())
    }
}

/// Move a record to the head of the feed without changing it.
pub fn touch(tx: &mut dyn Tx, kind: RecordKind, id: &str) -> Result<()> {
    let seq = tx.next_seq()?;
    tx.execute(
        "UPDATE records SET seq = $3 WHERE kind = $1 AND id = $2",
        &[kind.as_str().into(), id.into(), seq.into()],
    )?;
    Ok(())
}

/// The grid path of a door plate (standard address), if the server has it.
pub fn address_path(tx: &mut dyn Tx, code: &str) -> Result<Option<String>> {
    tx.query_one(
        "SELECT grid_path FROM records WHERE kind = 'address' AND id = $1",
        &[code.into()],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// Keep `record_photos` in step with a record just stored: the photos it refers to
/// now (the core's rule, as the device reads it), under the grid it belongs to
/// now. Only kinds that carry photos are indexed.
fn index_photos(
    tx: &mut dyn Tx,
    kind: RecordKind,
    id: &str,
    grid_path: &str,
    body: &Value,
) -> Result<()> {
    if !carries_photos(kind) {
        return Ok(());
    }
    tx.execute(
        "DELETE FROM record_photos WHERE kind = $1 AND record_id = $2",
        &[kind.as_str().into(), id.into()],
    )?;
    for hash in refs_of(kind, body) {
        tx.execute(
            "INSERT INTO record_photos (hash, kind, record_id, grid_path) VALUES ($1, $2, $3, $4)
             ON CONFLICT (hash, kind, record_id) DO NOTHING",
            &[
                hash.into(),
                kind.as_str().into(),
                id.into(),
                grid_path.into(),
            ],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_kinds_round_trip_through_their_names() {
        // The `records.kind` strings already stored: the core's names must keep them.
        let stored = [
            (RecordKind::Grid, "grid"),
            (RecordKind::Address, "address"),
            (RecordKind::Template, "template"),
            (RecordKind::Inspection, "inspection"),
            (RecordKind::Hazard, "hazard"),
            (RecordKind::Report, "report"),
            (RecordKind::Household, "household"),
            (RecordKind::Person, "person"),
            (RecordKind::RentalUnit, "rental_unit"),
            (RecordKind::Business, "business"),
        ];
        for (k, name) in stored {
            assert_eq!(k.as_str(), name);
            assert_eq!(RecordKind::parse(name), Some(k));
        }
        for e in EntityKind::ALL {
            assert_eq!(RecordKind::from(e).as_str(), e.as_str());
        }
        assert_eq!(RecordKind::parse("op"), None);
    }
}
