//! Where generated records go: buffered rows written in big transactions at
//! their final seq, counted by kind and subtree for the summary; and what one
//! lowest-level grid holds while the year of activity is generated.

use std::collections::BTreeMap;

use gridfield_core::record::RecordKind;
use gridfield_server::db::{Db, RecordRow};
use gridfield_server::error::Result;
use serde_json::Value;

use crate::figures::BATCH;

/// A plate of the grid: code, full text, coordinates.
pub(crate) type Plate = (String, String, Option<(f64, f64)>);

/// What one lowest-level grid holds, kept for the activity year.
pub(crate) struct GridInfo {
    pub(crate) code: String,
    pub(crate) path: String,
    pub(crate) town: usize,
    pub(crate) community: usize,
    pub(crate) worker: String,
    pub(crate) worker_device: String,
    pub(crate) supervisor: String,
    pub(crate) addresses: Vec<Plate>,
    pub(crate) households: Vec<(String, usize)>,
    /// Businesses: entity id, index of its plate, business kind.
    pub(crate) businesses: Vec<(String, usize, &'static str)>,
}

/// Counts of what was generated, and subtrees for benchmarks to pick scopes from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CitySummary {
    pub seed: u64,
    pub scale: f64,
    pub records: u64,
    pub by_kind: BTreeMap<String, u64>,
    /// The first lowest-level grid: a grid worker's slice.
    pub worker_grid: String,
    /// Towns and communities with the records under each.
    pub subtrees: Vec<Subtree>,
    pub first_seq: i64,
    pub last_seq: i64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Subtree {
    pub code: String,
    pub name: String,
    pub level: u32,
    pub records: u64,
}

/// Drop the console's list indexes (partial, per kind: migration 018) for the bulk
/// load, or build them again after it: kept up to date row by row they made the
/// load many times slower, and built at the end each is one sort. The bulk load
/// must leave the indexes a migrated server has, no more: a city that rebuilt the
/// all-kind indexes 018 replaced made every household edit maintain five more.
pub(crate) fn console_indexes(db: &Db, build: bool) -> Result<()> {
    let ddl = if db.backend() == "postgres" {
        include_str!("../../../migrations/postgres/018_console_partial_indexes.sql")
    } else {
        include_str!("../../../migrations/sqlite/018_console_partial_indexes.sql")
    };
    let sql: Vec<&str> = ddl
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect();
    let sql = sql.join("\n");
    db.write(|tx| {
        let creates = sql
            .split(';')
            .map(str::trim)
            .filter(|s| s.starts_with("CREATE INDEX"));
        for stmt in creates {
            if build {
                tx.execute(stmt, &[])?;
            } else {
                let name = stmt.split_whitespace().nth(2).unwrap_or_default();
                tx.execute(&format!("DROP INDEX IF EXISTS {name}"), &[])?;
            }
        }
        Ok(())
    })
}

/// Buffers records and writes them in big transactions with their final seq.
pub(crate) struct Sink<'a> {
    pub(crate) db: &'a Db,
    pub(crate) buf: Vec<RecordRow>,
    pub(crate) seq: i64,
    pub(crate) first_seq: i64,
    pub(crate) by_kind: BTreeMap<String, u64>,
    pub(crate) per_town: Vec<u64>,
    pub(crate) per_community: Vec<u64>,
    pub(crate) progress: Option<indicatif::ProgressBar>,
}

impl Sink<'_> {
    pub(crate) fn put(
        &mut self,
        kind: RecordKind,
        id: String,
        g: &GridInfo,
        address: Option<&str>,
        body: &Value,
        at: i64,
    ) -> Result<()> {
        self.seq += 1;
        *self.by_kind.entry(kind.as_str().to_string()).or_default() += 1;
        self.per_town[g.town] += 1;
        self.per_community[g.community] += 1;
        self.buf.push(RecordRow::new(
            kind, id, &g.path, address, self.seq, body, at,
        ));
        if self.buf.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    pub(crate) fn flush(&mut self) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.buf);
        self.db.write(|tx| tx.insert_records(&rows))?;
        if let Some(p) = &self.progress {
            p.inc(rows.len() as u64);
        }
        self.buf = rows;
        self.buf.clear();
        Ok(())
    }
}

/// Share `total` over `n` parts by `weights`, every part at least 1.
pub(crate) fn apportion(total: usize, weights: &[usize]) -> Vec<usize> {
    let n = weights.len();
    let total = total.max(n);
    let sum: usize = weights.iter().sum();
    let mut out: Vec<usize> = weights
        .iter()
        .map(|w| (total * w / sum.max(1)).max(1))
        .collect();
    let mut i = 0;
    while out.iter().sum::<usize>() < total {
        out[i % n] += 1;
        i += 1;
    }
    while out.iter().sum::<usize>() > total {
        let j = (0..n).max_by_key(|&j| out[j]).unwrap_or(0);
        out[j] -= 1;
    }
    out
}

pub(crate) fn scaled(n: f64, scale: f64) -> usize {
    (n * scale).round().max(1.0) as usize
}
