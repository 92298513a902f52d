-- Gridfield server schema, version 9 (PostgreSQL): record_photos.grid_path
-- compares byte-wise like every other grid path. Scope is a range over paths
-- (`GridScope::range`, '/a/b/' up to '/a/b/~'); under a language collation
-- (a cluster initialised with en_US.UTF-8, say) punctuation is ignored and the
-- range no longer selects a subtree, so photo scope (rules/photos.rs) would
-- answer wrongly.
ALTER TABLE record_photos ALTER COLUMN grid_path TYPE TEXT COLLATE "C";
