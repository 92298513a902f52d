-- Tamper-evident audit trail: every row carries its place in one chain and a
-- SHA-256 hash over its content and the previous row's hash. The head row holds
-- the last position and hash; appends lock it. Rows written before this step are
-- chained once by the server right after it (rules::audit::chain_existing).
ALTER TABLE audit ADD COLUMN chain_seq INTEGER;
ALTER TABLE audit ADD COLUMN prev_hash TEXT;
ALTER TABLE audit ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_chain_seq ON audit(chain_seq);
CREATE INDEX audit_actor_at ON audit(actor, at);
CREATE INDEX audit_action_at ON audit(action, at);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
