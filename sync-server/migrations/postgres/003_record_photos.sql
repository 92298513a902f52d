-- Gridfield server schema, version 3 (PostgreSQL): which record refers to which photo.
-- The console serves a photo only to a user whose grid subtree holds a record that
-- refers to it; this index answers that by hash without reading record bodies.
-- `logic::put_record` keeps it in step; this backfills what is already stored.
CREATE TABLE record_photos (
    hash      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    record_id TEXT NOT NULL,
    grid_path TEXT NOT NULL,
    PRIMARY KEY (hash, kind, record_id)
);
CREATE INDEX record_photos_record ON record_photos(kind, record_id);

-- The same places `logic::photo_refs` reads: inspection evidence and photo or
-- signature answers, hazard and hazard-step photos, report photos. Lax jsonpath
-- `[*]` takes a single answer and an array of answers alike.
INSERT INTO record_photos (hash, kind, record_id, grid_path)
SELECT DISTINCT h.hash, r.kind, r.id, r.grid_path
FROM records r,
LATERAL (
    SELECT jsonb_path_query(r.body::jsonb, 'lax $.photos.*[*] ? (@.type() == "string")') #>> '{}' AS hash
        WHERE r.kind = 'inspection'
    UNION ALL
    SELECT jsonb_path_query(r.body::jsonb, 'lax $.answers.*[*] ? (@.type() == "string")') #>> '{}'
        WHERE r.kind = 'inspection'
    UNION ALL
    SELECT jsonb_path_query(r.body::jsonb, 'lax $.hazard.photos[*] ? (@.type() == "string")') #>> '{}'
        WHERE r.kind = 'hazard'
    UNION ALL
    SELECT jsonb_path_query(r.body::jsonb, 'lax $.events[*].photos[*] ? (@.type() == "string")') #>> '{}'
        WHERE r.kind = 'hazard'
    UNION ALL
    SELECT jsonb_path_query(r.body::jsonb, 'lax $.photos[*] ? (@.type() == "string")') #>> '{}'
        WHERE r.kind = 'report'
) h
WHERE r.kind IN ('inspection', 'hazard', 'report') AND h.hash ~ '^[0-9a-f]{64}$';
