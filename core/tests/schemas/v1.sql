-- Gridfield device schema version 1, as shipped. Kept to test upgrades.
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
    updated_at          INTEGER NOT NULL
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
    updated_at    INTEGER NOT NULL
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
    last_error TEXT
);
CREATE INDEX outbox_entity ON outbox(entity, entity_id);
