-- Checklist templates being authored on the console (草稿): the JSON as the
-- author left it, valid or not. Published versions are records (kind 'template').
CREATE TABLE template_drafts (
    id         TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
