-- Gridfield server schema, version 4 (PostgreSQL): console indexes that answer on their own.
-- The same indexes as SQLite's version 4: each ends with grid_path, so a grid scope
-- is checked inside the index (index-only scans for counts), and exports walk a
-- kind's records in change order instead of sorting the whole scope for every page.
-- Autovacuum keeps the planner's statistics; `gen-city` runs ANALYZE after its bulk load.
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
