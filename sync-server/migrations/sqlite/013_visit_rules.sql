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
    AND json_extract(body, '$.review_status') <> 'draft' THEN json_extract(body, '$.subject_id') END) VIRTUAL;
ALTER TABLE records ADD COLUMN visit_at INTEGER GENERATED ALWAYS AS (CASE WHEN kind = 'inspection'
    THEN COALESCE(json_extract(body, '$.finished_at'), json_extract(body, '$.started_at')) END) VIRTUAL;
ALTER TABLE records ADD COLUMN visit_by TEXT GENERATED ALWAYS AS (CASE WHEN kind = 'inspection'
    THEN json_extract(body, '$.inspector') END) VIRTUAL;
ALTER TABLE records ADD COLUMN visit_value TEXT GENERATED ALWAYS AS (CASE kind
    WHEN 'rental_unit' THEN json_extract(body, '$.state.fields.risk_level')
    WHEN 'business' THEN json_extract(body, '$.state.fields.kind') END) VIRTUAL;
ALTER TABLE records ADD COLUMN visit_planned INTEGER GENERATED ALWAYS AS (CASE WHEN kind IN ('household', 'rental_unit', 'business')
    AND COALESCE(json_extract(body, '$.state.deleted'), 0) = 0 THEN 1 END) VIRTUAL;
CREATE INDEX records_visit_subject ON records(visit_subject, category, visit_at) WHERE visit_subject IS NOT NULL;
CREATE INDEX records_visit_by ON records(kind, visit_at, visit_by) WHERE visit_subject IS NOT NULL;
