-- Gridfield server schema, version 1 (PostgreSQL). Grid paths use the C collation:
-- scope filters compare them as byte ranges, whatever the database's locale. Timestamps are integer milliseconds.
CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE grids (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       BIGINT NOT NULL,
    parent_code TEXT REFERENCES grids(code),
    path        TEXT COLLATE "C" NOT NULL
);
CREATE INDEX grids_parent ON grids(parent_code);
CREATE INDEX grids_path ON grids(path);

CREATE TABLE users (
    name       TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    grid_code  TEXT NOT NULL REFERENCES grids(code),
    created_at BIGINT NOT NULL
);
CREATE INDEX users_grid ON users(grid_code);

CREATE TABLE enroll_codes (
    code_hash  TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users(name),
    role       TEXT NOT NULL,
    grid_code  TEXT NOT NULL REFERENCES grids(code),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    device_id  TEXT
);
CREATE INDEX enroll_codes_user ON enroll_codes(user_name);
CREATE INDEX enroll_codes_grid ON enroll_codes(grid_code);

CREATE TABLE devices (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_name  TEXT NOT NULL REFERENCES users(name),
    role       TEXT NOT NULL,
    grid_code  TEXT NOT NULL REFERENCES grids(code),
    grid_path  TEXT COLLATE "C" NOT NULL,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen  BIGINT,
    acked_seq  BIGINT NOT NULL DEFAULT 0,
    revoked_at BIGINT
);
CREATE INDEX devices_user ON devices(user_name);
CREATE INDEX devices_grid ON devices(grid_code);

-- The current state of every replicated record, one JSON document each; `seq`
-- is the change sequence pull cursors follow.
CREATE TABLE records (
    kind         TEXT NOT NULL,
    id           TEXT NOT NULL,
    grid_path    TEXT COLLATE "C" NOT NULL,
    address_code TEXT,
    seq          BIGINT NOT NULL,
    body         TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE UNIQUE INDEX records_seq ON records(seq);
CREATE INDEX records_path_seq ON records(grid_path, seq);
CREATE INDEX records_address ON records(address_code);

CREATE TABLE applied_ops (
    op_id     TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    result    TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX applied_ops_device ON applied_ops(device_id);

CREATE TABLE conflicts (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    field         TEXT NOT NULL,
    kept_value    TEXT,
    kept_hlc      TEXT NOT NULL,
    kept_device   TEXT NOT NULL,
    lost_value    TEXT,
    lost_hlc      TEXT NOT NULL,
    lost_device   TEXT NOT NULL,
    grid_path     TEXT COLLATE "C" NOT NULL,
    at            BIGINT NOT NULL
);
CREATE INDEX conflicts_entity ON conflicts(kind, entity_id);

CREATE TABLE audit (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    device_id TEXT,
    action    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail    TEXT
);
CREATE INDEX audit_entity ON audit(kind, entity_id);

CREATE TABLE blobs (
    hash       TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    mime       TEXT NOT NULL,
    data       BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE blob_uploads (
    hash       TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    mime       TEXT NOT NULL,
    data       BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
);
