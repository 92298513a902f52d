-- The coverage page (走访覆盖率) for a whole city reads one row per grid, not one per
-- planned entity: each grid path's figures are kept per period (first and last day)
-- and day, for the visit rules version they were counted under. A write that changes
-- what a grid's figures count from (a planned entity, a visit) marks the grid's path
-- in `coverage_dirty` by trigger; the next read recounts only the marked paths
-- (`console/coverage_cache.rs`). A mark made while a recount runs clears `claimed`,
-- so it outlives that recount and is counted by the next.
CREATE TABLE coverage_periods (
    period_start INTEGER NOT NULL,
    period_end   INTEGER NOT NULL,
    today        INTEGER NOT NULL,
    rules        INTEGER NOT NULL,
    PRIMARY KEY (period_start, period_end, today)
);

CREATE TABLE coverage_figures (
    period_start INTEGER NOT NULL,
    period_end   INTEGER NOT NULL,
    today        INTEGER NOT NULL,
    grid_path    TEXT NOT NULL,
    planned      INTEGER NOT NULL,
    due          INTEGER NOT NULL,
    on_time      INTEGER NOT NULL,
    overdue      INTEGER NOT NULL,
    never        INTEGER NOT NULL,
    PRIMARY KEY (period_start, period_end, today, grid_path)
);

CREATE TABLE coverage_dirty (
    grid_path TEXT PRIMARY KEY,
    claimed   INTEGER NOT NULL DEFAULT 0
);

-- A visit names its entity by id: find the entity's grid.
CREATE INDEX visit_entities_id ON visit_entities(id, grid_path);

-- The visits each worker made in a period, per grid subtree, from the index alone.
DROP INDEX records_visit_by;
CREATE INDEX records_visit_by ON records(kind, visit_at, visit_by, grid_path) WHERE visit_subject IS NOT NULL;

CREATE TRIGGER visit_entities_dirty_ai AFTER INSERT ON visit_entities BEGIN
    INSERT INTO coverage_dirty (grid_path) VALUES (new.grid_path)
    ON CONFLICT (grid_path) DO UPDATE SET claimed = 0 WHERE claimed = 1;
END;
CREATE TRIGGER visit_entities_dirty_au AFTER UPDATE ON visit_entities BEGIN
    INSERT INTO coverage_dirty (grid_path) VALUES (old.grid_path)
    ON CONFLICT (grid_path) DO UPDATE SET claimed = 0 WHERE claimed = 1;
    INSERT INTO coverage_dirty (grid_path) VALUES (new.grid_path)
    ON CONFLICT (grid_path) DO UPDATE SET claimed = 0 WHERE claimed = 1;
END;
CREATE TRIGGER visit_entities_dirty_ad AFTER DELETE ON visit_entities BEGIN
    INSERT INTO coverage_dirty (grid_path) VALUES (old.grid_path)
    ON CONFLICT (grid_path) DO UPDATE SET claimed = 0 WHERE claimed = 1;
END;
CREATE TRIGGER last_visits_dirty_ai AFTER INSERT ON last_visits BEGIN
    INSERT INTO coverage_dirty (grid_path)
    SELECT grid_path FROM visit_entities WHERE id = new.subject
    ON CONFLICT (grid_path) DO UPDATE SET claimed = 0 WHERE claimed = 1;
END;
CREATE TRIGGER last_visits_dirty_au AFTER UPDATE ON last_visits BEGIN
    INSERT INTO coverage_dirty (grid_path)
    SELECT grid_path FROM visit_entities WHERE id = new.subject
    ON CONFLICT (grid_path) DO UPDATE SET claimed = 0 WHERE claimed = 1;
END;
CREATE TRIGGER last_visits_dirty_ad AFTER DELETE ON last_visits BEGIN
    INSERT INTO coverage_dirty (grid_path)
    SELECT grid_path FROM visit_entities WHERE id = old.subject
    ON CONFLICT (grid_path) DO UPDATE SET claimed = 0 WHERE claimed = 1;
END;
