-- The coverage page (走访覆盖率) for a whole city reads one row per grid, not one per
-- planned entity: each grid path's figures are kept per period (first and last day)
-- and day, for the visit rules version they were counted under. A write that changes
-- what a grid's figures count from (a planned entity, a visit) marks the grid's path
-- in `coverage_dirty` by trigger; the next read recounts only the marked paths
-- (`console/coverage_cache.rs`). A mark made while a recount runs clears `claimed`,
-- so it outlives that recount and is counted by the next. A mark on a path already
-- marked writes nothing (no new row version), so a bulk load pays one probe per row.
CREATE TABLE coverage_periods (
    period_start BIGINT NOT NULL,
    period_end   BIGINT NOT NULL,
    today        BIGINT NOT NULL,
    rules        BIGINT NOT NULL,
    PRIMARY KEY (period_start, period_end, today)
);

CREATE TABLE coverage_figures (
    period_start BIGINT NOT NULL,
    period_end   BIGINT NOT NULL,
    today        BIGINT NOT NULL,
    grid_path    TEXT COLLATE "C" NOT NULL,
    planned      BIGINT NOT NULL,
    due          BIGINT NOT NULL,
    on_time      BIGINT NOT NULL,
    overdue      BIGINT NOT NULL,
    never        BIGINT NOT NULL,
    PRIMARY KEY (period_start, period_end, today, grid_path)
);

CREATE TABLE coverage_dirty (
    grid_path TEXT COLLATE "C" PRIMARY KEY,
    claimed   INTEGER NOT NULL DEFAULT 0
);

-- A visit names its entity by id: find the entity's grid.
CREATE INDEX visit_entities_id ON visit_entities(id, grid_path);

-- The visits each worker made in a period, per grid subtree, from the index alone.
DROP INDEX records_visit_by;
CREATE INDEX records_visit_by ON records(kind, visit_at, visit_by, grid_path) WHERE visit_subject IS NOT NULL;

CREATE FUNCTION coverage_mark(p TEXT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO coverage_dirty (grid_path) VALUES (p)
    ON CONFLICT (grid_path) DO UPDATE SET claimed = 0 WHERE coverage_dirty.claimed = 1;
$$;

CREATE FUNCTION visit_entities_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM coverage_mark(OLD.grid_path);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.grid_path <> OLD.grid_path) THEN
        PERFORM coverage_mark(NEW.grid_path);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER visit_entities_dirty AFTER INSERT OR UPDATE OR DELETE ON visit_entities
    FOR EACH ROW EXECUTE FUNCTION visit_entities_dirty();

CREATE FUNCTION last_visits_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        s := OLD.subject;
    ELSE
        s := NEW.subject;
    END IF;
    PERFORM coverage_mark(grid_path) FROM visit_entities WHERE id = s;
    RETURN NULL;
END
$$;
CREATE TRIGGER last_visits_dirty AFTER INSERT OR UPDATE OR DELETE ON last_visits
    FOR EACH ROW EXECUTE FUNCTION last_visits_dirty();
