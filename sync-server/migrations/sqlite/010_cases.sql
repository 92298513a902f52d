-- Cases (事件, issue #15): departments (职能部门) hanging off levels of the grid
-- tree, department users, the routing rules (分级分类推送) as one ordered document,
-- and generated columns over a case's document (`{"case": {...}, "events": [...]}`)
-- for the console's queues (受理台, department inbox, 督办).
CREATE TABLE departments (
    code       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    zh         TEXT NOT NULL,
    en         TEXT NOT NULL,
    level_path TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX departments_level ON departments(level_path);

-- The department a `department` user works for (no foreign key: a downgrade drops it).
ALTER TABLE users ADD COLUMN department TEXT;

CREATE TABLE case_routing (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

ALTER TABLE records ADD COLUMN case_status TEXT GENERATED ALWAYS AS (CASE WHEN kind = 'case'
    THEN json_extract(body, '$.case.status') END) VIRTUAL;
ALTER TABLE records ADD COLUMN case_owner TEXT GENERATED ALWAYS AS (CASE WHEN kind = 'case'
    THEN json_extract(body, '$.case.owner_path') END) VIRTUAL;
ALTER TABLE records ADD COLUMN case_handler TEXT GENERATED ALWAYS AS (CASE WHEN kind = 'case'
    THEN json_extract(body, '$.case.handler.code') END) VIRTUAL;
ALTER TABLE records ADD COLUMN case_due INTEGER GENERATED ALWAYS AS (CASE WHEN kind = 'case'
    THEN json_extract(body, '$.case.deadline') END) VIRTUAL;
ALTER TABLE records ADD COLUMN case_at INTEGER GENERATED ALWAYS AS (CASE WHEN kind = 'case'
    THEN json_extract(body, '$.case.created_at') END) VIRTUAL;

CREATE INDEX records_case_owner ON records(case_owner, case_status, case_at) WHERE kind = 'case';
CREATE INDEX records_case_handler ON records(case_handler, case_status) WHERE kind = 'case';
CREATE INDEX records_case_due ON records(case_due) WHERE kind = 'case';
CREATE INDEX records_case_at ON records(grid_path, case_at) WHERE kind = 'case';
