-- API tokens and feed keys are stored as SHA-256 hashes, never as given.
-- A request finds its user by the hash of its token, hence the index; a
-- feed key is checked against the one user named in the feed's URL.

-- +goose Up
ALTER TABLE users ADD COLUMN feed_key_hash TEXT;
CREATE UNIQUE INDEX users_token_hash_idx ON users (token_hash);

-- +goose Down
DROP INDEX users_token_hash_idx;
ALTER TABLE users DROP COLUMN feed_key_hash;
