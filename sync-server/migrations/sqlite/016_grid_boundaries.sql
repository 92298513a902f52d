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
