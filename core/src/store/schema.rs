//! The device database schema: one `CREATE_SCHEMA` for a fresh install and one
//! upgrade step per earlier version, run in a single immediate transaction and
//! versioned by `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

pub const VERSION: u32 = 7;

/// The whole current schema. Timestamps are integer milliseconds since the epoch;
/// HLC stamps are TEXT whose order is their causal order.
pub const CREATE_SCHEMA: &str = r#"
CREATE TABLE device_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE grids (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       INTEGER NOT NULL,
    parent_code TEXT REFERENCES grids(code) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX grids_parent ON grids(parent_code);

CREATE TABLE addresses (
    code         TEXT PRIMARY KEY,
    grid_code    TEXT NOT NULL REFERENCES grids(code) DEFERRABLE INITIALLY DEFERRED,
    full_text    TEXT NOT NULL,
    street       TEXT,
    number       TEXT,
    building     TEXT,
    unit         TEXT,
    room         TEXT,
    plate_serial TEXT,
    lat          REAL,
    lon          REAL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX addresses_grid ON addresses(grid_code);
CREATE UNIQUE INDEX addresses_plate ON addresses(plate_serial) WHERE plate_serial IS NOT NULL;

CREATE TABLE households (
    id           TEXT PRIMARY KEY,
    address_code TEXT NOT NULL REFERENCES addresses(code) DEFERRABLE INITIALLY DEFERRED,
    head_name    TEXT,
    phone        TEXT,
    members      INTEGER,
    residency    TEXT,
    moved_in     TEXT,
    moved_out    TEXT,
    note         TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX households_address ON households(address_code);

CREATE TABLE persons (
    id             TEXT PRIMARY KEY,
    address_code   TEXT NOT NULL REFERENCES addresses(code) DEFERRABLE INITIALLY DEFERRED,
    household_id   TEXT,
    rental_unit_id TEXT,
    name           TEXT,
    id_number      TEXT,
    phone          TEXT,
    residency      TEXT,
    moved_in       TEXT,
    moved_out      TEXT,
    deleted        INTEGER NOT NULL DEFAULT 0,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX persons_address ON persons(address_code);
CREATE INDEX persons_household ON persons(household_id);
CREATE INDEX persons_rental_unit ON persons(rental_unit_id);

CREATE TABLE rental_units (
    id             TEXT PRIMARY KEY,
    address_code   TEXT NOT NULL REFERENCES addresses(code) DEFERRABLE INITIALLY DEFERRED,
    landlord_name  TEXT,
    landlord_phone TEXT,
    rooms          INTEGER,
    "use"          TEXT,
    risk_level     TEXT,
    note           TEXT,
    deleted        INTEGER NOT NULL DEFAULT 0,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX rental_units_address ON rental_units(address_code);

CREATE TABLE businesses (
    id            TEXT PRIMARY KEY,
    address_code  TEXT NOT NULL REFERENCES addresses(code) DEFERRABLE INITIALLY DEFERRED,
    name          TEXT,
    kind          TEXT,
    contact_name  TEXT,
    contact_phone TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX businesses_address ON businesses(address_code);

-- Per-field HLC of the value currently stored: the basis of last-writer-wins merges.
CREATE TABLE field_versions (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    hlc       TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, field)
) WITHOUT ROWID;

CREATE TABLE checklist_templates (
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE inspections (
    id               TEXT PRIMARY KEY,
    template_id      TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    address_code     TEXT NOT NULL REFERENCES addresses(code) DEFERRABLE INITIALLY DEFERRED,
    subject_kind     TEXT,
    subject_id       TEXT,
    inspector        TEXT NOT NULL,
    device_id        TEXT NOT NULL,
    started_at       INTEGER NOT NULL,
    finished_at      INTEGER,
    lat              REAL,
    lon              REAL,
    answers          TEXT NOT NULL,
    photos           TEXT NOT NULL,
    score            INTEGER,
    passed           INTEGER,
    vetoed           INTEGER,
    review_status    TEXT NOT NULL,
    review_comment   TEXT,
    reviewed_by      TEXT,
    reviewed_at      INTEGER,
    updated_at       INTEGER NOT NULL,
    delivery         TEXT NOT NULL DEFAULT 'local',
    FOREIGN KEY (template_id, template_version) REFERENCES checklist_templates(id, version)
);
CREATE INDEX inspections_address ON inspections(address_code);
CREATE INDEX inspections_template ON inspections(template_id, template_version);
CREATE INDEX inspections_status ON inspections(review_status);

CREATE TABLE hazards (
    id                  TEXT PRIMARY KEY,
    address_code        TEXT NOT NULL REFERENCES addresses(code) DEFERRABLE INITIALLY DEFERRED,
    category            TEXT NOT NULL,
    severity            TEXT NOT NULL,
    description         TEXT NOT NULL,
    status              TEXT NOT NULL,
    assignee            TEXT,
    deadline            INTEGER,
    photos              TEXT NOT NULL,
    source_inspection   TEXT REFERENCES inspections(id) DEFERRABLE INITIALLY DEFERRED,
    source_item         TEXT,
    source_report       TEXT,
    reported_by         TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    delivery            TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX hazards_address ON hazards(address_code);
CREATE INDEX hazards_inspection ON hazards(source_inspection);
CREATE INDEX hazards_status_deadline ON hazards(status, deadline);

-- Every lifecycle step: who, when, from which device, note and photos.
CREATE TABLE hazard_events (
    id          TEXT PRIMARY KEY,
    hazard_id   TEXT NOT NULL REFERENCES hazards(id) DEFERRABLE INITIALLY DEFERRED,
    action      TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    at          INTEGER NOT NULL,
    note        TEXT,
    photos      TEXT NOT NULL,
    assignee    TEXT,
    deadline    INTEGER
);
CREATE INDEX hazard_events_hazard ON hazard_events(hazard_id, at);

-- 上报 from volunteers and residents. The address may lie outside this device's
-- scope (a scanned plate), so it is kept as code plus the plate's public text.
CREATE TABLE reports (
    id            TEXT PRIMARY KEY,
    address_code  TEXT NOT NULL,
    address_text  TEXT NOT NULL,
    text          TEXT NOT NULL,
    photos        TEXT NOT NULL,
    reporter      TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    status        TEXT NOT NULL,
    points        INTEGER NOT NULL DEFAULT 0,
    decision_note TEXT,
    hazard_id     TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    delivery      TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX reports_address ON reports(address_code);
CREATE INDEX reports_status ON reports(status);

CREATE TABLE photos (
    hash       TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    uploaded   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    device_id TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail    TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

-- Written in the same transaction as the data it describes; push drains it in seq order.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id      TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    payload    TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    replay     INTEGER NOT NULL DEFAULT 0,
    -- The clock offset (ms) in force when the op was stamped: the push tells the
    -- server the time by that offset, so a clock corrected since is accounted for.
    clock_offset INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_entity ON outbox(entity, entity_id);
"#;

/// Version 3: what a restored server lost can be re-uploaded and reconciled.
const SENT_AND_REPULL: &str = r#"
-- Operations the server acknowledged, kept for a while (sync::SENT_RETENTION_MS):
-- if the server turns out restored from a backup, they go up again (replays of
-- what it still has are answered `duplicate`).
CREATE TABLE sent_ops (
    seq        INTEGER PRIMARY KEY,
    op_id      TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    payload    TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    clock_offset INTEGER NOT NULL,
    acked_at   INTEGER NOT NULL
);
CREATE INDEX sent_ops_acked ON sent_ops(acked_at);

-- Records a full re-pull has brought so far; when it ends, local records the
-- server no longer has (and that nothing here still needs) are dropped.
CREATE TABLE repull_seen (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id)
) WITHOUT ROWID;

"#;

/// Version 4: cases (事件) and their timelines. The case is kept whole as JSON
/// (what the screens show and `case::apply_step` works on), with the columns the
/// lists filter and sort by, and the checksum digests from, beside it.
const CASES: &str = r#"
CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    case_type   TEXT NOT NULL,
    status      TEXT NOT NULL,
    grid_path   TEXT NOT NULL,
    owner_path  TEXT NOT NULL,
    -- A user name or a department code, once dispatched.
    handler     TEXT,
    reported_by TEXT NOT NULL,
    deadline    INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    delivery    TEXT NOT NULL DEFAULT 'local',
    body        TEXT NOT NULL
);
CREATE INDEX cases_status_deadline ON cases(status, deadline);
CREATE INDEX cases_handler ON cases(handler);

-- Every step of a case: the timeline, in order.
CREATE TABLE case_events (
    id      TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) DEFERRABLE INITIALLY DEFERRED,
    at      INTEGER NOT NULL,
    body    TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, at);
"#;

/// Trigram full-text search over addresses, kept in step by triggers. Part of a
/// fresh install and of the upgrade to version 2.
const ADDRESS_FTS: &str = r#"
CREATE VIRTUAL TABLE address_fts USING fts5(
    full_text, plate_serial, code,
    content='addresses', content_rowid='rowid', tokenize='trigram'
);
CREATE TRIGGER addresses_fts_ai AFTER INSERT ON addresses BEGIN
    INSERT INTO address_fts(rowid, full_text, plate_serial, code)
    VALUES (new.rowid, new.full_text, new.plate_serial, new.code);
END;
CREATE TRIGGER addresses_fts_ad AFTER DELETE ON addresses BEGIN
    INSERT INTO address_fts(address_fts, rowid, full_text, plate_serial, code)
    VALUES ('delete', old.rowid, old.full_text, old.plate_serial, old.code);
END;
CREATE TRIGGER addresses_fts_au AFTER UPDATE ON addresses BEGIN
    INSERT INTO address_fts(address_fts, rowid, full_text, plate_serial, code)
    VALUES ('delete', old.rowid, old.full_text, old.plate_serial, old.code);
    INSERT INTO address_fts(rowid, full_text, plate_serial, code)
    VALUES (new.rowid, new.full_text, new.plate_serial, new.code);
END;
"#;

/// Version 5: plates installed before Gridfield mapped to addresses (the server's
/// document for this device's scope, replaced whole when its version changes), and
/// the fix a record was made at: accuracy and time for inspections (which had
/// `lat`/`lon`), the whole point as JSON for hazards and reports.
const LEGACY_PLATES: &str = r#"
CREATE TABLE legacy_plates (
    plate_text   TEXT PRIMARY KEY,
    address_code TEXT NOT NULL
) WITHOUT ROWID;
ALTER TABLE inspections ADD COLUMN accuracy_m REAL;
ALTER TABLE inspections ADD COLUMN fixed_at INTEGER;
ALTER TABLE hazards ADD COLUMN location TEXT;
ALTER TABLE reports ADD COLUMN location TEXT;
"#;

/// Version 6: a report's category (a code of the case taxonomy, or none), as
/// filed and as a supervisor re-categorised it. Reports kept before it have none.
const REPORT_CATEGORY: &str = "ALTER TABLE reports ADD COLUMN category TEXT;";
/// Version 7: two-character address search through a bigram index beside the
/// trigram FTS (every pair of adjacent characters of `full_text`, ASCII
/// lower-cased like `LIKE` compares, pointing at the address's rowid; kept by
/// triggers, `address_bigram_pos` numbers the pairs; `DISTINCT`, not `OR IGNORE`,
/// since an upsert's conflict policy overrides a trigger's), and the last submitted
/// inspection per entity and checklist read from one covering index (the due
/// list). Self-contained: the upgrade backfills the index from the addresses held.
const SEARCH_BIGRAMS_AND_LAST_DONE: &str = r#"
CREATE TABLE address_bigram_pos (n INTEGER PRIMARY KEY);
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 512)
INSERT INTO address_bigram_pos (n) SELECT n FROM seq;
CREATE TABLE address_bigrams (
    gram TEXT NOT NULL,
    addr INTEGER NOT NULL,
    PRIMARY KEY (gram, addr)
) WITHOUT ROWID;
INSERT INTO address_bigrams (gram, addr)
    SELECT DISTINCT lower(substr(a.full_text, p.n, 2)), a.rowid
    FROM addresses a JOIN address_bigram_pos p ON p.n < length(a.full_text);
CREATE TRIGGER addresses_bigrams_ai AFTER INSERT ON addresses BEGIN
    INSERT INTO address_bigrams (gram, addr)
    SELECT DISTINCT lower(substr(new.full_text, n, 2)), new.rowid
    FROM address_bigram_pos WHERE n < length(new.full_text);
END;
CREATE TRIGGER addresses_bigrams_ad AFTER DELETE ON addresses BEGIN
    DELETE FROM address_bigrams WHERE addr = old.rowid AND gram IN (
        SELECT lower(substr(old.full_text, n, 2))
        FROM address_bigram_pos WHERE n < length(old.full_text));
END;
CREATE TRIGGER addresses_bigrams_au AFTER UPDATE OF full_text ON addresses
WHEN old.full_text IS NOT new.full_text BEGIN
    DELETE FROM address_bigrams WHERE addr = old.rowid AND gram IN (
        SELECT lower(substr(old.full_text, n, 2))
        FROM address_bigram_pos WHERE n < length(old.full_text));
    INSERT INTO address_bigrams (gram, addr)
    SELECT DISTINCT lower(substr(new.full_text, n, 2)), new.rowid
    FROM address_bigram_pos WHERE n < length(new.full_text);
END;
CREATE INDEX inspections_last_done ON inspections(
    subject_kind, subject_id, template_id, finished_at, started_at, address_code)
    WHERE subject_id IS NOT NULL AND review_status <> 'draft';
"#;

/// Version 2 added the delivery state of each record (saved on device → on the
/// server → reviewed) and trigram full-text search over addresses.
const UPGRADE_1_TO_2: &str = r#"
ALTER TABLE inspections ADD COLUMN delivery TEXT NOT NULL DEFAULT 'local';
ALTER TABLE hazards ADD COLUMN delivery TEXT NOT NULL DEFAULT 'local';
ALTER TABLE reports ADD COLUMN delivery TEXT NOT NULL DEFAULT 'local';
"#;

/// Bring the database to `VERSION`, creating it when empty.
pub fn init(conn: &mut Connection) -> Result<()> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current == VERSION {
        return Ok(());
    }
    if current > VERSION {
        return Err(Error::SchemaTooNew {
            found: current,
            supported: VERSION,
        });
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Re-read inside the write lock: another connection may have just upgraded.
    let current: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current == 0 {
        tx.execute_batch(CREATE_SCHEMA)?;
        tx.execute_batch(SENT_AND_REPULL)?;
        tx.execute_batch(ADDRESS_FTS)?;
        tx.execute_batch(CASES)?;
        tx.execute_batch(LEGACY_PLATES)?;
        tx.execute_batch(REPORT_CATEGORY)?;
        tx.execute_batch(SEARCH_BIGRAMS_AND_LAST_DONE)?;
    } else {
        for from in current..VERSION {
            upgrade_from(&tx, from)?;
        }
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(())
}

fn upgrade_from(conn: &Connection, from: u32) -> Result<()> {
    match from {
        1 => {
            conn.execute_batch(UPGRADE_1_TO_2)?;
            conn.execute_batch(ADDRESS_FTS)?;
            conn.execute_batch("INSERT INTO address_fts(address_fts) VALUES ('rebuild');")?;
        }
        2 => {
            conn.execute_batch(
                "ALTER TABLE outbox ADD COLUMN replay INTEGER NOT NULL DEFAULT 0;
                 ALTER TABLE outbox ADD COLUMN clock_offset INTEGER NOT NULL DEFAULT 0;",
            )?;
            conn.execute_batch(SENT_AND_REPULL)?;
        }
        3 => {
            conn.execute_batch(CASES)?;
            // A device that pulled before it kept cases never asked for them: start
            // the pull over once, so the cases already on the server arrive too
            // (what it holds merges as on any pull; its outbox is untouched).
            conn.execute("DELETE FROM device_meta WHERE key = 'sync_cursor'", [])?;
        }
        4 => conn.execute_batch(LEGACY_PLATES)?,
        5 => conn.execute_batch(REPORT_CATEGORY)?,
        6 => conn.execute_batch(SEARCH_BIGRAMS_AND_LAST_DONE)?,
        _ => unreachable!("no upgrade from schema version {from}"),
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The version-1 schema as it shipped, kept to test upgrades from it.
    pub const V1_SCHEMA: &str = include_str!("../../tests/schemas/v1.sql");

    /// Everything that makes two schemas equal, normalised so that a column added
    /// by ALTER TABLE compares equal to one declared inline.
    pub fn describe(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        let mut objs = conn
            .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
            .unwrap();
        let rows: Vec<(String, String, String, Option<String>)> = objs
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        for (ty, name, tbl, sql) in rows {
            match ty.as_str() {
                "table"
                    if !sql.as_deref().unwrap_or("").starts_with("CREATE VIRTUAL")
                        && !name.starts_with("address_fts_") =>
                {
                    let mut st = conn
                        .prepare(&format!("PRAGMA table_xinfo(\"{name}\")"))
                        .unwrap();
                    let cols: Vec<String> = st
                        .query_map([], |r| {
                            Ok(format!(
                                "{}:{}:{}:{:?}:{}",
                                r.get::<_, String>(1)?,
                                r.get::<_, String>(2)?,
                                r.get::<_, i64>(3)?,
                                r.get::<_, Option<String>>(4)?,
                                r.get::<_, i64>(5)?
                            ))
                        })
                        .unwrap()
                        .map(|r| r.unwrap())
                        .collect();
                    out.push(format!("table {name} [{}]", cols.join(", ")));
                    let mut st = conn
                        .prepare(&format!("PRAGMA foreign_key_list(\"{name}\")"))
                        .unwrap();
                    let fks: Vec<String> = st
                        .query_map([], |r| {
                            Ok(format!(
                                "{}.{}->{}",
                                r.get::<_, String>(2)?,
                                r.get::<_, String>(3)?,
                                r.get::<_, Option<String>>(4)?.unwrap_or_default()
                            ))
                        })
                        .unwrap()
                        .map(|r| r.unwrap())
                        .collect();
                    out.push(format!("fks {name} {fks:?}"));
                }
                "table" => out.push(format!("vtable {name} {}", sql.unwrap_or_default())),
                _ => out.push(format!(
                    "{ty} {name} on {tbl}: {}",
                    normalise(&sql.unwrap_or_default())
                )),
            }
        }
        out
    }

    fn normalise(sql: &str) -> String {
        sql.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn open_plain(path: &std::path::Path) -> Connection {
        let c = Connection::open(path).unwrap();
        c.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        c
    }

    #[test]
    fn upgrade_from_every_earlier_version_matches_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let mut fresh = open_plain(&dir.path().join("fresh.db"));
        init(&mut fresh).unwrap();
        let want = describe(&fresh);
        assert!(want.iter().any(|l| l.starts_with("table inspections")));

        // Version 1, with a row in it, upgraded in place.
        let mut old = open_plain(&dir.path().join("v1.db"));
        old.execute_batch(V1_SCHEMA).unwrap();
        old.pragma_update(None, "user_version", 1).unwrap();
        old.execute_batch(
            "INSERT INTO grids VALUES ('g', '示范网格', 3, NULL);
             INSERT INTO addresses (code, grid_code, full_text, updated_at)
             VALUES ('a1', 'g', '建设路12号3栋2单元501室', 0);",
        )
        .unwrap();
        init(&mut old).unwrap();
        assert_eq!(describe(&old), want);
        let v: u32 = old
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, VERSION);
        // The rebuilt index finds rows that existed before the upgrade.
        let hit: String = old
            .query_row(
                "SELECT code FROM address_fts WHERE address_fts MATCH '\"3栋2单元\"'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(hit, "a1");
        // … and so does the bigram index the upgrade to version 7 backfilled.
        let hit: String = old
            .query_row(
                "SELECT a.code FROM address_bigrams b JOIN addresses a ON a.rowid = b.addr
                 WHERE b.gram = '单元'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(hit, "a1");
    }

    /// A phone from before cases pulls from the start once after the upgrade, so
    /// the cases its server already holds arrive; other state stays.
    #[test]
    fn the_upgrade_to_cases_starts_the_pull_over() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open_plain(&dir.path().join("v3.db"));
        init(&mut c).unwrap();
        c.execute_batch(
            "DROP TABLE case_events; DROP TABLE cases; DROP TABLE legacy_plates;
             DROP TABLE address_bigrams; DROP TABLE address_bigram_pos;
             DROP INDEX inspections_last_done; DROP TRIGGER addresses_bigrams_ai;
             DROP TRIGGER addresses_bigrams_ad; DROP TRIGGER addresses_bigrams_au;
             ALTER TABLE inspections DROP COLUMN accuracy_m; ALTER TABLE inspections DROP COLUMN fixed_at;
             ALTER TABLE hazards DROP COLUMN location; ALTER TABLE reports DROP COLUMN location;
             ALTER TABLE reports DROP COLUMN category;
             INSERT INTO device_meta (key, value) VALUES ('sync_cursor', 'c42'), ('server_url', 'http://x');
             PRAGMA user_version = 3;",
        )
        .unwrap();
        init(&mut c).unwrap();
        let keys: Vec<String> = c
            .prepare("SELECT key FROM device_meta ORDER BY key")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(keys, ["server_url"]);
    }

    /// A store from before report categories keeps every report it held, and
    /// its reports read back with no category until the server names one.
    #[test]
    fn the_upgrade_to_report_categories_keeps_the_reports() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open_plain(&dir.path().join("v5.db"));
        init(&mut c).unwrap();
        c.execute_batch(
            "ALTER TABLE reports DROP COLUMN category;
             DROP TABLE address_bigrams; DROP TABLE address_bigram_pos;
             DROP INDEX inspections_last_done; DROP TRIGGER addresses_bigrams_ai;
             DROP TRIGGER addresses_bigrams_ad; DROP TRIGGER addresses_bigrams_au;
             INSERT INTO reports (id, address_code, address_text, text, photos, reporter, device_id,
                 status, points, created_at, updated_at)
             VALUES ('r1', 'a1', '建设路12号', '楼道灯坏了', '[]', '王芳', 'd1', 'accepted', 5, 1, 1);
             PRAGMA user_version = 5;",
        )
        .unwrap();
        init(&mut c).unwrap();
        let (text, points, category): (String, i64, Option<String>) = c
            .query_row(
                "SELECT text, points, category FROM reports WHERE id = 'r1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((text.as_str(), points, category), ("楼道灯坏了", 5, None));
        let mut fresh = open_plain(&dir.path().join("fresh.db"));
        init(&mut fresh).unwrap();
        assert_eq!(describe(&c), describe(&fresh));
    }

    /// The bigram index follows inserts, text changes and deletes of addresses:
    /// after each, it holds exactly the pairs of the texts held.
    #[test]
    fn the_bigram_index_follows_the_addresses() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open_plain(&dir.path().join("bigrams.db"));
        init(&mut c).unwrap();
        let held = |c: &Connection| -> Vec<(String, String)> {
            c.prepare(
                "SELECT b.gram, a.code FROM address_bigrams b
                 LEFT JOIN addresses a ON a.rowid = b.addr ORDER BY 1, 2",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                ))
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
        };
        let pairs = |rows: &[(&str, &str)]| -> Vec<(String, String)> {
            let mut out: Vec<(String, String)> = rows
                .iter()
                .flat_map(|(code, text)| {
                    let ch: Vec<char> = text.to_ascii_lowercase().chars().collect();
                    ch.windows(2)
                        .map(|w| (w.iter().collect::<String>(), code.to_string()))
                        .collect::<Vec<_>>()
                })
                .collect();
            out.sort();
            out.dedup();
            out
        };
        c.execute_batch(
            "INSERT INTO grids VALUES ('g', '示范网格', 3, NULL);
             INSERT INTO addresses (code, grid_code, full_text, updated_at)
             VALUES ('a1', 'g', '人民路1号', 0), ('a2', 'g', 'KS人民A', 0);",
        )
        .unwrap();
        assert_eq!(held(&c), pairs(&[("a1", "人民路1号"), ("a2", "KS人民A")]));
        c.execute_batch("UPDATE addresses SET full_text = '建设路2号' WHERE code = 'a1';")
            .unwrap();
        assert_eq!(held(&c), pairs(&[("a1", "建设路2号"), ("a2", "KS人民A")]));
        c.execute_batch("UPDATE addresses SET updated_at = 5 WHERE code = 'a2';")
            .unwrap();
        c.execute_batch("DELETE FROM addresses WHERE code = 'a1';")
            .unwrap();
        assert_eq!(held(&c), pairs(&[("a2", "KS人民A")]));
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open_plain(&dir.path().join("new.db"));
        c.pragma_update(None, "user_version", VERSION + 1).unwrap();
        assert!(matches!(init(&mut c), Err(Error::SchemaTooNew { .. })));
    }

    #[test]
    fn every_foreign_key_is_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open_plain(&dir.path().join("fk.db"));
        init(&mut c).unwrap();
        let tables: Vec<String> = c
            .prepare("SELECT name FROM sqlite_master WHERE type='table' AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'address_fts%'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        for t in tables {
            // (fk id, column) rows; a composite key spans several rows.
            let rows: Vec<(i64, String)> = c
                .prepare(&format!("PRAGMA foreign_key_list(\"{t}\")"))
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(3)?)))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            let mut fks: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
            for (id, col) in rows {
                fks.entry(id).or_default().push(col);
            }
            let indexes: Vec<Vec<String>> = c
                .prepare(&format!("PRAGMA index_list(\"{t}\")"))
                .unwrap()
                .query_map([], |r| r.get::<_, String>(1))
                .unwrap()
                .map(|r| r.unwrap())
                .map(|idx| {
                    c.prepare(&format!("PRAGMA index_info(\"{idx}\")"))
                        .unwrap()
                        .query_map([], |r| r.get::<_, String>(2))
                        .unwrap()
                        .map(|r| r.unwrap())
                        .collect()
                })
                .collect();
            for cols in fks.values() {
                let covered = indexes
                    .iter()
                    .any(|ix| ix.len() >= cols.len() && ix[..cols.len()] == cols[..]);
                assert!(covered, "foreign key {t}{cols:?} has no index");
            }
        }
    }
}
