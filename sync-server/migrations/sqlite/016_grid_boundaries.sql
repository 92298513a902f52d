-- Grid boundaries (issue #18): each grid's polygon as a GeoJSON geometry, imported by
-- `admin grid-boundaries import` after validation. The grid's path is copied so the
-- map of a scope selects its polygons by range; the bounding box lets a map ask for
-- what lies in view without opening the geometry.
CREATE TABLE grid_boundaries (
    grid_code  TEXT PRIMARY KEY REFERENCES grids(code),
    grid_path  TEXT NOT NULL,
    geometry   TEXT NOT NULL,
    min_lat    REAL NOT NULL,
    min_lon    REAL NOT NULL,
    max_lat    REAL NOT NULL,
    max_lon    REAL NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX grid_boundaries_path ON grid_boundaries(grid_path);

-- Where a record was made (the phone's fix), for the map: what it reads without
-- opening documents, and its own index of located records by scope and time.
ALTER TABLE records ADD COLUMN map_lat REAL GENERATED ALWAYS AS (CASE kind
    WHEN 'inspection' THEN json_extract(body, '$.location.lat')
    WHEN 'report' THEN json_extract(body, '$.location.lat')
    WHEN 'hazard' THEN json_extract(body, '$.hazard.location.lat')
    WHEN 'case' THEN json_extract(body, '$.case.location.lat') END) VIRTUAL;
ALTER TABLE records ADD COLUMN map_lon REAL GENERATED ALWAYS AS (CASE kind
    WHEN 'inspection' THEN json_extract(body, '$.location.lon')
    WHEN 'report' THEN json_extract(body, '$.location.lon')
    WHEN 'hazard' THEN json_extract(body, '$.hazard.location.lon')
    WHEN 'case' THEN json_extract(body, '$.case.location.lon') END) VIRTUAL;
CREATE INDEX records_located ON records(kind, grid_path, at, map_lat, map_lon)
    WHERE map_lat IS NOT NULL;
