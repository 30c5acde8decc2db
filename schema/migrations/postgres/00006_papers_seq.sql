-- A change sequence: every transaction that writes papers (or completes a
-- paper's vectors) takes the next number from paper_seq and stamps it on
-- each paper it writes, so a running server asks for "seq > the last one I
-- saw" instead of re-reading by time. A counter row, not a SEQUENCE: the
-- row stays locked until the writer commits, so numbers commit in order
-- (schema/seq.go says why a reader needs that). Papers stored before this
-- migration get 1, the counter's start, so a first load (seq > 0) reads
-- them; the default is dropped after, so a write that forgets seq fails.

-- +goose Up
CREATE TABLE paper_seq (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO paper_seq (id, n) VALUES (1, 1);
ALTER TABLE papers ADD COLUMN seq BIGINT NOT NULL DEFAULT 1;
ALTER TABLE papers ALTER COLUMN seq DROP DEFAULT;
CREATE INDEX papers_seq_idx ON papers (seq, id);

-- +goose Down
DROP INDEX papers_seq_idx;
ALTER TABLE papers DROP COLUMN seq;
DROP TABLE paper_seq;
