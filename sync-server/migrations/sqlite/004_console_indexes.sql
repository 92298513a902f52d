-- Gridfield server schema, version 4 (SQLite): console indexes that answer on their own.
-- The status, time and deadline columns are virtual: reading one outside an index
-- parses the record's JSON body. Measured on the benchmark city (3.3 million
-- records), the city-wide review queue took 4 s and an export page 1 s because the
-- planner walked a grid-path range and parsed every body in it. Each index now ends
-- with grid_path, so the scope is checked inside the index, and exports walk a
-- kind's records in change order. The server runs `PRAGMA optimize` when it opens
-- the database, so the planner has the statistics to choose between them.
DROP INDEX IF EXISTS records_kind_status_at;
DROP INDEX IF EXISTS records_kind_at;
DROP INDEX IF EXISTS records_kind_due;
DROP INDEX IF EXISTS records_kind_path_at;
DROP INDEX IF EXISTS records_kind_seq;
CREATE INDEX records_kind_status_at ON records(kind, status, at, grid_path);
CREATE INDEX records_kind_at ON records(kind, at, grid_path);
CREATE INDEX records_kind_due ON records(kind, due_at, status, grid_path);
CREATE INDEX records_kind_seq ON records(kind, seq, grid_path);
-- A grid scope's records in time order, with what the hazard board and the
-- dashboard count and group by: their figures come from the index alone.
CREATE INDEX records_kind_path_at ON records(kind, grid_path, at, status, category, severity, due_at, address_code);
