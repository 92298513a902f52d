//! The audit trail: who did what to which record, from which device. Rows are
//! appended, never changed; details carry codes and counts, and for entity edits
//! the changed fields' values as `FieldSpec::audit_value` allows them (ID numbers
//! and phones masked, codes, numbers and dates as they are; names and other free
//! text of a person never, only that the field changed).
//! Each row is chained to the one before it (SHA-256 over the row and the previous
//! hash, in chain order), so an edited, deleted or inserted row shows in `verify`.

use std::collections::VecDeque;
use std::io::Write;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Error, Result, now_ms};
use crate::db::{ROWS_PER_STATEMENT, Row, RowExt, SqlValue as V, Tx, placeholders};

/// What the first row of the chain follows.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit row before it is chained.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub at: i64,
    pub actor: String,
    pub device: Option<String>,
    pub action: String,
    pub kind: String,
    pub entity_id: String,
    pub detail: Option<String>,
}

impl Entry {
    pub fn new(
        actor: &str,
        device: Option<&str>,
        action: &str,
        kind: &str,
        id: &str,
        detail: Option<&Value>,
    ) -> Entry {
        Entry {
            at: now_ms(),
            actor: actor.into(),
            device: device.map(String::from),
            action: action.into(),
            kind: kind.into(),
            entity_id: id.into(),
            detail: detail.map(|d| d.to_string()),
        }
    }

    /// From the columns `at, actor, device_id, action, kind, entity_id, detail`,
    /// the first at index `first`.
    pub fn from_row(r: &Row, first: usize) -> Result<Entry> {
        Ok(Entry {
            at: r.int(first)?,
            actor: r.text(first + 1)?,
            device: r.opt_text(first + 2),
            action: r.text(first + 3)?,
            kind: r.text(first + 4)?,
            entity_id: r.text(first + 5)?,
            detail: r.opt_text(first + 6),
        })
    }
}

/// The hash of a row at chain position `seq` following `prev`: SHA-256 over a
/// length-prefixed encoding, so no two different rows encode alike.
pub fn chain_hash(prev: &str, seq: i64, e: &Entry) -> String {
    let mut h = Sha256::new();
    h.update(b"gridfield-audit-v1\0");
    h.update(prev.as_bytes());
    h.update(seq.to_be_bytes());
    h.update(e.at.to_be_bytes());
    for field in [
        Some(e.actor.as_str()),
        e.device.as_deref(),
        Some(e.action.as_str()),
        Some(e.kind.as_str()),
        Some(e.entity_id.as_str()),
        e.detail.as_deref(),
    ] {
        match field {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                h.update((s.len() as u64).to_be_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    hex::encode(h.finalize())
}

pub fn audit(
    tx: &mut dyn Tx,
    actor: &str,
    device: Option<&str>,
    action: &str,
    kind: &str,
    id: &str,
    detail: Option<&Value>,
) -> Result<()> {
    append(tx, &[Entry::new(actor, device, action, kind, id, detail)])
}

/// Append rows to the chain. The chain head is read with a row lock (PostgreSQL:
/// `FOR UPDATE`, held to commit; SQLite has one writer), so concurrent writers
/// queue here and each row follows the one committed before it.
pub fn append(tx: &mut dyn Tx, entries: &[Entry]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let sql = if tx.is_postgres() {
        "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
    } else {
        "SELECT seq, hash FROM audit_head WHERE id = 1"
    };
    let head = tx
        .query_one(sql, &[])?
        .ok_or_else(|| Error::internal("audit chain head missing"))?;
    let (mut seq, mut prev) = (head.int(0)?, head.text(1)?);
    for chunk in entries.chunks(ROWS_PER_STATEMENT) {
        let mut values = Vec::with_capacity(chunk.len());
        let mut params: Vec<V> = Vec::with_capacity(chunk.len() * 10);
        for e in chunk {
            seq += 1;
            let hash = chain_hash(&prev, seq, e);
            let n = params.len();
            values.push(format!("({})", placeholders(n + 1, 10)));
            params.extend([
                e.at.into(),
                e.actor.as_str().into(),
                e.device.clone().into(),
                e.action.as_str().into(),
                e.kind.as_str().into(),
                e.entity_id.as_str().into(),
                e.detail.clone().into(),
                seq.into(),
                prev.as_str().into(),
                hash.as_str().into(),
            ]);
            prev = hash;
        }
        tx.execute(
            &format!(
                "INSERT INTO audit (at, actor, device_id, action, kind, entity_id, detail, chain_seq, prev_hash, hash) VALUES {}",
                values.join(", ")
            ),
            &params,
        )?;
    }
    tx.execute(
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
        &[seq.into(), prev.into()],
    )?;
    Ok(())
}

const ROW_COLS: &str =
    "id, chain_seq, prev_hash, hash, at, actor, device_id, action, kind, entity_id, detail";

/// A stored audit row with its place in the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub id: i64,
    pub seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    pub entry: Entry,
}

impl Stored {
    fn from_row(r: &Row) -> Result<Stored> {
        Ok(Stored {
            id: r.int(0)?,
            seq: r.opt_int(1),
            prev_hash: r.opt_text(2),
            hash: r.opt_text(3),
            entry: Entry::from_row(r, 4)?,
        })
    }
}

/// Chain the rows written before the chain existed, in the order they were
/// written (id). Run once, by the migration that adds the chain.
pub fn chain_existing(tx: &mut dyn Tx) -> Result<u64> {
    let head = tx
        .query_one("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?
        .ok_or_else(|| Error::internal("audit chain head missing"))?;
    let (mut seq, mut prev) = (head.int(0)?, head.text(1)?);
    let mut n = 0;
    loop {
        let rows = tx.query(
            &format!("SELECT {ROW_COLS} FROM audit WHERE chain_seq IS NULL ORDER BY id LIMIT 1000"),
            &[],
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let s = Stored::from_row(r)?;
            seq += 1;
            let hash = chain_hash(&prev, seq, &s.entry);
            tx.execute(
                "UPDATE audit SET chain_seq = $1, prev_hash = $2, hash = $3 WHERE id = $4",
                &[
                    seq.into(),
                    prev.as_str().into(),
                    hash.as_str().into(),
                    s.id.into(),
                ],
            )?;
            prev = hash;
            n += 1;
        }
    }
    tx.execute(
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
        &[seq.into(), prev.into()],
    )?;
    Ok(n)
}

/// Where the chain breaks: the first row that is not as it was written.
#[derive(Debug, Clone, PartialEq)]
pub enum Break {
    /// A row outside the chain (written straight into the table).
    Unchained { id: i64 },
    /// Chain positions `from..=to` are gone; `before` is the row after the gap.
    Deleted { from: i64, to: i64, before: i64 },
    /// The row's content no longer matches its hash.
    Edited { id: i64, seq: i64 },
    /// The row does not follow the one before it: that one was replaced, or rows
    /// were put in between.
    Relinked { id: i64, seq: i64, after: i64 },
    /// The last rows of the chain are gone: it ends at `last`, the head says `head`.
    Truncated { last: i64, head: i64 },
    /// Rows after the recorded head (added outside the server).
    BeyondHead { id: i64, head: i64 },
    /// The head no longer matches the last row.
    HeadEdited { head: i64 },
    /// The head row itself is gone.
    HeadMissing,
}

impl Break {
    /// The operator's message (English and Chinese, like the admin CLI's errors).
    pub fn message(&self) -> String {
        match self {
            Break::Unchained { id } => format!(
                "审计记录 #{id} 不在链中（绕过服务器写入） audit row #{id} is not in the chain (inserted outside the server)"
            ),
            Break::Deleted { from, to, before } => format!(
                "链位置 {from}–{to} 的审计记录已被删除（在记录 #{before} 之前） audit rows at chain positions {from}-{to} were deleted (before row #{before})"
            ),
            Break::Edited { id, seq } => format!(
                "审计记录 #{id}（链位置 {seq}）已被修改 audit row #{id} (chain position {seq}) was edited"
            ),
            Break::Relinked { id, seq, after } => format!(
                "审计记录 #{id}（链位置 {seq}）不接续记录 #{after}：其间记录被替换或插入 audit row #{id} (chain position {seq}) does not follow row #{after}: a row before it was replaced or inserted"
            ),
            Break::Truncated { last, head } => format!(
                "审计链在位置 {last} 结束，应到 {head}：末尾记录已被删除 the audit chain ends at position {last} but its head is {head}: the last rows were deleted"
            ),
            Break::BeyondHead { id, head } => format!(
                "审计记录 #{id} 位于链头 {head} 之后（绕过服务器写入） audit row #{id} lies beyond the chain head {head} (inserted outside the server)"
            ),
            Break::HeadMissing => "审计链头已被删除 the audit chain head was deleted".to_string(),
            Break::HeadEdited { head } => format!(
                "审计链头（位置 {head}）与最后一条记录不符 the audit chain head (position {head}) does not match the last row"
            ),
        }
    }
}

/// What `verify` found: how many rows it walked, the head (to record elsewhere:
/// a later verify that reaches the same hash proves nothing before it changed)
/// and the first break, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub rows: u64,
    pub head_seq: i64,
    pub head_hash: String,
    pub broken: Option<Break>,
}

/// Walk the chain from the genesis and report the first row that breaks it.
pub fn verify(tx: &mut dyn Tx) -> Result<Verdict> {
    let Some(head) = tx.query_one("SELECT seq, hash FROM audit_head WHERE id = 1", &[])? else {
        return Ok(Verdict {
            rows: 0,
            head_seq: 0,
            head_hash: String::new(),
            broken: Some(Break::HeadMissing),
        });
    };
    let (head_seq, head_hash) = (head.int(0)?, head.text(1)?);
    let mut v = Verdict {
        rows: 0,
        head_seq,
        head_hash: head_hash.clone(),
        broken: None,
    };
    if let Some(r) = tx.query_one(
        "SELECT id FROM audit WHERE chain_seq IS NULL OR prev_hash IS NULL OR hash IS NULL ORDER BY id LIMIT 1",
        &[],
    )? {
        v.broken = Some(Break::Unchained { id: r.int(0)? });
        return Ok(v);
    }
    let (mut last_seq, mut last_hash, mut last_id) = (0i64, GENESIS.to_string(), 0i64);
    // Recent hashes: a row that links to an older one names the row it skipped to.
    let mut recent: VecDeque<(String, i64)> = VecDeque::new();
    loop {
        let rows = tx.query(
            &format!(
                "SELECT {ROW_COLS} FROM audit WHERE chain_seq > $1 ORDER BY chain_seq LIMIT 1000"
            ),
            &[last_seq.into()],
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let s = Stored::from_row(r)?;
            let (seq, prev, hash) = (
                s.seq.unwrap_or(0),
                s.prev_hash.clone().unwrap_or_default(),
                s.hash.clone().unwrap_or_default(),
            );
            let broken = if seq > head_seq {
                Some(Break::BeyondHead {
                    id: s.id,
                    head: head_seq,
                })
            } else if seq != last_seq + 1 {
                Some(Break::Deleted {
                    from: last_seq + 1,
                    to: seq - 1,
                    before: s.id,
                })
            } else if chain_hash(&prev, seq, &s.entry) != hash {
                Some(Break::Edited { id: s.id, seq })
            } else if prev != last_hash {
                let after = recent
                    .iter()
                    .find(|(h, _)| *h == prev)
                    .map(|(_, id)| *id)
                    .unwrap_or(last_id);
                Some(Break::Relinked {
                    id: s.id,
                    seq,
                    after,
                })
            } else {
                None
            };
            if broken.is_some() {
                v.broken = broken;
                return Ok(v);
            }
            if recent.len() == 1024 {
                recent.pop_front();
            }
            recent.push_back((hash.clone(), s.id));
            (last_seq, last_hash, last_id) = (seq, hash, s.id);
            v.rows += 1;
        }
    }
    if last_seq < head_seq {
        v.broken = Some(Break::Truncated {
            last: last_seq,
            head: head_seq,
        });
    } else if last_hash != head_hash {
        v.broken = Some(Break::HeadEdited { head: head_seq });
    }
    Ok(v)
}

/// Which audit rows to show or export; every part optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// From this instant (ms, inclusive).
    pub since: Option<i64>,
    /// Until this instant (ms, exclusive).
    pub until: Option<i64>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// The record's kind (`address`, `person`, `user`, …).
    pub kind: Option<String>,
    pub entity_id: Option<String>,
}

impl Filter {
    /// ` AND …` conditions on the audit table aliased `a`, numbered from `$first`.
    pub fn sql(&self, first: usize) -> (String, Vec<V>) {
        let mut sql = String::new();
        let mut params: Vec<V> = Vec::new();
        let mut add = |cond: &str, v: V| {
            params.push(v);
            sql.push_str(&format!(" AND {cond} ${}", first + params.len() - 1));
        };
        if let Some(t) = self.since {
            add("a.at >=", t.into());
        }
        if let Some(t) = self.until {
            add("a.at <", t.into());
        }
        if let Some(x) = &self.actor {
            add("a.actor =", x.into());
        }
        if let Some(x) = &self.action {
            add("a.action =", x.into());
        }
        if let Some(x) = &self.kind {
            add("a.kind =", x.into());
        }
        if let Some(x) = &self.entity_id {
            add("a.entity_id =", x.into());
        }
        (sql, params)
    }
}

/// An export's audit detail: the filter and the row count, never the rows.
pub fn filter_detail(f: &Filter, rows: u64) -> Value {
    serde_json::json!({
        "since": f.since,
        "until": f.until,
        "actor": f.actor,
        "action": f.action,
        "kind": f.kind,
        "entity_id": f.entity_id,
        "rows": rows,
    })
}

pub const CSV_HEADER: [&str; 11] = [
    "id",
    "chain_seq",
    "at",
    "actor",
    "device_id",
    "action",
    "kind",
    "entity_id",
    "detail",
    "prev_hash",
    "hash",
];

/// Write one stored row as a CSV record (time as UTC RFC 3339).
pub fn write_csv_row<W: Write>(w: &mut csv::Writer<W>, s: &Stored) -> Result<()> {
    let at = chrono::DateTime::from_timestamp_millis(s.entry.at)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default();
    let cells = [
        s.id.to_string(),
        s.seq.map(|n| n.to_string()).unwrap_or_default(),
        at,
        s.entry.actor.clone(),
        s.entry.device.clone().unwrap_or_default(),
        s.entry.action.clone(),
        s.entry.kind.clone(),
        s.entry.entity_id.clone(),
        s.entry.detail.clone().unwrap_or_default(),
        s.prev_hash.clone().unwrap_or_default(),
        s.hash.clone().unwrap_or_default(),
    ];
    crate::spreadsheet::record(w, &cells).map_err(|e| Error::internal(format!("csv: {e}")))
}

/// Export the rows a filter selects, in chain order, as CSV. Returns the count.
pub fn export_csv<W: Write>(tx: &mut dyn Tx, f: &Filter, out: W) -> Result<u64> {
    let mut w = crate::spreadsheet::writer(out);
    crate::spreadsheet::record(&mut w, CSV_HEADER)
        .map_err(|e| Error::internal(format!("csv: {e}")))?;
    let (cond, params) = f.sql(2);
    let mut after = i64::MIN;
    let mut n = 0;
    loop {
        let mut p = vec![V::from(after)];
        p.extend(params.iter().cloned());
        let rows = tx.query(
            &format!(
                "SELECT {} FROM audit a WHERE a.id > $1{cond} ORDER BY a.id LIMIT 1000",
                ROW_COLS
                    .split(", ")
                    .map(|c| format!("a.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            &p,
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let s = Stored::from_row(r)?;
            after = s.id;
            write_csv_row(&mut w, &s)?;
            n += 1;
        }
    }
    w.flush()
        .map_err(|e| Error::internal(format!("csv: {e}")))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(actor: &str, detail: Option<&str>) -> Entry {
        Entry {
            at: 1,
            actor: actor.into(),
            device: None,
            action: "a".into(),
            kind: "k".into(),
            entity_id: "i".into(),
            detail: detail.map(String::from),
        }
    }

    #[test]
    fn hash_depends_on_every_part() {
        let base = chain_hash(GENESIS, 1, &e("x", None));
        assert_ne!(base, chain_hash(GENESIS, 2, &e("x", None)));
        assert_ne!(base, chain_hash(&"1".repeat(64), 1, &e("x", None)));
        assert_ne!(base, chain_hash(GENESIS, 1, &e("y", None)));
        assert_ne!(base, chain_hash(GENESIS, 1, &e("x", Some(""))));
        assert_eq!(base, chain_hash(GENESIS, 1, &e("x", None)));
    }

    fn db_with_rows(n: usize) -> (tempfile::TempDir, crate::db::Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("a.db").display().to_string()).unwrap();
        db.write_as(|tx| {
            for i in 0..n {
                audit(
                    tx,
                    "worker-1",
                    Some("dev"),
                    "edit",
                    "person",
                    &format!("p{i}"),
                    None,
                )?;
            }
            Ok::<_, Error>(())
        })
        .unwrap();
        (dir, db)
    }

    fn verdict(db: &crate::db::Db) -> Verdict {
        db.read_as(verify).unwrap()
    }

    fn raw(db: &crate::db::Db, sql: &str) {
        db.write(|tx| tx.execute(sql, &[]).map(drop)).unwrap();
    }

    #[test]
    fn an_intact_chain_verifies() {
        let (_d, db) = db_with_rows(5);
        let v = verdict(&db);
        assert_eq!((v.rows, v.head_seq, v.broken), (5, 5, None));
    }

    #[test]
    fn an_edited_row_is_named() {
        let (_d, db) = db_with_rows(5);
        raw(
            &db,
            "UPDATE audit SET actor = 'mallory' WHERE chain_seq = 3",
        );
        assert_eq!(verdict(&db).broken, Some(Break::Edited { id: 3, seq: 3 }));
    }

    #[test]
    fn a_deleted_row_leaves_a_named_gap() {
        let (_d, db) = db_with_rows(5);
        raw(&db, "DELETE FROM audit WHERE chain_seq = 2");
        assert_eq!(
            verdict(&db).broken,
            Some(Break::Deleted {
                from: 2,
                to: 2,
                before: 3
            })
        );
        let (_d, db) = db_with_rows(5);
        raw(&db, "DELETE FROM audit WHERE chain_seq = 5");
        assert_eq!(
            verdict(&db).broken,
            Some(Break::Truncated { last: 4, head: 5 })
        );
    }

    #[test]
    fn an_inserted_row_is_named() {
        let (_d, db) = db_with_rows(3);
        raw(
            &db,
            "INSERT INTO audit (at, actor, action, kind, entity_id) VALUES (1, 'x', 'a', 'k', 'i')",
        );
        assert_eq!(verdict(&db).broken, Some(Break::Unchained { id: 4 }));
    }

    #[test]
    fn a_rewritten_row_breaks_the_next_link() {
        let (_d, db) = db_with_rows(4);
        // Edited and re-hashed as the attacker would: the next row no longer follows.
        let forged = db
            .read(|tx| {
                let r = tx
                    .query_one(
                        &format!("SELECT {ROW_COLS} FROM audit WHERE chain_seq = 2"),
                        &[],
                    )?
                    .unwrap();
                let mut s = Stored::from_row(&r).map_err(crate::ApiError::from)?;
                s.entry.actor = "mallory".into();
                Ok(chain_hash(s.prev_hash.as_deref().unwrap(), 2, &s.entry))
            })
            .unwrap();
        raw(
            &db,
            &format!("UPDATE audit SET actor = 'mallory', hash = '{forged}' WHERE chain_seq = 2"),
        );
        assert_eq!(
            verdict(&db).broken,
            Some(Break::Relinked {
                id: 3,
                seq: 3,
                after: 2
            })
        );
    }

    #[test]
    fn a_long_batch_chains_across_statements() {
        let (_d, db) = db_with_rows(1);
        db.write_as(|tx| {
            let batch: Vec<Entry> = (0..250)
                .map(|i| Entry::new("w", Some("d"), "edit", "person", &format!("b{i}"), None))
                .collect();
            append(tx, &batch)
        })
        .unwrap();
        let v = verdict(&db);
        assert_eq!((v.rows, v.head_seq, v.broken), (251, 251, None));
        raw(&db, "DELETE FROM audit_head");
        assert_eq!(verdict(&db).broken, Some(Break::HeadMissing));
    }
}
