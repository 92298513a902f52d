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
