-- The coverage tables' update triggers (migration 017) fire only when a column
-- they are kept from changes. Before, every edit of a household, rental unit or
-- business (a note, a phone) deleted and re-inserted the entity's
-- `visit_entities` row unchanged, and each of those writes marked the grid path
-- dirty (migration 019). The tables depend only on the columns compared here (the
-- generated ones follow the body), so an edit that changes none of them leaves
-- both tables, and the coverage figures, as they were.
DROP TRIGGER records_visit_entities_au;
CREATE TRIGGER records_visit_entities_au AFTER UPDATE OF kind, id, grid_path, address_code, body ON records
WHEN (old.visit_planned = 1 OR new.visit_planned = 1)
    AND (old.visit_planned IS NOT new.visit_planned
         OR old.kind <> new.kind OR old.id <> new.id OR old.grid_path <> new.grid_path
         OR old.address_code IS NOT new.address_code OR old.visit_value IS NOT new.visit_value) BEGIN
    DELETE FROM visit_entities WHERE kind = old.kind AND id = old.id;
    INSERT INTO visit_entities (kind, id, grid_path, address_code, visit_value)
    SELECT new.kind, new.id, new.grid_path, new.address_code, new.visit_value WHERE new.visit_planned = 1;
END;
DROP TRIGGER records_last_visits_au;
CREATE TRIGGER records_last_visits_au AFTER UPDATE OF kind, id, category, body ON records
WHEN (old.visit_subject IS NOT NULL OR new.visit_subject IS NOT NULL)
    AND (old.visit_subject IS NOT new.visit_subject OR old.category IS NOT new.category
         OR old.visit_at IS NOT new.visit_at) BEGIN
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
