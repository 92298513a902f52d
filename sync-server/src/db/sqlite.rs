//! Embedded SQLite backend: one writer connection, a few read-only ones, WAL.
//! Nothing to set up.

use std::path::Path;
use std::sync::{Condvar, Mutex};

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

/// Read-only connections kept for read transactions (pull, checksum, console pages).
const READERS: usize = 4;

pub struct SqliteDb {
    /// The one writer: every write transaction, one at a time.
    conn: Mutex<Connection>,
    path: std::path::PathBuf,
    /// A read-only connection for long counts (`Db::read_aside`), apart from the
    /// readers so a count never holds one up.
    aside: Mutex<Option<Connection>>,
    /// Read-only connections for `read` transactions: with WAL each reads the last
    /// committed state while the writer goes on, so a pull never waits for a
    /// push (nor sees half of one).
    readers: Box<Readers>,
}

#[derive(Default)]
struct Readers {
    /// Idle connections, and how many are open in all (idle or in use).
    idle: Mutex<(Vec<Connection>, usize)>,
    freed: Condvar,
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
            readers: Box::default(),
        })
    }

    fn open_reader(&self) -> Result<Connection> {
        let c = Connection::open(&self.path).map_err(db_err)?;
        c.execute_batch(
            "PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY; PRAGMA query_only = ON;",
        )
        .map_err(db_err)?;
        Ok(c)
    }

    /// A read transaction on the long-count connection (opened on first use).
    pub fn read_aside<R>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<R>) -> Result<R> {
        let mut slot = self.aside.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(self.open_reader()?);
        }
        let Some(conn) = slot.as_mut() else {
            return Err(ApiError::internal("sqlite: no long-count connection"));
        };
        read_on(conn, f)
    }

    /// A read transaction on one of the read-only connections, waiting while
    /// READERS are in use; the writer is not involved.
    pub fn read<R>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<R>) -> Result<R> {
        let mut conn = {
            let mut pool = self.readers.idle.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if let Some(c) = pool.0.pop() {
                    break c;
                }
                if pool.1 < READERS {
                    pool.1 += 1;
                    drop(pool);
                    match self.open_reader() {
                        Ok(c) => break c,
                        Err(e) => {
                            let mut pool =
                                self.readers.idle.lock().unwrap_or_else(|e| e.into_inner());
                            pool.1 -= 1;
                            self.readers.freed.notify_one();
                            return Err(e);
                        }
                    }
                }
                pool = self
                    .readers
                    .freed
                    .wait(pool)
                    .unwrap_or_else(|e| e.into_inner());
            }
        };
        let out = read_on(&mut conn, f);
        let mut pool = self.readers.idle.lock().unwrap_or_else(|e| e.into_inner());
        pool.0.push(conn);
        self.readers.freed.notify_one();
        out
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

    /// A write transaction on the one writer connection, one at a time.
    pub fn write<R>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<R>) -> Result<R> {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let mut t = SqliteTx { tx, seq: None };
        let out = f(&mut t)?;
        t.tx.commit().map_err(db_err)?;
        Ok(out)
    }
}

/// One read transaction on a read-only connection: a snapshot of the last commit
/// for its whole length.
fn read_on<R>(conn: &mut Connection, f: impl FnOnce(&mut dyn Tx) -> Result<R>) -> Result<R> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Deferred)
        .map_err(db_err)?;
    let mut t = SqliteTx { tx, seq: None };
    let out = f(&mut t)?;
    t.tx.commit().map_err(db_err)?;
    Ok(out)
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
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::db::RowExt;

    fn records(t: &mut dyn Tx) -> Result<i64> {
        t.query_one("SELECT COUNT(*) FROM records", &[])?
            .map(|r| r.int(0))
            .transpose()
            .map(|n| n.unwrap_or(0))
    }

    /// A read runs while a write transaction is open, and sees the last commit,
    /// not the write's rows; the next read after the commit sees them.
    #[test]
    fn reads_do_not_wait_for_a_write_nor_see_it_half_done() {
        let dir = tempfile::tempdir().unwrap();
        let db = std::sync::Arc::new(SqliteDb::open(&dir.path().join("s.db")).unwrap());
        let (inside, wait_inside) = mpsc::channel();
        let (release, wait_release) = mpsc::channel::<()>();
        let writer = {
            let db = db.clone();
            std::thread::spawn(move || {
                db.write(|t| {
                    t.execute(
                        "INSERT INTO records (kind, id, grid_path, seq, body, updated_at)
                         VALUES ('household', 'h1', '/a/', 1, '{}', 0)",
                        &[],
                    )?;
                    inside.send(()).unwrap();
                    wait_release.recv().unwrap();
                    Ok(())
                })
                .unwrap();
            })
        };
        wait_inside.recv().unwrap();
        let (done, got) = mpsc::channel();
        {
            let db = db.clone();
            std::thread::spawn(move || done.send(db.read(records).unwrap()));
        }
        let seen = got.recv_timeout(Duration::from_secs(5));
        release.send(()).unwrap();
        writer.join().unwrap();
        assert_eq!(seen, Ok(0), "the read waited for the write, or saw it");
        assert_eq!(db.read(records).unwrap(), 1);
    }

    #[test]
    fn rewrites_placeholders_only() {
        assert_eq!(
            super::rewrite("SELECT $1, '$x', $12"),
            "SELECT ?1, '$x', ?12"
        );
    }
}
