-- Plates installed before Gridfield (issue #17): the text their QR codes carry, or
-- their serial, mapped to an address code by `admin plates import-legacy`. The
-- address's grid path is copied so a device's scope selects its mappings by range.
CREATE TABLE legacy_plates (
    plate_text   TEXT PRIMARY KEY,
    address_code TEXT NOT NULL,
    grid_path    TEXT NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX legacy_plates_grid ON legacy_plates(grid_path);
