-- Gridfield server schema, migration 018 (SQLite): console indexes per kind.
-- The console's indexes of migration 004 covered every kind, so every household,
-- person or rental-unit edit kept five of them up to date (nine indexes in all)
-- for lists that never show those kinds. Each is now partial, one set per kind the
-- console lists (inspections, hazards, reports), and an edit of any other kind
-- maintains only the primary key, seq, grid path and address indexes. The list
-- pages read newest first by (at, seq) from a key, never by OFFSET, so a deep page
-- costs what the first does; each index ends with the grid path so a scope is
-- checked inside it. Queries name the kind as a literal so the planner matches the
-- partial index (a bound parameter does not imply the index's predicate).
DROP INDEX IF EXISTS records_kind_status_at;
DROP INDEX IF EXISTS records_kind_at;
DROP INDEX IF EXISTS records_kind_due;
DROP INDEX IF EXISTS records_kind_seq;
DROP INDEX IF EXISTS records_kind_path_at;
CREATE INDEX records_inspection_at ON records(at, seq, grid_path, status) WHERE kind = 'inspection';
CREATE INDEX records_inspection_status_at ON records(status, at, seq, grid_path) WHERE kind = 'inspection';
CREATE INDEX records_inspection_seq ON records(seq, grid_path) WHERE kind = 'inspection';
CREATE INDEX records_inspection_path ON records(grid_path, at, status, category, severity, due_at, address_code) WHERE kind = 'inspection';
CREATE INDEX records_hazard_at ON records(at, seq, grid_path, status) WHERE kind = 'hazard';
CREATE INDEX records_hazard_status_at ON records(status, at, seq, grid_path) WHERE kind = 'hazard';
CREATE INDEX records_hazard_seq ON records(seq, grid_path) WHERE kind = 'hazard';
CREATE INDEX records_hazard_path ON records(grid_path, at, status, category, severity, due_at, address_code) WHERE kind = 'hazard';
CREATE INDEX records_report_at ON records(at, seq, grid_path, status) WHERE kind = 'report';
CREATE INDEX records_report_status_at ON records(status, at, seq, grid_path) WHERE kind = 'report';
CREATE INDEX records_report_seq ON records(seq, grid_path) WHERE kind = 'report';
CREATE INDEX records_report_path ON records(grid_path, at, status, category, severity, due_at, address_code) WHERE kind = 'report';
-- Overdue and escalated hazards: open ones past a deadline.
CREATE INDEX records_hazard_due ON records(due_at, status, grid_path) WHERE kind = 'hazard';
-- The door-plate sheets of a grid, in grid order.
CREATE INDEX records_address_path ON records(grid_path, id) WHERE kind = 'address';
