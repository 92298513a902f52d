//! Storage: one small SQL surface that both backends speak. Logic is written once
//! against `Tx` with `$1`-style placeholders; the SQLite backend rewrites them.
//! Write transactions are serialised (SQLite's single writer, a PostgreSQL
//! advisory lock), which keeps the change sequence gap-free for pull cursors.

pub mod postgres;
pub mod records;
pub mod sqlite;

use crate::error::{ApiError, Result};

#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        SqlValue::Int(v)
    }
}
impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        SqlValue::Text(v.to_string())
    }
}
impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        SqlValue::Text(v)
    }
}
impl From<&String> for SqlValue {
    fn from(v: &String) -> Self {
        SqlValue::Text(v.clone())
    }
}
impl From<Vec<u8>> for SqlValue {
    fn from(v: Vec<u8>) -> Self {
        SqlValue::Blob(v)
    }
}
impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(SqlValue::Null)
    }
}

pub type Row = Vec<SqlValue>;

pub trait RowExt {
    fn text(&self, i: usize) -> Result<String>;
    fn opt_text(&self, i: usize) -> Option<String>;
    fn int(&self, i: usize) -> Result<i64>;
    fn opt_int(&self, i: usize) -> Option<i64>;
    fn blob(&self, i: usize) -> Result<Vec<u8>>;
}

impl RowExt for Row {
    fn text(&self, i: usize) -> Result<String> {
        self.opt_text(i)
            .ok_or_else(|| ApiError::internal(format!("column {i}: expected text")))
    }
    fn opt_text(&self, i: usize) -> Option<String> {
        match self.get(i) {
            Some(SqlValue::Text(s)) => Some(s.clone()),
            _ => None,
        }
    }
    fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)
            .ok_or_else(|| ApiError::internal(format!("column {i}: expected integer")))
    }
    fn opt_int(&self, i: usize) -> Option<i64> {
        match self.get(i) {
            Some(SqlValue::Int(n)) => Some(*n),
            _ => None,
        }
    }
    fn blob(&self, i: usize) -> Result<Vec<u8>> {
        match self.get(i) {
            Some(SqlValue::Blob(b)) => Ok(b.clone()),
            Some(SqlValue::Text(s)) => Ok(s.clone().into_bytes()),
            _ => Err(ApiError::internal(format!("column {i}: expected bytes"))),
        }
    }
}

/// A `records` row written as is, seq included: bulk loads (the city generator).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    pub kind: String,
    pub id: String,
    pub grid_path: String,
    pub address_code: Option<String>,
    pub seq: i64,
    pub body: String,
    pub updated_at: i64,
}

/// One transaction on either backend.
pub trait Tx {
    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64>;
    fn query(&mut self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>>;

    /// Insert new records in one go (a prepared statement per row here; PostgreSQL
    /// streams them with COPY).
    fn insert_records(&mut self, rows: &[RecordRow]) -> Result<()> {
        for r in rows {
            self.execute(
                "INSERT INTO records (kind, id, grid_path, address_code, seq, body, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    r.kind.as_str().into(),
                    r.id.as_str().into(),
                    r.grid_path.as_str().into(),
                    r.address_code.clone().into(),
                    r.seq.into(),
                    r.body.as_str().into(),
                    r.updated_at.into(),
                ],
            )?;
        }
        Ok(())
    }

    /// The transaction's change counter: `None` until `next_seq` first reads it.
    fn seq_counter(&mut self) -> &mut Option<i64>;

    /// The next change sequence number. Read from the table once per transaction
    /// and counted on from there: write transactions are serialised (one SQLite
    /// connection; an advisory lock on PostgreSQL), so nobody else takes seqs
    /// meanwhile, and a push of 100 edits asks PostgreSQL 99 times less.
    fn next_seq(&mut self) -> Result<i64> {
        let next = match *self.seq_counter() {
            Some(last) => last + 1,
            None => self
                .query_one("SELECT COALESCE(MAX(seq), 0) + 1 FROM records", &[])?
                .map(|r| r.int(0))
                .transpose()?
                .ok_or_else(|| crate::error::ApiError::internal("no seq"))?,
        };
        *self.seq_counter() = Some(next);
        Ok(next)
    }

    fn query_one(&mut self, sql: &str, params: &[SqlValue]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// For the few statements the backends spell differently (full-text search).
    fn is_postgres(&self) -> bool {
        false
    }
}

/// The server's database: embedded SQLite by default, PostgreSQL in production.
pub enum Db {
    Sqlite(sqlite::SqliteDb),
    Postgres(postgres::PgDb),
}

impl Db {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; anything else is a SQLite file path.
    pub fn open(target: &str) -> Result<Db> {
        if target.starts_with("postgres://") || target.starts_with("postgresql://") {
            Ok(Db::Postgres(postgres::PgDb::connect(target)?))
        } else {
            Ok(Db::Sqlite(sqlite::SqliteDb::open(std::path::Path::new(
                target,
            ))?))
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// After a bulk load of records: planner statistics on both backends and, on
    /// PostgreSQL, a VACUUM too. Rows written by COPY are not yet marked visible to
    /// all, so every index-only scan (the console's counts) went to the table for
    /// each row until autovacuum got there.
    pub fn after_bulk_load(&self) -> Result<()> {
        match self {
            Db::Sqlite(_) => self.write(|tx| tx.execute("ANALYZE records", &[]).map(drop)),
            Db::Postgres(d) => d.maintain("VACUUM (ANALYZE) records"),
        }
    }

    /// Run `f` in a serialised write transaction; commit on Ok, roll back on Err.
    pub fn write<R>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<R>) -> Result<R> {
        match self {
            Db::Sqlite(d) => d.write(f),
            Db::Postgres(d) => d.transaction(true, f),
        }
    }

    /// `write` for work with an error type of its own (the rules'): rolls back
    /// on Err like `write`, and hands the typed error back intact.
    pub fn write_as<R, E: From<ApiError>>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> std::result::Result<R, E>,
    ) -> std::result::Result<R, E> {
        let mut failed = None;
        let out = self.write(|tx| {
            f(tx).map_err(|e| {
                failed = Some(e);
                ApiError::internal("rolled back")
            })
        });
        match failed {
            Some(e) => Err(e),
            None => out.map_err(E::from),
        }
    }

    /// `read` for work with an error type of its own (the rules').
    pub fn read_as<R, E: From<ApiError>>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> std::result::Result<R, E>,
    ) -> std::result::Result<R, E> {
        let mut failed = None;
        let out = self.read(|tx| {
            f(tx).map_err(|e| {
                failed = Some(e);
                ApiError::internal("rolled back")
            })
        });
        match failed {
            Some(e) => Err(e),
            None => out.map_err(E::from),
        }
    }

    /// A read transaction that does not hold up the requests for its length: on
    /// SQLite on a read-only connection of its own (not one of `read`'s), on
    /// PostgreSQL a pooled one like `read`. For long counts run in the background.
    pub fn read_aside<R>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<R>) -> Result<R> {
        match self {
            Db::Sqlite(d) => d.read_aside(f),
            Db::Postgres(d) => d.transaction(false, f),
        }
    }

    /// Run `f` in a read transaction: a consistent snapshot of the last commit, not
    /// waiting for a write in progress (on SQLite a read-only connection of its own).
    pub fn read<R>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<R>) -> Result<R> {
        match self {
            Db::Sqlite(d) => d.read(f),
            Db::Postgres(d) => d.transaction(false, f),
        }
    }
}

/// Rows per multi-row INSERT or IN list.
pub const ROWS_PER_STATEMENT: usize = 100;

/// `$first, $first+1, …`: `n` numbered placeholders.
pub fn placeholders(first: usize, n: usize) -> String {
    let marks: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
    marks.join(", ")
}

/// `INSERT INTO <table_cols> VALUES (…), (…)` in statements of ROWS_PER_STATEMENT rows.
pub fn insert_rows<const N: usize>(
    tx: &mut dyn Tx,
    table_cols: &str,
    rows: &[[SqlValue; N]],
) -> Result<()> {
    insert_rows_then(tx, table_cols, rows, "")
}

/// `insert_rows` with a clause after the values (`ON CONFLICT …`).
pub fn insert_rows_then<const N: usize>(
    tx: &mut dyn Tx,
    table_cols: &str,
    rows: &[[SqlValue; N]],
    then: &str,
) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", placeholders(r * N + 1, N)))
            .collect();
        let params: Vec<SqlValue> = chunk.iter().flat_map(|row| row.iter().cloned()).collect();
        tx.execute(
            &format!(
                "INSERT INTO {table_cols} VALUES {}{}{then}",
                values.join(", "),
                if then.is_empty() { "" } else { " " }
            ),
            &params,
        )?;
    }
    Ok(())
}
