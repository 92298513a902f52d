-- Coverage (走访覆盖率) from two narrow tables kept by triggers on `records`, so the
-- console's coverage page reads neither record bodies nor one probe per visit:
-- the planned entities (what a visit rule selects on) and, per entity, checklist
-- and month (UTC+8, YYYYMM), the first and last submitted visit. A period starts
-- on the first of a month, so the last visit before it, the first within it and
-- the latest are read from the months. Any write of a record (push, console,
-- bulk load by COPY, restore) keeps both; the months an edit touches are
-- recounted from the records, so edits, late syncs and out-of-order submissions
-- come out right. Grid paths compare byte-wise, like `records.grid_path`.
CREATE TABLE visit_entities (
    kind         TEXT NOT NULL,
    id           TEXT NOT NULL,
    grid_path    TEXT COLLATE "C" NOT NULL,
    address_code TEXT,
    visit_value  TEXT,
    PRIMARY KEY (kind, id)
);
CREATE INDEX visit_entities_path ON visit_entities(grid_path, kind, visit_value, id, address_code);

CREATE TABLE last_visits (
    subject  TEXT NOT NULL,
    template TEXT NOT NULL,
    month    INTEGER NOT NULL,
    first_at BIGINT NOT NULL,
    last_at  BIGINT NOT NULL,
    PRIMARY KEY (subject, template, month)
);

-- The month (UTC+8) of a millisecond timestamp, as YYYYMM.
CREATE FUNCTION visit_month(at BIGINT) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$
    SELECT CAST(EXTRACT(YEAR FROM d) * 100 + EXTRACT(MONTH FROM d) AS INTEGER)
    FROM (SELECT DATE '1970-01-01' + CAST((at + 28800000) / 86400000 AS INTEGER) AS d) x
$$;

-- Recount one entity's visits with one checklist in one month from the records.
CREATE FUNCTION last_visits_recount(s TEXT, t TEXT, m INTEGER) RETURNS void LANGUAGE sql AS $$
    DELETE FROM last_visits WHERE subject = s AND template = t AND month = m;
    INSERT INTO last_visits (subject, template, month, first_at, last_at)
    SELECT s, t, m, MIN(visit_at), MAX(visit_at) FROM records
    WHERE visit_subject = s AND category = t AND visit_at IS NOT NULL AND visit_month(visit_at) = m
    HAVING COUNT(*) > 0;
$$;

INSERT INTO visit_entities (kind, id, grid_path, address_code, visit_value)
    SELECT kind, id, grid_path, address_code, visit_value FROM records WHERE visit_planned = 1;
INSERT INTO last_visits (subject, template, month, first_at, last_at)
    SELECT visit_subject, category, visit_month(visit_at), MIN(visit_at), MAX(visit_at)
    FROM records
    WHERE visit_subject IS NOT NULL AND visit_at IS NOT NULL AND category IS NOT NULL
    GROUP BY 1, 2, 3;

CREATE FUNCTION records_visits_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD.visit_planned = 1 THEN
            DELETE FROM visit_entities WHERE kind = OLD.kind AND id = OLD.id;
        END IF;
        IF OLD.visit_subject IS NOT NULL AND OLD.visit_at IS NOT NULL AND OLD.category IS NOT NULL THEN
            PERFORM last_visits_recount(OLD.visit_subject, OLD.category, visit_month(OLD.visit_at));
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NEW.visit_planned = 1 THEN
            INSERT INTO visit_entities (kind, id, grid_path, address_code, visit_value)
            VALUES (NEW.kind, NEW.id, NEW.grid_path, NEW.address_code, NEW.visit_value)
            ON CONFLICT (kind, id) DO UPDATE SET grid_path = excluded.grid_path,
                address_code = excluded.address_code, visit_value = excluded.visit_value;
        END IF;
        IF NEW.visit_subject IS NOT NULL AND NEW.visit_at IS NOT NULL AND NEW.category IS NOT NULL THEN
            IF TG_OP = 'INSERT' THEN
                -- A new visit widens its month (one upsert, what a push or a bulk load
                -- pays); edits recount the months they touch from the records.
                INSERT INTO last_visits (subject, template, month, first_at, last_at)
                VALUES (NEW.visit_subject, NEW.category, visit_month(NEW.visit_at),
                        NEW.visit_at, NEW.visit_at)
                ON CONFLICT (subject, template, month) DO UPDATE SET
                    first_at = LEAST(last_visits.first_at, excluded.first_at),
                    last_at = GREATEST(last_visits.last_at, excluded.last_at);
            ELSE
                PERFORM last_visits_recount(NEW.visit_subject, NEW.category, visit_month(NEW.visit_at));
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER records_visits_ai AFTER INSERT ON records FOR EACH ROW
    WHEN (NEW.visit_planned = 1 OR NEW.visit_subject IS NOT NULL)
    EXECUTE FUNCTION records_visits_keep();
CREATE TRIGGER records_visits_au AFTER UPDATE OF kind, id, grid_path, address_code, category, body ON records
    FOR EACH ROW
    WHEN (OLD.visit_planned = 1 OR NEW.visit_planned = 1
          OR OLD.visit_subject IS NOT NULL OR NEW.visit_subject IS NOT NULL)
    EXECUTE FUNCTION records_visits_keep();
CREATE TRIGGER records_visits_ad AFTER DELETE ON records FOR EACH ROW
    WHEN (OLD.visit_planned = 1 OR OLD.visit_subject IS NOT NULL)
    EXECUTE FUNCTION records_visits_keep();
