-- Grid boundaries (issue #18): each grid's polygon as a GeoJSON geometry, imported by
-- `admin grid-boundaries import` after validation. The grid's path is copied so the
-- map of a scope selects its polygons by range (byte order, like `records.grid_path`);
-- the bounding box lets a map ask for what lies in view without opening the geometry.
CREATE TABLE grid_boundaries (
    grid_code  TEXT PRIMARY KEY REFERENCES grids(code),
    grid_path  TEXT COLLATE "C" NOT NULL,
    geometry   TEXT NOT NULL,
    min_lat    DOUBLE PRECISION NOT NULL,
    min_lon    DOUBLE PRECISION NOT NULL,
    max_lat    DOUBLE PRECISION NOT NULL,
    max_lon    DOUBLE PRECISION NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX grid_boundaries_path ON grid_boundaries(grid_path);

-- Where a record was made (the phone's fix), for the map: what it reads without
-- opening documents, and its own index of located records by scope and time.
ALTER TABLE records ADD COLUMN map_lat DOUBLE PRECISION GENERATED ALWAYS AS (CASE kind
    WHEN 'inspection' THEN (body::jsonb -> 'location' ->> 'lat')::double precision
    WHEN 'report' THEN (body::jsonb -> 'location' ->> 'lat')::double precision
    WHEN 'hazard' THEN (body::jsonb -> 'hazard' -> 'location' ->> 'lat')::double precision
    WHEN 'case' THEN (body::jsonb -> 'case' -> 'location' ->> 'lat')::double precision END) STORED;
ALTER TABLE records ADD COLUMN map_lon DOUBLE PRECISION GENERATED ALWAYS AS (CASE kind
    WHEN 'inspection' THEN (body::jsonb -> 'location' ->> 'lon')::double precision
    WHEN 'report' THEN (body::jsonb -> 'location' ->> 'lon')::double precision
    WHEN 'hazard' THEN (body::jsonb -> 'hazard' -> 'location' ->> 'lon')::double precision
    WHEN 'case' THEN (body::jsonb -> 'case' -> 'location' ->> 'lon')::double precision END) STORED;
CREATE INDEX records_located ON records(kind, grid_path, at, map_lat, map_lon)
    WHERE map_lat IS NOT NULL;
