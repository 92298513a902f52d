//! PostgreSQL backend: the production store. Stateless server instances share it;
//! write transactions take one advisory lock so the change sequence commits in order.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};

use super::{RecordRow, Row, SqlValue, Tx};
use crate::error::{ApiError, Result};

const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/001_init.sql"),
    include_str!("../../migrations/postgres/002_console.sql"),
    include_str!("../../migrations/postgres/003_record_photos.sql"),
    include_str!("../../migrations/postgres/004_console_indexes.sql"),
    include_str!("../../migrations/postgres/005_restores_and_installations.sql"),
    include_str!("../../migrations/postgres/006_audit_chain.sql"),
    include_str!("../../migrations/postgres/007_blob_uploaders.sql"),
    include_str!("../../migrations/postgres/008_taxonomies.sql"),
    include_str!("../../migrations/postgres/009_record_photos_collation.sql"),
    include_str!("../../migrations/postgres/010_cases.sql"),
    include_str!("../../migrations/postgres/011_case_figures.sql"),
    include_str!("../../migrations/postgres/012_template_drafts.sql"),
    include_str!("../../migrations/postgres/013_visit_rules.sql"),
    include_str!("../../migrations/postgres/014_points.sql"),
    include_str!("../../migrations/postgres/015_legacy_plates.sql"),
    include_str!("../../migrations/postgres/016_grid_boundaries.sql"),
    include_str!("../../migrations/postgres/017_last_visits.sql"),
    include_str!("../../migrations/postgres/018_console_partial_indexes.sql"),
    include_str!("../../migrations/postgres/019_coverage_figures.sql"),
    include_str!("../../migrations/postgres/020_hazards_closed_at.sql"),
    include_str!("../../migrations/postgres/021_visit_triggers_on_change.sql"),
];
/// The migration after which the audit rows already there get chained.
const AUDIT_CHAIN: usize = 6;
/// The migration after which the case side tables get filled from the documents.
const CASE_FACTS: usize = 11;
/// Arbitrary but fixed: the advisory lock key of the write path, and of migrations.
const WRITE_LOCK: i64 = 0x6772_6964;
const MIGRATE_LOCK: i64 = 0x6772_6965;
const MAX_IDLE: usize = 8;
/// Connections one server instance opens at most: hundreds of devices syncing at
/// once wait for a connection instead of exhausting PostgreSQL's `max_connections`
/// (100 by default, shared by every instance).
const MAX_OPEN: usize = 16;

/// A connection with the statements already prepared on it: SQL sent by text
/// costs a Parse round trip every time, which doubled the round trips of a push.
struct Conn {
    client: Client,
    prepared: HashMap<String, Statement>,
}

pub struct PgDb {
    url: String,
    idle: Mutex<Vec<Conn>>,
    open: (Mutex<usize>, Condvar),
}

fn db_err(e: postgres::Error) -> ApiError {
    ApiError::internal(format!("postgres: {e}"))
}

impl PgDb {
    pub fn connect(url: &str) -> Result<Self> {
        let db = PgDb {
            url: url.to_string(),
            idle: Mutex::new(Vec::new()),
            open: (Mutex::new(0), Condvar::new()),
        };
        let mut conn = db.client()?;
        Self::migrate(&mut conn)?;
        db.put_back(conn);
        Ok(db)
    }

    /// Schema steps by `schema_version`, in one transaction (under a lock, as
    /// several instances may start at once) with the chaining of audit rows
    /// written before the chain existed.
    fn migrate(conn: &mut Conn) -> Result<()> {
        let Conn { client, prepared } = conn;
        let mut tx = client.transaction().map_err(db_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])
            .map_err(db_err)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .map_err(db_err)?;
        let v: i64 = tx
            .query_opt("SELECT version FROM schema_version", &[])
            .map_err(db_err)?
            .map(|r| r.get(0))
            .unwrap_or(0);
        if v as usize > MIGRATIONS.len() {
            return Err(ApiError::internal(format!(
                "database schema {v} is newer than this server"
            )));
        }
        for m in &MIGRATIONS[v as usize..] {
            tx.batch_execute(m).map_err(db_err)?;
        }
        let mut t = PgTx {
            tx,
            prepared,
            seq: None,
        };
        if (v as usize) < AUDIT_CHAIN {
            crate::rules::audit::chain_existing(&mut t).map_err(ApiError::from)?;
        }
        if (v as usize) < CASE_FACTS {
            crate::rules::case_facts::rebuild(&mut t).map_err(ApiError::from)?;
        }
        let mut tx = t.tx;
        tx.execute("DELETE FROM schema_version", &[])
            .map_err(db_err)?;
        tx.execute(
            "INSERT INTO schema_version VALUES ($1)",
            &[&(MIGRATIONS.len() as i64)],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)
    }

    /// Statements outside any transaction: `VACUUM` refuses to run inside one.
    pub fn maintain(&self, sql: &str) -> Result<()> {
        let mut conn = self.client()?;
        let r = conn.client.batch_execute(sql).map_err(db_err);
        self.put_back(conn);
        r
    }

    /// A connection of this instance's pool, waiting while MAX_OPEN are in use.
    fn client(&self) -> Result<Conn> {
        {
            let (n, freed) = &self.open;
            let mut n = n.lock().unwrap_or_else(|e| e.into_inner());
            while *n >= MAX_OPEN {
                n = freed.wait(n).unwrap_or_else(|e| e.into_inner());
            }
            *n += 1;
        }
        loop {
            let c = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            match c {
                Some(c) if !c.client.is_closed() => return Ok(c),
                Some(_) => continue,
                None => break,
            }
        }
        match Client::connect(&self.url, NoTls) {
            Ok(client) => Ok(Conn {
                client,
                prepared: HashMap::new(),
            }),
            Err(e) => {
                self.release();
                Err(db_err(e))
            }
        }
    }

    fn release(&self) {
        let (n, freed) = &self.open;
        *n.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        freed.notify_one();
    }

    fn put_back(&self, c: Conn) {
        {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < MAX_IDLE && !c.client.is_closed() {
                idle.push(c);
            }
        }
        self.release();
    }

    pub fn transaction<R>(
        &self,
        write: bool,
        f: impl FnOnce(&mut dyn Tx) -> Result<R>,
    ) -> Result<R> {
        let mut conn = self.client()?;
        let result = (|| {
            let mut tx = conn.client.transaction().map_err(db_err)?;
            if write {
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
                    .map_err(db_err)?;
            } else {
                tx.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .map_err(db_err)?;
            }
            let mut t = PgTx {
                tx,
                prepared: &mut conn.prepared,
                seq: None,
            };
            let out = f(&mut t)?;
            t.tx.commit().map_err(db_err)?;
            Ok(out)
        })();
        self.put_back(conn);
        result
    }
}

struct PgTx<'c> {
    tx: postgres::Transaction<'c>,
    prepared: &'c mut HashMap<String, Statement>,
    seq: Option<i64>,
}

impl PgTx<'_> {
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(st) = self.prepared.get(sql) {
            return Ok(st.clone());
        }
        let st = self.tx.prepare(sql).map_err(db_err)?;
        self.prepared.insert(sql.to_string(), st.clone());
        Ok(st)
    }
}

impl ToSql for SqlValue {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            SqlValue::Null => Ok(IsNull::Yes),
            SqlValue::Int(n) => match *ty {
                Type::INT4 => (*n as i32).to_sql(ty, out),
                Type::INT2 => (*n as i16).to_sql(ty, out),
                Type::BOOL => (*n != 0).to_sql(ty, out),
                Type::FLOAT8 => (*n as f64).to_sql(ty, out),
                _ => n.to_sql(ty, out),
            },
            SqlValue::Real(x) => x.to_sql(ty, out),
            SqlValue::Text(s) => s.as_str().to_sql(ty, out),
            SqlValue::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn from_pg(row: &postgres::Row, i: usize) -> Result<SqlValue> {
    let ty = row.columns()[i].type_().clone();
    let err = |e: postgres::Error| db_err(e);
    Ok(match ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(i)
            .map_err(err)?
            .map(SqlValue::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map_err(err)?
            .map(|v| SqlValue::Int(v as i64)),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map_err(err)?
            .map(|v| SqlValue::Int(v as i64)),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .map_err(err)?
            .map(|v| SqlValue::Int(v as i64)),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(i)
            .map_err(err)?
            .map(SqlValue::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)
            .map_err(err)?
            .map(|v| SqlValue::Real(v as f64)),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(i)
            .map_err(err)?
            .map(SqlValue::Blob),
        _ => row
            .try_get::<_, Option<String>>(i)
            .map_err(err)?
            .map(SqlValue::Text),
    }
    .unwrap_or(SqlValue::Null))
}

/// COPY's text format: backslash escapes for the few bytes it treats specially.
fn copy_field(out: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

impl Tx for PgTx<'_> {
    fn seq_counter(&mut self) -> &mut Option<i64> {
        &mut self.seq
    }

    fn is_postgres(&self) -> bool {
        true
    }

    fn insert_records(&mut self, rows: &[RecordRow]) -> Result<()> {
        use std::io::Write;
        let mut w = self
            .tx
            .copy_in(
                "COPY records (kind, id, grid_path, address_code, seq, body, updated_at) FROM STDIN",
            )
            .map_err(db_err)?;
        let mut buf = Vec::with_capacity(1 << 20);
        for r in rows {
            copy_field(&mut buf, &r.kind);
            buf.push(b'\t');
            copy_field(&mut buf, &r.id);
            buf.push(b'\t');
            copy_field(&mut buf, &r.grid_path);
            buf.push(b'\t');
            match &r.address_code {
                Some(a) => copy_field(&mut buf, a),
                None => buf.extend_from_slice(b"\\N"),
            }
            buf.extend_from_slice(format!("\t{}\t", r.seq).as_bytes());
            copy_field(&mut buf, &r.body);
            buf.extend_from_slice(format!("\t{}\n", r.updated_at).as_bytes());
            if buf.len() > (1 << 20) {
                w.write_all(&buf)
                    .map_err(|e| ApiError::internal(format!("postgres copy: {e}")))?;
                buf.clear();
            }
        }
        w.write_all(&buf)
            .map_err(|e| ApiError::internal(format!("postgres copy: {e}")))?;
        w.finish().map_err(db_err)?;
        Ok(())
    }

    fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64> {
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let st = self.statement(sql)?;
        self.tx.execute(&st, &refs).map_err(db_err)
    }

    fn query(&mut self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>> {
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let st = self.statement(sql)?;
        let rows = self.tx.query(&st, &refs).map_err(db_err)?;
        rows.iter()
            .map(|r| (0..r.len()).map(|i| from_pg(r, i)).collect())
            .collect()
    }
}
