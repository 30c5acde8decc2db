-- Collections: a user's named groups of upvoted papers, each with a feed.
-- A membership refers to the upvote itself, so removing the vote removes
-- the paper from every collection (a hide replaces an upvote in place, so
-- SaveVotes removes those memberships itself); deleting a collection
-- leaves the votes. name_key (the name lower-cased) keeps names unique per
-- user whatever their case.

-- +goose Up
CREATE TABLE collections (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name  TEXT COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (user_name, name_key),
    UNIQUE (id, user_name)
);

CREATE TABLE collection_papers (
    collection_id BIGINT NOT NULL,
    user_name     TEXT COLLATE "C" NOT NULL,
    paper_id      TEXT COLLATE "C" NOT NULL,
    filed_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (collection_id, paper_id),
    FOREIGN KEY (collection_id, user_name) REFERENCES collections (id, user_name) ON DELETE CASCADE,
    FOREIGN KEY (user_name, paper_id) REFERENCES votes (user_name, paper_id) ON DELETE CASCADE
);
CREATE INDEX collection_papers_vote_idx ON collection_papers (user_name, paper_id);

-- +goose Down
DROP TABLE collection_papers;
DROP TABLE collections;
