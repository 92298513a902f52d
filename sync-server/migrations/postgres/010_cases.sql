-- Cases (事件, issue #15): departments (职能部门) hanging off levels of the grid
-- tree, department users, the routing rules (分级分类推送) as one ordered document,
-- and generated columns over a case's document (`{"case": {...}, "events": [...]}`)
-- for the console's queues (受理台, department inbox, 督办). Paths compare byte-wise.
CREATE TABLE departments (
    code       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    zh         TEXT NOT NULL,
    en         TEXT NOT NULL,
    level_path TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX departments_level ON departments(level_path);

-- The department a `department` user works for (no foreign key: a downgrade drops it).
ALTER TABLE users ADD COLUMN department TEXT;

CREATE TABLE case_routing (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    BIGINT NOT NULL,
    body       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE records ADD COLUMN case_status TEXT GENERATED ALWAYS AS (CASE WHEN kind = 'case'
    THEN body::jsonb -> 'case' ->> 'status' END) STORED;
ALTER TABLE records ADD COLUMN case_owner TEXT COLLATE "C" GENERATED ALWAYS AS (CASE WHEN kind = 'case'
    THEN body::jsonb -> 'case' ->> 'owner_path' END) STORED;
ALTER TABLE records ADD COLUMN case_handler TEXT GENERATED ALWAYS AS (CASE WHEN kind = 'case'
    THEN body::jsonb -> 'case' -> 'handler' ->> 'code' END) STORED;
ALTER TABLE records ADD COLUMN case_due BIGINT GENERATED ALWAYS AS (CASE WHEN kind = 'case'
    THEN (body::jsonb -> 'case' ->> 'deadline')::bigint END) STORED;
ALTER TABLE records ADD COLUMN case_at BIGINT GENERATED ALWAYS AS (CASE WHEN kind = 'case'
    THEN (body::jsonb -> 'case' ->> 'created_at')::bigint END) STORED;

CREATE INDEX records_case_owner ON records(case_owner, case_status, case_at) WHERE kind = 'case';
CREATE INDEX records_case_handler ON records(case_handler, case_status) WHERE kind = 'case';
CREATE INDEX records_case_due ON records(case_due) WHERE kind = 'case';
CREATE INDEX records_case_at ON records(grid_path, case_at) WHERE kind = 'case';
