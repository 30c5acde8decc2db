-- PostgreSQL flavour of the first schema. Keys are COLLATE "C" so that
-- ORDER BY id is byte order, as in SQLite, and still uses the index.

-- +goose Up
CREATE TABLE papers (
    id          TEXT COLLATE "C" PRIMARY KEY,
    title       TEXT NOT NULL,
    abstract    TEXT NOT NULL DEFAULT '',
    authors     TEXT NOT NULL DEFAULT '[]',
    published   DATE,
    url         TEXT NOT NULL DEFAULT '',
    categories  TEXT NOT NULL DEFAULT '[]',
    upvotes     INTEGER NOT NULL DEFAULT 0,
    text_hash   TEXT NOT NULL,
    record_hash TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX papers_published_idx ON papers (published);

-- Vectors are keyed by content, not by paper: identical text in the same
-- space is embedded once.
CREATE TABLE embeddings (
    space      TEXT NOT NULL,
    text_hash  TEXT NOT NULL,
    data       BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (space, text_hash)
);

CREATE TABLE users (
    name       TEXT COLLATE "C" PRIMARY KEY,
    token_hash TEXT,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE votes (
    user_name TEXT COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    paper_id  TEXT COLLATE "C" NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    value     SMALLINT NOT NULL CHECK (value IN (-1, 1)),
    at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_name, paper_id)
);
CREATE INDEX votes_paper_id_idx ON votes (paper_id);

-- +goose Down
DROP TABLE votes;
DROP TABLE users;
DROP TABLE embeddings;
DROP TABLE papers;
