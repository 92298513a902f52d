-- Gridfield server schema, version 3 (SQLite): which record refers to which photo.
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
-- signature answers, hazard and hazard-step photos, report photos.
INSERT OR IGNORE INTO record_photos (hash, kind, record_id, grid_path)
SELECT h.value, r.kind, r.id, r.grid_path
FROM records r, json_each(r.body, '$.photos') p, json_each(p.value) h
WHERE r.kind = 'inspection' AND p.type = 'array' AND h.type = 'text'
UNION ALL
SELECT a.value, r.kind, r.id, r.grid_path
FROM records r, json_tree(r.body, '$.answers') a
WHERE r.kind = 'inspection' AND a.type = 'text'
UNION ALL
SELECT h.value, r.kind, r.id, r.grid_path
FROM records r, json_each(r.body, '$.hazard.photos') h
WHERE r.kind = 'hazard' AND h.type = 'text'
UNION ALL
SELECT h.value, r.kind, r.id, r.grid_path
FROM records r, json_each(r.body, '$.events') e, json_each(e.value, '$.photos') h
WHERE r.kind = 'hazard' AND h.type = 'text'
UNION ALL
SELECT h.value, r.kind, r.id, r.grid_path
FROM records r, json_each(r.body, '$.photos') h
WHERE r.kind = 'report' AND h.type = 'text';
-- Only photo hashes (64 lowercase hex digits), as `checklist::is_photo_hash`.
DELETE FROM record_photos WHERE length(hash) <> 64 OR hash GLOB '*[^0-9a-f]*';
