-- The dashboard's hazards closed per day: a closed hazard's last change is when it
-- closed. Indexed by that time (and grid path) over closed hazards only, so the
-- trend reads the hazards closed in its range instead of reading the body of every
-- closed hazard of the scope. The expression is `dashboard_query::closed_per_bucket`'s.
CREATE INDEX records_hazard_closed ON records
    (json_extract(body, '$.hazard.updated_at'), grid_path)
    WHERE kind = 'hazard' AND status = 'closed';
