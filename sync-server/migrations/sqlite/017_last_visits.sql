-- Coverage (走访覆盖率) from two narrow tables kept by triggers on `records`, so the
-- console's coverage page reads neither record bodies nor one probe per visit:
-- the planned entities (what a visit rule selects on) and, per entity, checklist
-- and month (UTC+8, YYYYMM), the first and last submitted visit. A period starts
-- on the first of a month, so the last visit before it, the first within it and
-- the latest are read from the months. Any write of a record (push, console,
-- bulk load, restore) keeps both; the months an edit touches are recounted from
-- the records, so edits, late syncs and out-of-order submissions come out right.
CREATE TABLE visit_entities (
    kind         TEXT NOT NULL,
    id           TEXT NOT NULL,
    grid_path    TEXT NOT NULL,
    address_code TEXT,
    visit_value  TEXT,
    PRIMARY KEY (kind, id)
);
CREATE INDEX visit_entities_path ON visit_entities(grid_path, kind, visit_value, id, address_code);

CREATE TABLE last_visits (
    subject  TEXT NOT NULL,
    template TEXT NOT NULL,
    month    INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    last_at  INTEGER NOT NULL,
    PRIMARY KEY (subject, template, month)
);

INSERT INTO visit_entities (kind, id, grid_path, address_code, visit_value)
    SELECT kind, id, grid_path, address_code, visit_value FROM records WHERE visit_planned = 1;
INSERT INTO last_visits (subject, template, month, first_at, last_at)
    SELECT visit_subject, category,
        CAST(strftime('%Y%m', ((visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER),
        MIN(visit_at), MAX(visit_at)
    FROM records
    WHERE visit_subject IS NOT NULL AND visit_at IS NOT NULL AND category IS NOT NULL
    GROUP BY 1, 2, 3;

CREATE TRIGGER records_visit_entities_ai AFTER INSERT ON records WHEN new.visit_planned = 1 BEGIN
    INSERT INTO visit_entities (kind, id, grid_path, address_code, visit_value)
    VALUES (new.kind, new.id, new.grid_path, new.address_code, new.visit_value);
END;
CREATE TRIGGER records_visit_entities_au AFTER UPDATE OF kind, id, grid_path, address_code, body ON records
WHEN old.visit_planned = 1 OR new.visit_planned = 1 BEGIN
    DELETE FROM visit_entities WHERE kind = old.kind AND id = old.id;
    INSERT INTO visit_entities (kind, id, grid_path, address_code, visit_value)
    SELECT new.kind, new.id, new.grid_path, new.address_code, new.visit_value WHERE new.visit_planned = 1;
END;
CREATE TRIGGER records_visit_entities_ad AFTER DELETE ON records WHEN old.visit_planned = 1 BEGIN
    DELETE FROM visit_entities WHERE kind = old.kind AND id = old.id;
END;

-- A new visit widens its month's first/last (one upsert, what a push or a bulk load
-- pays); edits and deletes recount the months they touch from the records.
CREATE TRIGGER records_last_visits_ai AFTER INSERT ON records
WHEN new.visit_subject IS NOT NULL AND new.visit_at IS NOT NULL AND new.category IS NOT NULL BEGIN
    INSERT INTO last_visits (subject, template, month, first_at, last_at)
    VALUES (new.visit_subject, new.category,
        CAST(strftime('%Y%m', ((new.visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER),
        new.visit_at, new.visit_at)
    ON CONFLICT (subject, template, month) DO UPDATE SET
        first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at);
END;
CREATE TRIGGER records_last_visits_au AFTER UPDATE OF kind, id, category, body ON records
WHEN old.visit_subject IS NOT NULL OR new.visit_subject IS NOT NULL BEGIN
    DELETE FROM last_visits WHERE subject = old.visit_subject AND template = old.category
        AND month = CAST(strftime('%Y%m', ((old.visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER);
    INSERT INTO last_visits (subject, template, month, first_at, last_at)
    SELECT visit_subject, category,
        CAST(strftime('%Y%m', ((visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER) AS m,
        MIN(visit_at), MAX(visit_at)
    FROM records WHERE visit_subject = old.visit_subject AND category = old.category AND visit_at IS NOT NULL
        AND CAST(strftime('%Y%m', ((visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER)
          = CAST(strftime('%Y%m', ((old.visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER)
    GROUP BY 1, 2, 3;
    DELETE FROM last_visits WHERE subject = new.visit_subject AND template = new.category
        AND month = CAST(strftime('%Y%m', ((new.visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER);
    INSERT INTO last_visits (subject, template, month, first_at, last_at)
    SELECT visit_subject, category,
        CAST(strftime('%Y%m', ((visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER) AS m,
        MIN(visit_at), MAX(visit_at)
    FROM records WHERE visit_subject = new.visit_subject AND category = new.category AND visit_at IS NOT NULL
        AND CAST(strftime('%Y%m', ((visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER)
          = CAST(strftime('%Y%m', ((new.visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER)
    GROUP BY 1, 2, 3;
END;
CREATE TRIGGER records_last_visits_ad AFTER DELETE ON records WHEN old.visit_subject IS NOT NULL BEGIN
    DELETE FROM last_visits WHERE subject = old.visit_subject AND template = old.category
        AND month = CAST(strftime('%Y%m', ((old.visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER);
    INSERT INTO last_visits (subject, template, month, first_at, last_at)
    SELECT visit_subject, category,
        CAST(strftime('%Y%m', ((visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER) AS m,
        MIN(visit_at), MAX(visit_at)
    FROM records WHERE visit_subject = old.visit_subject AND category = old.category AND visit_at IS NOT NULL
        AND CAST(strftime('%Y%m', ((visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER)
          = CAST(strftime('%Y%m', ((old.visit_at + 28800000) / 86400000) * 86400, 'unixepoch') AS INTEGER)
    GROUP BY 1, 2, 3;
END;
