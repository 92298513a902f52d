-- The dashboard's hazards closed per day: a closed hazard's last change is when it
-- closed. Indexed by that time (and grid path) over closed hazards only, so the
-- trend reads the hazards closed in its range instead of parsing the body of every
-- closed hazard of the scope (2.3 s for a city on a loaded machine). The expression
-- is `dashboard_query::closed_per_bucket`'s, character for character.
CREATE INDEX records_hazard_closed ON records
    ((((body::jsonb -> 'hazard' ->> 'updated_at'))::bigint), grid_path)
    WHERE kind = 'hazard' AND status = 'closed';
