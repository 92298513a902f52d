-- Gridfield server schema, version 5 (SQLite): restores and installations.
-- The database's identity and epoch live in server_meta ('db_id', 'epoch'); each
-- restore starts a new epoch, recorded here, so devices re-upload what it lost.
CREATE TABLE restores (
    epoch     INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    source    TEXT NOT NULL,
    note      TEXT,
    head_seq  INTEGER NOT NULL,
    device_id TEXT
);

-- Which installation speaks with a device's token, and its request counter: the
-- highest sequence seen and a bitmap of the 64 below it. A sequence seen twice or
-- far behind comes from a copy of the device's data (see install.rs).
ALTER TABLE devices ADD COLUMN install_id TEXT;
ALTER TABLE devices ADD COLUMN req_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN req_window INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN cloned_at INTEGER;
