-- Visit rules (走访计划): the one versioned document `admin visit-rules load` writes
-- (which entities are visited how often with which checklist, per grid subtree);
-- devices get the rules that concern their scope in the pull.
CREATE TABLE visit_rules (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    version        BIGINT NOT NULL,
    body           TEXT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- Coverage (走访覆盖率) is computed in SQL: a submitted inspection's subject, time
-- and inspector, and what a rule's `only` matches on an entity, as generated
-- columns; the last visit of a subject with a checklist is one index probe.
ALTER TABLE records ADD COLUMN visit_subject TEXT GENERATED ALWAYS AS (CASE WHEN kind = 'inspection'
    AND body::jsonb ->> 'review_status' <> 'draft' THEN body::jsonb ->> 'subject_id' END) STORED;
ALTER TABLE records ADD COLUMN visit_at BIGINT GENERATED ALWAYS AS (CASE WHEN kind = 'inspection'
    THEN COALESCE((body::jsonb ->> 'finished_at')::bigint, (body::jsonb ->> 'started_at')::bigint) END) STORED;
ALTER TABLE records ADD COLUMN visit_by TEXT GENERATED ALWAYS AS (CASE WHEN kind = 'inspection'
    THEN body::jsonb ->> 'inspector' END) STORED;
ALTER TABLE records ADD COLUMN visit_value TEXT GENERATED ALWAYS AS (CASE kind
    WHEN 'rental_unit' THEN body::jsonb -> 'state' -> 'fields' ->> 'risk_level'
    WHEN 'business' THEN body::jsonb -> 'state' -> 'fields' ->> 'kind' END) STORED;
ALTER TABLE records ADD COLUMN visit_planned INTEGER GENERATED ALWAYS AS (CASE WHEN kind IN ('household', 'rental_unit', 'business')
    AND COALESCE((body::jsonb -> 'state' ->> 'deleted')::boolean, false) = false THEN 1 END) STORED;
CREATE INDEX records_visit_subject ON records(visit_subject, category, visit_at) WHERE visit_subject IS NOT NULL;
CREATE INDEX records_visit_by ON records(kind, visit_at, visit_by) WHERE visit_subject IS NOT NULL;
