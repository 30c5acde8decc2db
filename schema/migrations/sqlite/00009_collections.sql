-- Collections: a user's named groups of upvoted papers, each with a feed.
-- A membership refers to the upvote itself, so removing the vote removes
-- the paper from every collection (a hide replaces an upvote in place, so
-- SaveVotes removes those memberships itself); deleting a collection
-- leaves the votes. name_key (the name lower-cased) keeps names unique per
-- user whatever their case. AUTOINCREMENT never reuses a deleted
-- collection's id, which feed readers keep in their URLs.

-- +goose Up
CREATE TABLE collections (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_name  TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_name, name_key),
    UNIQUE (id, user_name)
);

CREATE TABLE collection_papers (
    collection_id INTEGER NOT NULL,
    user_name     TEXT NOT NULL,
    paper_id      TEXT NOT NULL,
    filed_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (collection_id, paper_id),
    FOREIGN KEY (collection_id, user_name) REFERENCES collections (id, user_name) ON DELETE CASCADE,
    FOREIGN KEY (user_name, paper_id) REFERENCES votes (user_name, paper_id) ON DELETE CASCADE
);
CREATE INDEX collection_papers_vote_idx ON collection_papers (user_name, paper_id);

-- +goose Down
DROP TABLE collection_papers;
DROP TABLE collections;
