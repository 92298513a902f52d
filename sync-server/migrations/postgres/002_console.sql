-- Gridfield server schema, version 2 (PostgreSQL): the supervisor console.
-- The console filters and sorts inspections, hazards and reports by fields inside
-- their JSON body; stored generated columns expose them so they can be indexed.
ALTER TABLE records ADD COLUMN status TEXT GENERATED ALWAYS AS (CASE kind
    WHEN 'inspection' THEN body::jsonb ->> 'review_status'
    WHEN 'hazard' THEN body::jsonb -> 'hazard' ->> 'status'
    WHEN 'report' THEN body::jsonb ->> 'status' END) STORED;
ALTER TABLE records ADD COLUMN category TEXT GENERATED ALWAYS AS (CASE kind
    WHEN 'inspection' THEN body::jsonb ->> 'template_id'
    WHEN 'hazard' THEN body::jsonb -> 'hazard' ->> 'category' END) STORED;
ALTER TABLE records ADD COLUMN severity TEXT GENERATED ALWAYS AS (CASE kind
    WHEN 'hazard' THEN body::jsonb -> 'hazard' ->> 'severity' END) STORED;
ALTER TABLE records ADD COLUMN due_at BIGINT GENERATED ALWAYS AS (CASE kind
    WHEN 'hazard' THEN (body::jsonb -> 'hazard' ->> 'deadline')::bigint END) STORED;
ALTER TABLE records ADD COLUMN at BIGINT GENERATED ALWAYS AS (CASE kind
    WHEN 'inspection' THEN (body::jsonb ->> 'started_at')::bigint
    WHEN 'hazard' THEN (body::jsonb -> 'hazard' ->> 'created_at')::bigint
    WHEN 'report' THEN (body::jsonb ->> 'created_at')::bigint END) STORED;
-- Door-plate search text (address text, plate serial, code), trigram-indexed below.
ALTER TABLE records ADD COLUMN search_text TEXT GENERATED ALWAYS AS (CASE kind
    WHEN 'address' THEN (body::jsonb ->> 'full_text') || ' ' || COALESCE(body::jsonb ->> 'plate_serial', '') || ' ' || id END) STORED;

CREATE INDEX records_kind_status_at ON records(kind, status, at);
CREATE INDEX records_kind_at ON records(kind, at);
CREATE INDEX records_kind_path_at ON records(kind, grid_path, at);
CREATE INDEX records_kind_due ON records(kind, due_at);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX conflicts_at ON conflicts(at);

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX records_search_trgm ON records USING gin (search_text gin_trgm_ops) WHERE kind = 'address';

CREATE TABLE console_accounts (
    user_name     TEXT PRIMARY KEY REFERENCES users(name),
    password_hash TEXT NOT NULL,
    failed        BIGINT NOT NULL DEFAULT 0,
    locked_until  BIGINT,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE console_sessions (
    token_hash TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users(name),
    csrf       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions(user_name);
CREATE INDEX console_sessions_expires ON console_sessions(expires_at);
