-- Web sessions: signing in on the web page makes one, and the browser's
-- cookie carries its random secret, stored here only as a SHA-256 like the
-- API tokens. A session ends at expires_at (set at sign-in), at sign-out or
-- when revoked. id is what pages show to revoke one.

-- +goose Up
CREATE TABLE sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    secret_hash  TEXT NOT NULL UNIQUE,
    user_name    TEXT COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user_name_idx ON sessions (user_name);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- +goose Down
DROP TABLE sessions;
