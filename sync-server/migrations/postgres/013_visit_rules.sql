-- Visit rules (走访计划): the one versioned document `admin visit-rules load` writes
-- (which entities are visited how often with which checklist, per grid subtree);
-- devices get the rules that concern their scope in the pull.
CREATE TABLE visit_rules (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    version        BIGINT NOT NULL,
    body           TEXT NOT NULL,
    updated_at     BIGINT NOT NULL
);
