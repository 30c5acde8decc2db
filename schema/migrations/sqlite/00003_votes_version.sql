-- One counter, bumped in the same transaction as every change to votes, so
-- a running server can tell cheaply that another process changed them.

-- +goose Up
CREATE TABLE votes_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO votes_version (id, n) VALUES (1, 0);

-- +goose Down
DROP TABLE votes_version;
