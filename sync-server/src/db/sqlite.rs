//! Embedded SQLite backend: one connection, one writer, WAL. Nothing to set up.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, TransactionBehavior};

use super::{Row, SqlValue, Tx};
use crate::error::{ApiError, Result};

const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/001_init.sql"),
    include_str!("../../migrations/sqlite/002_console.sql"),
    include_str!("../../migrations/sqlite/003_record_photos.sql"),
    include_str!("../../migrations/sqlite/004_console_indexes.sql"),
    include_str!("../../migrations/sqlite/005_restores_and_installations.sql"),
    include_str!("../../migrations/sqlite/006_audit_chain.sql"),
    include_str!("../../migrations/sqlite/007_blob_uploaders.sql"),
    include_str!("../../migrations/sqlite/008_taxonomies.sql"),
    include_str!("../../migrations/sqlite/009_record_photos_collation.sql"),
    include_str!("../../migrations/sqlite/010_cases.sql"),
    include_str!("../../migrations/sqlite/011_case_figures.sql"),
    include_str!("../../migrations/sqlite/012_template_drafts.sql"),
    include_str!("../../migrations/sqlite/013_visit_rules.sql"),
    include_str!("../../migrations/sqlite/014_points.sql"),
    include_str!("../../migrations/sqlite/015_legacy_plates.sql"),
    include_str!("../../migrations/sqlite/016_grid_boundaries.sql"),
    include_str!("../../migrations/sqlite/017_last_visits.sql"),
    include_str!("../../migrations/sqlite/018_console_partial_indexes.sql"),
    include_str!("../../migrations/sqlite/019_coverage_figures.sql"),
    include_str!("../../migrations/sqlite/020_hazards_closed_at.sql"),
    include_str!("../../migrations/sqlite/021_visit_triggers_on_change.sql"),
];
/// The migration after which the audit rows already there get chained.
const AUDIT_CHAIN: usize = 6;
/// The migration after which the case side tables get filled from the documents.
const CASE_FACTS: usize = 11;

pub struct SqliteDb {
    conn: Mutex<Connection>,
    path: std::path::PathBuf,
    /// A second, read-only connection for long counts (`Db::read_aside`): WAL
    /// lets it read a snapshot while `conn` goes on serving every request.
    aside: Mutex<Option<Connection>>,
}

impl SqliteDb {
    pub fn open(path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path).map_err(db_err)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY;",
        )
        .map_err(db_err)?;
        Self::migrate(&mut conn)?;
        // Planner statistics: the console's lists choose between a grid-path index and
        // a status or time index by how many rows each would visit; without
        // statistics SQLite guesses, and on a city's data guessed wrong by 1,000×.
        // `optimize` analyses only tables whose statistics are missing or stale (a few
        // seconds once on a city-sized database, nothing after). Not on a small
        // database: statistics of nearly empty tables mislead the planner as the
        // tables grow (a bulk load into a fresh database ran 40% slower with them).
        let rows: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM (SELECT 1 FROM records LIMIT 10000)",
                [],
                |r| r.get(0),
            )
            .map_err(db_err)?;
        if rows >= 10_000 {
            conn.execute_batch("PRAGMA optimize = 0x10002;")
                .map_err(db_err)?;
        }
        Ok(SqliteDb {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            aside: Mutex::new(None),
        })
    }

    /// A read transaction on the second connection (opened on first use).
    pub fn read_aside<R>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<R>) -> Result<R> {
        let mut slot = self.aside.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            let c = Connection::open(&self.path).map_err(db_err)?;
            c.execute_batch(
                "PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY; PRAGMA query_only = ON;",
            )
            .map_err(db_err)?;
            *slot = Some(c);
        }
        let Some(conn) = slot.as_mut() else {
            return Err(ApiError::internal("sqlite: no second connection"));
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(db_err)?;
        let mut t = SqliteTx { tx, seq: None };
        let out = f(&mut t)?;
        t.tx.commit().map_err(db_err)?;
        Ok(out)
    }

    /// Schema steps by `PRAGMA user_version`, in one transaction with the chaining
    /// of audit rows written before the chain existed.
    fn migrate(conn: &mut Connection) -> Result<()> {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let v: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(db_err)?;
        let v = v as usize;
        if v > MIGRATIONS.len() {
            return Err(ApiError::internal(format!(
                "database schema {v} is newer than this server"
            )));
        }
        for m in &MIGRATIONS[v..] {
            tx.execute_batch(m).map_err(db_err)?;
        }
        let mut t = SqliteTx { tx, seq: None };
        if v < AUDIT_CHAIN {
            crate::rules::audit::chain_existing(&mut t).map_err(ApiError::from)?;
        }
        if v < CASE_FACTS {
            crate::rules::case_facts::rebuild(&mut t).map_err(ApiError::from)?;
        }
        t.tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)
            .map_err(db_err)?;
        t.tx.commit().map_err(db_err)
    }

    pub fn transaction<R>(
        &self,
        write: bool,
        f: impl FnOnce(&mut dyn Tx) -> Result<R>,
    ) -> Result<R> {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let behavior = if write {
            TransactionBehavior::Immediate
        } else {
            TransactionBehavior::Deferred
        };
        let tx = conn.transaction_with_behavior(behavior).map_err(db_err)?;
        let mut t = SqliteTx { tx, seq: None };
        let out = f(&mut t)?;
        t.tx.commit().map_err(db_err)?;
        Ok(out)
    }
}

struct SqliteTx<'c> {
    tx: rusqlite::Transaction<'c>,
    seq: Option<i64>,
}

fn db_err(e: rusqlite::Error) -> ApiError {
    ApiError::internal(format!("sqlite: {e}"))
}

/// `$1` → `?1`: SQL is written once in PostgreSQL's placeholder style.
fn rewrite(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

fn to_value(v: &SqlValue) -> Value {
    match v {
        SqlValue::Null => Value::Null,
        SqlValue::Int(n) => Value::Integer(*n),
        SqlValue::Real(x) => Value::Real(*x),
        SqlValue::Text(s) => Value::Text(s.clone()),
        SqlValue::Blob(b) => Value::Blob(b.clone()),
    }
}

impl Tx for SqliteTx<'_> {
    fn seq_counter(&mut self) -> &mut Option<i64> {
        &mut self.seq
    }

    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64> {
        let mut st = self.tx.prepare_cached(&rewrite(sql)).map_err(db_err)?;
        let n = st
            .execute(rusqlite::params_from_iter(params.iter().map(to_value)))
            .map_err(db_err)?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>> {
        let mut st = self.tx.prepare_cached(&rewrite(sql)).map_err(db_err)?;
        let n = st.column_count();
        let mut rows = st
            .query(rusqlite::params_from_iter(params.iter().map(to_value)))
            .map_err(db_err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(db_err)? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(match r.get_ref(i).map_err(db_err)? {
                    ValueRef::Null => SqlValue::Null,
                    ValueRef::Integer(x) => SqlValue::Int(x),
                    ValueRef::Real(x) => SqlValue::Real(x),
                    ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
                });
            }
            out.push(row);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rewrites_placeholders_only() {
        assert_eq!(
            super::rewrite("SELECT $1, '$x', $12"),
            "SELECT ?1, '$x', ?12"
        );
    }
}
