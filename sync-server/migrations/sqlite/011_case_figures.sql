-- Cases at city scale (issue #15): what the console's case lists, the dashboard's
-- case figures and a department's pull read without opening case documents.
-- `case_type` replaces a `body LIKE` scan for the type filter; the list index ends
-- with the columns its filters test, so a deep page is walked inside the index;
-- `case_departments` holds every department a case was ever dispatched to (what
-- a department sees, `case::visible_to`), and `case_finishes` how each case's
-- last 办结 went (on time or not, by which department, on which level, for a
-- dispute the level that settled it). Both side tables are written with the case
-- document by the server (`rules::case_facts`), and rebuilt from the documents
-- when this migration runs.
ALTER TABLE records ADD COLUMN case_type TEXT GENERATED ALWAYS AS (CASE WHEN kind = 'case'
    THEN json_extract(body, '$.case.case_type') END) VIRTUAL;

CREATE INDEX records_case_kinds ON records(grid_path, case_type, case_status) WHERE kind = 'case';
CREATE INDEX records_case_list ON records(case_at, seq, grid_path, case_status, case_type, case_owner)
    WHERE kind = 'case';

CREATE TABLE case_departments (
    department TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    PRIMARY KEY (department, case_id)
);
CREATE INDEX case_departments_case ON case_departments(case_id);

CREATE TABLE case_finishes (
    case_id      TEXT PRIMARY KEY,
    grid_path    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER NOT NULL,
    on_time      INTEGER NOT NULL,
    department   TEXT,
    owner_path   TEXT NOT NULL,
    settled_path TEXT
);
CREATE INDEX case_finishes_grid ON case_finishes(grid_path, owner_path, department, on_time);
