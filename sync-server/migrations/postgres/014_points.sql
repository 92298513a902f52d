-- 积分 (points): the ledger (every award, deduction, redemption and correction),
-- the rules in force (as loaded by `admin points-rules load`), designated shops
-- (商户), vouchers the server has heard of (pushed by the phone or presented at a
-- shop), double spends caught, and volunteers who opted out of the leaderboard.
CREATE TABLE points_rules (
    id        BIGINT PRIMARY KEY,
    body      TEXT NOT NULL,
    loaded_at BIGINT NOT NULL
);
CREATE TABLE points_ledger (
    id          TEXT PRIMARY KEY,
    volunteer   TEXT NOT NULL,
    grid_path   TEXT COLLATE "C" NOT NULL,
    kind        TEXT NOT NULL,
    points      BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    report_id   TEXT,
    voucher_id  TEXT,
    by_user     TEXT NOT NULL,
    at          BIGINT NOT NULL,
    state       TEXT NOT NULL,
    approved_by TEXT
);
CREATE INDEX points_ledger_volunteer ON points_ledger (volunteer, at);
CREATE INDEX points_ledger_grid ON points_ledger (grid_path);
CREATE INDEX points_ledger_report ON points_ledger (report_id);
CREATE INDEX points_ledger_voucher ON points_ledger (voucher_id);
CREATE TABLE shops (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE vouchers (
    id            TEXT PRIMARY KEY,
    volunteer     TEXT NOT NULL,
    device        TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    shop          TEXT,
    issued_at     BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    token         TEXT NOT NULL,
    recorded_at   BIGINT NOT NULL,
    redeemed_at   BIGINT,
    redeemed_shop TEXT
);
CREATE INDEX vouchers_volunteer ON vouchers (volunteer);
CREATE INDEX vouchers_redeemed_shop ON vouchers (redeemed_shop, redeemed_at);
CREATE TABLE voucher_double_spends (
    id         TEXT PRIMARY KEY,
    voucher_id TEXT NOT NULL,
    shop       TEXT,
    at         BIGINT NOT NULL,
    by_user    TEXT NOT NULL
);
CREATE INDEX voucher_double_spends_voucher ON voucher_double_spends (voucher_id);
CREATE TABLE points_opt_outs (
    username TEXT PRIMARY KEY,
    at       BIGINT NOT NULL
);
