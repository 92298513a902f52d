//! The bootstrap's new replica (`sync::bootstrap`): built page by page in a fresh
//! database file beside the live one (same SQLCipher key), with bulk settings and
//! without the secondary indexes and address search upkeep, which are built once
//! at the end; then swapped in whole under the store's lock.
//!
//! What the swap brings over from the live database, table by table (the rest is
//! the server's, as the snapshot brought it):
//! - `device_meta`: every key (identity, token, server address, HLC, clock offset,
//!   installation, language, trusted issuers, points, case scope, sync outcomes…)
//!   except what the snapshot itself decides: `sync_cursor`, `repull`,
//!   `taxonomy:*`, `visit_rules`, `legacy_plates_version` and this module's own
//!   `bootstrap.*` bookkeeping.
//! - `outbox` (and its `AUTOINCREMENT` position), `sent_ops`, `photos` (the blob
//!   queue and upload state), `audit_log`: device-local, whole.
//! - `checklist_templates`: the union (immutable per version; built-in ones the
//!   server never sends stay).
//! - Records with a queued operation (`outbox` names them) keep their LOCAL
//!   version, as a pull would (`sync::apply::pending_local`): inspections,
//!   hazards with their events, reports, cases with their events, and the four
//!   descriptive entities with their `field_versions` stamps.
//! - Records the server does not have but this device still needs, as after a
//!   re-pull (`sync::apply::reconcile`): drafts and records never sent or refused
//!   (`delivery` `local`/`rejected`), entities a refusal was recorded for, and
//!   inspections a kept hazard came from.
//! - Not brought: `repull_seen` (a bootstrap replaces the re-pull), the address
//!   search indexes (rebuilt from the addresses), `legacy_plates` (the snapshot's).
//!
//! Crash points: before the swap the live file is untouched and the new file
//! resumes from its last committed page (`bootstrap.token`); a file of another
//! enrollment, or one that does not open, is discarded. The carry-over is
//! repeatable, and the rename is the single step that switches replicas.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::meta::{meta_get, meta_put};
use super::{DB_FILE, Store, Tx, db};
use crate::clock::hlc::Hlc;
use crate::error::Result;
use crate::sync::apply::{Target, apply_changes};
use crate::wire::PullResponse;

/// The new replica's file, beside the live one.
pub(crate) const BOOT_FILE: &str = "gridfield.db.bootstrap";
/// Where the next snapshot page begins (the last applied page's `cursor`).
const KEY_TOKEN: &str = "bootstrap.token";
/// Which enrollment and server the file was built for.
const KEY_OWNER: &str = "bootstrap.owner";
/// All pages applied and the indexes built: only the swap remains.
const KEY_BUILT: &str = "bootstrap.built";
/// Outcome of the last bootstrap, kept in the live database (diagnostics, tests, bench).
pub(crate) const META_LAST_BOOTSTRAP: &str = "last_bootstrap";

/// Meta keys the snapshot decides; everything else in `device_meta` is the device's.
const REPLICA_META: &str =
    "key IN ('sync_cursor', 'repull', 'visit_rules', 'legacy_plates_version')
     OR key LIKE 'taxonomy:%' OR key LIKE 'bootstrap.%'";

/// A bootstrap in progress: the new replica's connection and where it resumes.
pub(crate) struct Build {
    conn: Connection,
    path: PathBuf,
    /// The `cursor` of the last applied page; `None`: from the start.
    pub(crate) token: Option<String>,
    pub(crate) built: bool,
    pub(crate) pages: u64,
}

fn boot_path(dir: &Path) -> PathBuf {
    dir.join(BOOT_FILE)
}

/// Remove a bootstrap file and its rollback journal.
pub(crate) fn discard(dir: &Path) -> Result<()> {
    for p in [boot_path(dir), dir.join(format!("{BOOT_FILE}-journal"))] {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Indexes and triggers left out while building: every non-unique index and
/// the address search triggers. Their SQL is kept in the file until the end.
/// Kept: unique indexes (a plate moved frees its serial through one) and the
/// indexes the build itself looks up by: a hazard's or case's events are
/// replaced by their parent's id when it comes again (without them each
/// record's replacement would scan every event: quadratic in the scope).
const DEFERRED: &str = "SELECT type, name, sql FROM sqlite_master
     WHERE sql IS NOT NULL AND (type = 'trigger' OR (type = 'index' AND sql NOT LIKE 'CREATE UNIQUE%'
       AND name NOT IN ('hazard_events_hazard', 'case_events_case')))";

impl Store {
    /// Resume the bootstrap file of this enrollment (`owner`: the server and
    /// device) or start a new one; an unreadable file or another's is discarded.
    pub(crate) fn bootstrap_open(&self, owner: &str) -> Result<Build> {
        let path = boot_path(&self.dir);
        if path.exists() {
            match resume(&path, &self.key, owner) {
                Ok(Some(b)) => return Ok(b),
                Ok(None) => {}
                // A wrong key cannot be: the live file opened with it. Anything
                // else (a torn file) is only a cache of the server's data.
                Err(_) => {}
            }
            discard(&self.dir)?;
        }
        let mut conn = db::open_bulk(&path, &self.key)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch("CREATE TABLE bootstrap_deferred (type TEXT NOT NULL, name TEXT NOT NULL, sql TEXT NOT NULL);")?;
        tx.execute(&format!("INSERT INTO bootstrap_deferred {DEFERRED}"), [])?;
        let drops: Vec<String> = {
            let mut st = tx.prepare("SELECT type, name FROM bootstrap_deferred")?;
            st.query_map([], |r| {
                Ok(format!(
                    "DROP {} \"{}\";",
                    r.get::<_, String>(0)?.to_uppercase(),
                    r.get::<_, String>(1)?
                ))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        tx.execute_batch(&drops.concat())?;
        meta_put(&tx, KEY_OWNER, owner)?;
        tx.commit()?;
        Ok(Build {
            conn,
            path,
            token: None,
            built: false,
            pages: 0,
        })
    }

    /// Apply one snapshot page to the new replica with its resume token, in one
    /// transaction. The live database is not touched (its lock is not taken);
    /// the remote stamps seen move the device's clock on as a pull's would.
    pub(crate) fn bootstrap_page(&self, b: &mut Build, page: &PullResponse) -> Result<u64> {
        let hlc = self.hlc.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let offset = self.link.clock_offset();
        let tx = b
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut t = Tx {
            tx,
            now: self.raw_now() + offset,
            me: &self.identity,
            hlc,
            offset,
        };
        let applied = apply_changes(&mut t, &page.changes, Target::Build)?;
        for tx in &page.taxonomies {
            super::taxonomy::save(&t.tx, tx)?;
        }
        if let Some(r) = &page.visit_rules {
            super::visits::save(&t.tx, r)?;
        }
        if let Some(doc) = &page.legacy_plates {
            super::plates::replace_legacy(&t.tx, doc)?;
        }
        meta_put(&t.tx, KEY_TOKEN, &page.cursor)?;
        let Tx { tx, hlc, .. } = t;
        tx.commit()?;
        b.token = Some(page.cursor.clone());
        b.pages += 1;
        let mut last: Hlc = hlc.last();
        if let Ok(h) = page.server_hlc.parse::<Hlc>()
            && h > last
        {
            last = h;
        }
        self.observe_hlc(&last)?;
        Ok(applied)
    }

    /// All pages applied: build the left-out indexes and the address search
    /// once, then swap the new replica in (see the module doc). `cursor` is
    /// where the incremental pull continues; `records`: how many this run applied.
    /// Returns how many records of the older replica the server no longer has
    /// (dropped, as a re-pull's reconciliation counts them).
    pub(crate) fn bootstrap_finish(&self, mut b: Build, cursor: &str, records: u64) -> Result<u64> {
        if !b.built {
            build_indexes(&mut b.conn)?;
            b.built = true;
        }
        let now = self.now();
        let mut live = self.conn();
        let _clock = self.hlc.lock().unwrap_or_else(|e| e.into_inner());
        let live_path = self.dir.join(DB_FILE);
        // Bring the device's own data over, in one transaction of the new file.
        let outcome = serde_json::json!({ "at": now, "records": records, "pages": b.pages });
        let dropped = carry_over(
            &mut b.conn,
            &live_path,
            &self.key,
            cursor,
            &outcome.to_string(),
        )?;
        let Build { conn, path, .. } = b;
        drop(conn);
        // Close the live connection (its WAL is checkpointed into the file and
        // removed: nothing of it may meet the new file), then switch files.
        let _ = std::mem::replace(&mut *live, Connection::open_in_memory()?);
        // A WAL left behind means another process has the file open: its frames
        // must never meet the new file. The built file waits for the next round.
        let wal = self.dir.join(format!("{DB_FILE}-wal"));
        if wal.metadata().is_ok_and(|m| m.len() > 0) {
            *live = db::open(&live_path, &self.key)?;
            return Err(crate::error::Error::Io(std::io::Error::other(
                "the device store is open in another process; the bootstrap completes next time",
            )));
        }
        let renamed = std::fs::rename(&path, &live_path);
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        // Whichever file is in place now is the live one.
        *live = db::open(&live_path, &self.key)?;
        renamed?;
        live.execute("DELETE FROM device_meta WHERE key LIKE 'bootstrap.%'", [])?;
        drop(_clock);
        drop(live);
        if dropped > 0 {
            self.write(|t| {
                t.audit(
                    "replica_reconciled",
                    "device",
                    &t.me.device_id,
                    Some(&serde_json::json!({ "dropped": dropped })),
                )
            })?;
        }
        Ok(dropped)
    }
}

/// Open a leftover bootstrap file; `None` when it belongs to another enrollment.
fn resume(path: &Path, key: &db::DbKey, owner: &str) -> Result<Option<Build>> {
    let conn = db::open_bulk(path, key)?;
    let (o, token, built) = {
        let has: bool = conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE name = 'bootstrap_deferred'",
                [],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        (
            meta_get(&conn, KEY_OWNER)?,
            meta_get(&conn, KEY_TOKEN)?,
            meta_get(&conn, KEY_BUILT)?.is_some() || !has,
        )
    };
    if o.as_deref() != Some(owner) {
        return Ok(None);
    }
    Ok(Some(Build {
        conn,
        path: path.to_path_buf(),
        token,
        built,
        pages: 0,
    }))
}

/// Recreate what `bootstrap_open` left out, fill the address search indexes
/// from the addresses in one pass each, and mark the file built.
fn build_indexes(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Indexes first, then the search tables' contents, then their triggers.
    let deferred: Vec<(String, String)> = {
        let mut st = tx
            .prepare("SELECT type, sql FROM bootstrap_deferred ORDER BY type = 'trigger', rowid")?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    // The bigrams in one pass: `OR IGNORE` drops an address's repeated pair
    // (3× faster than `DISTINCT`'s temporary index, which the triggers need).
    let mut filled = false;
    for (ty, sql) in deferred {
        if ty == "trigger" && !filled {
            tx.execute_batch(
                "INSERT INTO address_fts(address_fts) VALUES ('rebuild');
                 DELETE FROM address_bigrams;
                 INSERT OR IGNORE INTO address_bigrams (gram, addr)
                     SELECT lower(substr(a.full_text, p.n, 2)), a.rowid
                     FROM addresses a JOIN address_bigram_pos p ON p.n < length(a.full_text);",
            )?;
            filled = true;
        }
        tx.execute_batch(&sql)?;
    }
    tx.execute_batch("DROP TABLE bootstrap_deferred;")?;
    meta_put(&tx, KEY_BUILT, "1")?;
    tx.commit()?;
    Ok(())
}

/// The columns of `table` in the new file, by name: a live file upgraded by
/// `ALTER TABLE` may order them differently.
fn columns(c: &Connection, table: &str) -> Result<String> {
    let mut st = c.prepare(&format!("PRAGMA main.table_info(\"{table}\")"))?;
    let names: Vec<String> = st
        .query_map([], |r| r.get::<_, String>(1))?
        .map(|n| n.map(|n| format!("\"{n}\"")))
        .collect::<rusqlite::Result<_>>()?;
    Ok(names.join(", "))
}

/// `INSERT [OR …] INTO main.t (cols) SELECT cols FROM live.t WHERE …`.
fn copy(c: &Connection, verb: &str, table: &str, filter: &str) -> Result<()> {
    let cols = columns(c, table)?;
    c.execute_batch(&format!(
        "INSERT {verb} INTO main.{table} ({cols}) SELECT {cols} FROM live.{table} WHERE {filter};"
    ))?;
    Ok(())
}

/// Copy the device's own data from the live file into the new one (module doc),
/// and set the pull cursor. Repeatable: run again after a crash it gives the same.
fn carry_over(
    conn: &mut Connection,
    live: &Path,
    key: &db::DbKey,
    cursor: &str,
    outcome: &str,
) -> Result<u64> {
    // The raw-key form, as `db::open` keys the main file.
    conn.execute(
        "ATTACH DATABASE ?1 AS live KEY ?2",
        [
            live.to_string_lossy().to_string(),
            format!("x'{}'", key.to_hex()),
        ],
    )?;
    let copied = (|| -> Result<u64> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        copy(
            &tx,
            "OR REPLACE",
            "device_meta",
            &format!("NOT ({REPLICA_META})"),
        )?;
        for table in ["outbox", "sent_ops", "photos", "audit_log"] {
            tx.execute(&format!("DELETE FROM main.{table}"), [])?;
            copy(&tx, "", table, "1")?;
        }
        tx.execute_batch(
            "DELETE FROM main.sqlite_sequence WHERE name = 'outbox';
             INSERT INTO main.sqlite_sequence (name, seq)
                 SELECT name, seq FROM live.sqlite_sequence WHERE name = 'outbox';",
        )?;
        copy(&tx, "OR IGNORE", "checklist_templates", "1")?;
        let pending = |entity: &str| {
            format!("id IN (SELECT entity_id FROM live.outbox WHERE entity = '{entity}')")
        };
        let kept = "delivery IN ('local', 'rejected')";
        for (table, entity) in [
            ("inspections", "inspection"),
            ("hazards", "hazard"),
            ("reports", "report"),
            ("cases", "case"),
        ] {
            copy(&tx, "OR REPLACE", table, &pending(entity))?;
            copy(&tx, "OR IGNORE", table, kept)?;
        }
        // Inspections a kept hazard came from stay with it; the timelines of
        // records kept local are the local ones.
        copy(
            &tx,
            "OR IGNORE",
            "inspections",
            "id IN (SELECT source_inspection FROM main.hazards WHERE source_inspection IS NOT NULL)",
        )?;
        for (events, parent, table, entity) in [
            ("hazard_events", "hazard_id", "hazards", "hazard"),
            ("case_events", "case_id", "cases", "case"),
        ] {
            let local = format!(
                "{parent} IN (SELECT entity_id FROM live.outbox WHERE entity = '{entity}')
                 OR {parent} IN (SELECT id FROM live.{table} WHERE {kept})"
            );
            tx.execute(&format!("DELETE FROM main.{events} WHERE {local}"), [])?;
            copy(&tx, "OR REPLACE", events, &local)?;
        }
        for kind in crate::model::EntityKind::ALL {
            let (table, k) = (kind.table(), kind.as_str());
            let local = format!(
                "id IN (SELECT id FROM live.{table} WHERE {} OR (id IN
                   (SELECT entity_id FROM live.audit_log WHERE entity = '{k}' AND action = 'rejected')
                   AND id NOT IN (SELECT id FROM main.{table})))",
                pending(k)
            );
            let stamps = local.replacen("id IN", "entity_id IN", 1);
            tx.execute(
                &format!("DELETE FROM main.field_versions WHERE entity = '{k}' AND {stamps}"),
                [],
            )?;
            copy(
                &tx,
                "",
                "field_versions",
                &format!("entity = '{k}' AND {stamps}"),
            )?;
            copy(&tx, "OR REPLACE", table, &local)?;
        }
        meta_put(&tx, crate::sync::apply::META_CURSOR, cursor)?;
        meta_put(&tx, META_LAST_BOOTSTRAP, outcome)?;
        // Records of the older replica the new one lacks: what the server lost.
        let mut dropped = 0u64;
        let tables = ["inspections", "hazards", "reports"]
            .into_iter()
            .chain(crate::model::EntityKind::ALL.iter().map(|k| k.table()));
        for table in tables {
            dropped += tx.query_row(
                &format!(
                    "SELECT count(*) FROM live.{table} WHERE id NOT IN (SELECT id FROM main.{table})"
                ),
                [],
                |r| r.get::<_, i64>(0),
            )? as u64;
        }
        tx.commit()?;
        Ok(dropped)
    })();
    conn.execute("DETACH DATABASE live", [])?;
    copied
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::clock::hlc::Hlc;
    use crate::model::{Address, EntityKind, Grid, Role};
    use crate::store::Identity;
    use crate::wire::{Change, EntityState};

    const T0: i64 = 1_700_000_000_000;

    fn store(dir: &Path, key: &db::DbKey) -> Store {
        let id = Identity {
            device_id: "dev1".into(),
            user: "张三".into(),
            role: Role::Worker,
            grid_scope: "g1".into(),
        };
        let mut s = if Store::exists(dir) {
            Store::open(dir, key).unwrap()
        } else {
            Store::init(dir, key, id).unwrap()
        };
        s.set_clock(|| T0);
        s
    }

    fn grid() -> Change {
        Change::Grid {
            grid: Grid {
                code: "g1".into(),
                name: "示范网格".into(),
                level: 3,
                parent_code: None,
            },
        }
    }

    fn address(code: &str, text: &str) -> Change {
        Change::Address {
            address: Address {
                code: code.into(),
                grid_code: "g1".into(),
                full_text: text.into(),
                street: None,
                number: None,
                building: None,
                unit: None,
                room: None,
                plate_serial: Some(format!("P-{code}")),
                lat: None,
                lon: None,
            },
        }
    }

    fn household(id: &str, name: &str, wall: i64) -> Change {
        let stamp = Hlc {
            wall_ms: wall,
            counter: 0,
            node: "server".into(),
        }
        .to_string();
        Change::Entity {
            entity: EntityState {
                kind: EntityKind::Household,
                id: id.into(),
                address_code: "a1".into(),
                fields: json!({ "head_name": name }).as_object().unwrap().clone(),
                stamps: json!({ "head_name": stamp }).as_object().unwrap().clone(),
                deleted: false,
            },
        }
    }

    fn page(changes: Vec<Change>, cursor: &str, more: bool) -> PullResponse {
        PullResponse {
            changes,
            cursor: cursor.into(),
            more,
            server_hlc: String::new(),
            taxonomies: vec![],
            visit_rules: None,
            legacy_plates: None,
        }
    }

    /// The older replica: two addresses, a household; a queued local edit of
    /// it, a photo waiting for upload.
    fn older(s: &Store) {
        s.apply_page(
            &[
                grid(),
                address("a1", "建设路12号"),
                address("gone", "旧街1号"),
                household("h1", "旧名", T0 - 10),
            ],
            "c0",
        )
        .unwrap();
        let mut f = serde_json::Map::new();
        f.insert("head_name".into(), Value::from("本地改名"));
        s.put_entity(EntityKind::Household, Some("h1"), None, &f)
            .unwrap();
        s.read(|c| {
            c.execute(
                "INSERT INTO photos (hash, size, mime, created_at) VALUES ('ph1', 1, 'image/jpeg', 0)",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    }

    fn snapshot() -> Vec<PullResponse> {
        vec![
            page(
                vec![
                    grid(),
                    address("a1", "建设路12号"),
                    household("h1", "服务器名", T0 + 5),
                ],
                "c5",
                true,
            ),
            page(
                vec![
                    address("a2", "人民路2单元"),
                    household("h2", "二号", T0 + 6),
                ],
                "c9",
                false,
            ),
        ]
    }

    fn one(s: &Store, sql: &str) -> String {
        s.read(|c| Ok(c.query_row(sql, [], |r| r.get::<_, String>(0))?))
            .unwrap()
    }

    fn count(s: &Store, sql: &str) -> i64 {
        s.read(|c| Ok(c.query_row(sql, [], |r| r.get::<_, i64>(0))?))
            .unwrap()
    }

    #[test]
    fn the_swap_brings_the_device_data_and_keeps_queued_records_local() {
        let dir = tempfile::tempdir().unwrap();
        let key = db::DbKey::generate().unwrap();
        let s = store(dir.path(), &key);
        older(&s);
        let (outbox, audit) = (
            count(&s, "SELECT count(*) FROM outbox"),
            count(&s, "SELECT count(*) FROM audit_log"),
        );
        let mut b = s.bootstrap_open("o").unwrap();
        for p in snapshot() {
            s.bootstrap_page(&mut b, &p).unwrap();
        }
        // Nothing of the new replica in the live one before the swap.
        assert_eq!(
            count(&s, "SELECT count(*) FROM addresses WHERE code = 'a2'"),
            0
        );
        s.bootstrap_finish(b, "c9", 5).unwrap();

        // The queued edit keeps its local value and stamp; the rest is the server's.
        assert_eq!(
            one(&s, "SELECT head_name FROM households WHERE id = 'h1'"),
            "本地改名"
        );
        assert!(
            one(
                &s,
                "SELECT hlc FROM field_versions WHERE entity_id = 'h1' AND field = 'head_name'"
            )
            .ends_with("dev1")
        );
        assert_eq!(
            one(&s, "SELECT head_name FROM households WHERE id = 'h2'"),
            "二号"
        );
        assert_eq!(
            count(&s, "SELECT count(*) FROM addresses WHERE code = 'gone'"),
            0
        );
        // The device's own tables came over whole.
        assert_eq!(count(&s, "SELECT count(*) FROM outbox"), outbox);
        assert_eq!(count(&s, "SELECT count(*) FROM audit_log"), audit);
        assert_eq!(
            count(&s, "SELECT count(*) FROM photos WHERE hash = 'ph1'"),
            1
        );
        assert!(count(&s, "SELECT count(*) FROM checklist_templates") > 0);
        assert_eq!(s.sync_cursor().unwrap().as_deref(), Some("c9"));
        assert_eq!(
            count(
                &s,
                "SELECT count(*) FROM device_meta WHERE key LIKE 'bootstrap.%'"
            ),
            0
        );
        assert!(one(&s, "SELECT value FROM device_meta WHERE key = 'identity'").contains("dev1"));
        // Search indexes built at the end find the new addresses, not the gone one.
        assert_eq!(s.search_addresses("人民路2", 5).unwrap().len(), 1);
        assert_eq!(s.search_addresses("人民", 5).unwrap().len(), 1);
        assert!(s.search_addresses("旧街", 5).unwrap().is_empty());
        assert!(!dir.path().join(BOOT_FILE).exists());
        // The store goes on writing to the swapped-in file, and it reopens.
        let mut f = serde_json::Map::new();
        f.insert("members".into(), Value::from(4));
        s.put_entity(EntityKind::Household, Some("h2"), None, &f)
            .unwrap();
        drop(s);
        let s = store(dir.path(), &key);
        assert_eq!(count(&s, "SELECT count(*) FROM outbox"), outbox + 1);
        assert_eq!(
            count(&s, "SELECT members FROM households WHERE id = 'h2'"),
            4
        );
    }

    #[test]
    fn a_half_built_file_resumes_and_a_foreign_or_torn_one_is_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let key = db::DbKey::generate().unwrap();
        let s = store(dir.path(), &key);
        let mut b = s.bootstrap_open("o").unwrap();
        s.bootstrap_page(&mut b, &snapshot()[0]).unwrap();
        // Killed here: the next attempt resumes after the committed page.
        drop(b);
        let b = s.bootstrap_open("o").unwrap();
        assert_eq!((b.token.as_deref(), b.built), (Some("c5"), false));
        drop(b);
        // Another enrollment's (or server's) file is not resumed.
        let b = s.bootstrap_open("other").unwrap();
        assert_eq!(b.token, None);
        drop(b);
        // A torn file starts over.
        std::fs::write(dir.path().join(BOOT_FILE), b"not a database").unwrap();
        let mut b = s.bootstrap_open("other").unwrap();
        assert_eq!(b.token, None);
        s.bootstrap_page(&mut b, &snapshot()[1]).unwrap();
        s.bootstrap_finish(b, "c9", 2).unwrap();
        assert_eq!(
            one(&s, "SELECT head_name FROM households WHERE id = 'h2'"),
            "二号"
        );
    }

    #[test]
    fn a_swap_cut_before_the_rename_keeps_the_old_replica_and_completes_next_time() {
        let dir = tempfile::tempdir().unwrap();
        let key = db::DbKey::generate().unwrap();
        let s = store(dir.path(), &key);
        older(&s);
        let mut b = s.bootstrap_open("o").unwrap();
        for p in snapshot() {
            s.bootstrap_page(&mut b, &p).unwrap();
        }
        // Every step of the swap up to the rename, then the process dies.
        build_indexes(&mut b.conn).unwrap();
        carry_over(&mut b.conn, &dir.path().join(DB_FILE), &key, "c9", "{}").unwrap();
        drop(b);
        drop(s);
        let s = store(dir.path(), &key);
        assert_eq!(s.sync_cursor().unwrap().as_deref(), Some("c0"));
        assert_eq!(
            count(&s, "SELECT count(*) FROM addresses WHERE code = 'gone'"),
            1
        );
        // The worker records after the restart; the next attempt swaps that in too.
        let mut f = serde_json::Map::new();
        f.insert("members".into(), Value::from(7));
        s.put_entity(EntityKind::Household, Some("h1"), None, &f)
            .unwrap();
        let outbox = count(&s, "SELECT count(*) FROM outbox");
        let b = s.bootstrap_open("o").unwrap();
        assert!(b.built);
        let token = b.token.clone().unwrap();
        s.bootstrap_finish(b, &token, 0).unwrap();
        assert_eq!(s.sync_cursor().unwrap().as_deref(), Some("c9"));
        assert_eq!(count(&s, "SELECT count(*) FROM outbox"), outbox);
        assert_eq!(
            count(&s, "SELECT members FROM households WHERE id = 'h1'"),
            7
        );
        assert_eq!(
            one(&s, "SELECT head_name FROM households WHERE id = 'h1'"),
            "本地改名"
        );
        assert_eq!(
            count(&s, "SELECT count(*) FROM addresses WHERE code = 'gone'"),
            0
        );
    }
}
