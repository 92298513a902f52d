-- The coverage tables' update trigger (migration 017) fires only when a column
-- they are kept from changes. Before, every edit of a household, rental unit or
-- business (a note, a phone) ran the plpgsql function: it deleted and re-inserted
-- the entity's `visit_entities` row unchanged, and each of those two writes marked
-- the grid path dirty through another plpgsql call (migration 019). That was three
-- quarters of an upsert's cost in a push of 100 household edits (0.3 of 0.4 ms per
-- edit at city scale). The tables depend only on the columns compared here (the
-- generated ones follow the body), so an edit that changes none of them leaves
-- both tables, and the coverage figures, as they were.
DROP TRIGGER records_visits_au ON records;
CREATE TRIGGER records_visits_au AFTER UPDATE OF kind, id, grid_path, address_code, category, body ON records
    FOR EACH ROW
    WHEN (((OLD.visit_planned = 1 OR NEW.visit_planned = 1)
          AND (OLD.visit_planned IS DISTINCT FROM NEW.visit_planned
               OR OLD.kind <> NEW.kind OR OLD.id <> NEW.id OR OLD.grid_path <> NEW.grid_path
               OR OLD.address_code IS DISTINCT FROM NEW.address_code
               OR OLD.visit_value IS DISTINCT FROM NEW.visit_value))
      OR ((OLD.visit_subject IS NOT NULL OR NEW.visit_subject IS NOT NULL)
          AND (OLD.visit_subject IS DISTINCT FROM NEW.visit_subject
               OR OLD.category IS DISTINCT FROM NEW.category
               OR OLD.visit_at IS DISTINCT FROM NEW.visit_at)))
    EXECUTE FUNCTION records_visits_keep();
