-- What paperhound sync keeps between runs. sync_state is one row per
-- source: done_through is where the next harvest starts (arXiv: the
-- newest datestamp of the last finished harvest; Hugging Face: the last
-- day fetched); token is the OAI-PMH resumption token of a harvest in
-- flight, and newest the newest datestamp it has seen so far. sync_lease
-- lets one sync run at a time on a database, across machines: a holder
-- and the time its claim runs out unless renewed.

-- +goose Up
CREATE TABLE sync_state (
    source       TEXT PRIMARY KEY,
    done_through TEXT NOT NULL DEFAULT '',
    token        TEXT NOT NULL DEFAULT '',
    newest       TEXT NOT NULL DEFAULT '',
    updated_at   TIMESTAMP NOT NULL
);
CREATE TABLE sync_lease (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE sync_lease;
DROP TABLE sync_state;
