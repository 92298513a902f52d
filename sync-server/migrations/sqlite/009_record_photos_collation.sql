-- Gridfield server schema, version 9 (SQLite): nothing to do. PostgreSQL's
-- record_photos.grid_path gets the byte-wise collation SQLite's TEXT has by
-- default (BINARY); the versions of both stores stay in step.
SELECT 1;
