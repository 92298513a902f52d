-- Gridfield server schema, version 7 (PostgreSQL): photos are a device's own business.
-- A partial upload belongs to the device sending it (another device neither learns
-- of it nor writes into it); in-flight uploads restart from 0, which phones do
-- whenever the server reports no offset. The declared type is no longer kept: a
-- photo's type is decided from its bytes.
DROP TABLE blob_uploads;
CREATE TABLE blob_uploads (
    hash       TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    size       BIGINT NOT NULL,
    data       BYTEA NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hash, device_id)
);

-- Which device uploaded which photo's whole bytes: it may see (and refer to) that
-- photo before any record does. Other devices see a photo only through a record
-- they may see (rules/photos.rs).
CREATE TABLE blob_uploaders (
    hash       TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (hash, device_id)
);
