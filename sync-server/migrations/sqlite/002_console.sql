-- Gridfield server schema, version 2 (SQLite): the supervisor console.
-- The console filters and sorts inspections, hazards and reports by fields inside
-- their JSON body; virtual generated columns expose them so they can be indexed.
ALTER TABLE records ADD COLUMN status TEXT GENERATED ALWAYS AS (CASE kind
    WHEN 'inspection' THEN json_extract(body, '$.review_status')
    WHEN 'hazard' THEN json_extract(body, '$.hazard.status')
    WHEN 'report' THEN json_extract(body, '$.status') END) VIRTUAL;
ALTER TABLE records ADD COLUMN category TEXT GENERATED ALWAYS AS (CASE kind
    WHEN 'inspection' THEN json_extract(body, '$.template_id')
    WHEN 'hazard' THEN json_extract(body, '$.hazard.category') END) VIRTUAL;
ALTER TABLE records ADD COLUMN severity TEXT GENERATED ALWAYS AS (CASE kind
    WHEN 'hazard' THEN json_extract(body, '$.hazard.severity') END) VIRTUAL;
ALTER TABLE records ADD COLUMN due_at INTEGER GENERATED ALWAYS AS (CASE kind
    WHEN 'hazard' THEN json_extract(body, '$.hazard.deadline') END) VIRTUAL;
ALTER TABLE records ADD COLUMN at INTEGER GENERATED ALWAYS AS (CASE kind
    WHEN 'inspection' THEN json_extract(body, '$.started_at')
    WHEN 'hazard' THEN json_extract(body, '$.hazard.created_at')
    WHEN 'report' THEN json_extract(body, '$.created_at') END) VIRTUAL;

CREATE INDEX records_kind_status_at ON records(kind, status, at);
CREATE INDEX records_kind_at ON records(kind, at);
CREATE INDEX records_kind_path_at ON records(kind, grid_path, at);
CREATE INDEX records_kind_due ON records(kind, due_at);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX conflicts_at ON conflicts(at);

-- Door-plate search: trigram full text over address text, plate serial and code,
-- kept in step with `records` by triggers; rowid is the record's rowid.
CREATE VIRTUAL TABLE address_fts USING fts5(text, tokenize = 'trigram');
INSERT INTO address_fts (rowid, text)
    SELECT rowid, json_extract(body, '$.full_text') || ' ' || COALESCE(json_extract(body, '$.plate_serial'), '') || ' ' || id
    FROM records WHERE kind = 'address';
CREATE TRIGGER records_fts_ins AFTER INSERT ON records WHEN new.kind = 'address' BEGIN
    INSERT INTO address_fts (rowid, text) VALUES (new.rowid,
        json_extract(new.body, '$.full_text') || ' ' || COALESCE(json_extract(new.body, '$.plate_serial'), '') || ' ' || new.id);
END;
CREATE TRIGGER records_fts_upd AFTER UPDATE OF body ON records WHEN new.kind = 'address' BEGIN
    DELETE FROM address_fts WHERE rowid = old.rowid;
    INSERT INTO address_fts (rowid, text) VALUES (new.rowid,
        json_extract(new.body, '$.full_text') || ' ' || COALESCE(json_extract(new.body, '$.plate_serial'), '') || ' ' || new.id);
END;
CREATE TRIGGER records_fts_del AFTER DELETE ON records WHEN old.kind = 'address' BEGIN
    DELETE FROM address_fts WHERE rowid = old.rowid;
END;

-- Console accounts: a password for an existing user (role and grid come from `users`).
CREATE TABLE console_accounts (
    user_name     TEXT PRIMARY KEY REFERENCES users(name),
    password_hash TEXT NOT NULL,
    failed        INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE console_sessions (
    token_hash TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users(name),
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions(user_name);
CREATE INDEX console_sessions_expires ON console_sessions(expires_at);
