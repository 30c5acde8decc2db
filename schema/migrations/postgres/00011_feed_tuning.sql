-- What the feed's last tuning chose (recommend.Engine.TuneFeed), so that a
-- restarted server ranks feeds with it at once, not after tuning again
-- (at a million papers, an hour of one core): one row. half_life_seconds and upvotes are the half-lives of its
-- recency weighting, in time and in upvotes, 0 for none; users is how many
-- users it was measured on.

-- +goose Up
CREATE TABLE feed_tuning (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    half_life_seconds BIGINT NOT NULL,
    upvotes           DOUBLE PRECISION NOT NULL,
    users             INTEGER NOT NULL,
    tuned_at          TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE feed_tuning;
