-- Taxonomies (分类目录): one versioned document per kind of record ('hazard' now,
-- cases later) with its categories and levels, edited by `admin taxonomy` and
-- shipped to devices in the pull. Seeded from the core's built-in hazard taxonomy.
CREATE TABLE taxonomies (
    kind       TEXT PRIMARY KEY,
    version    BIGINT NOT NULL,
    body       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
