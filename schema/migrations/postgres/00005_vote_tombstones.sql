-- A removed vote leaves its time here, so that an import of an older copy
-- of it (a votes file replayed) cannot bring it back. A paper has a vote, a
-- removal, or neither: a vote saved later deletes the removal.

-- +goose Up
CREATE TABLE vote_tombstones (
    user_name TEXT COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    paper_id  TEXT COLLATE "C" NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_name, paper_id)
);

-- +goose Down
DROP TABLE vote_tombstones;
