-- The offline channels' vectors (lexical words and character n-grams) are
-- no longer stored: loading the index embeds the papers' text again, which
-- costs less than writing and reading them back, and they were four fifths
-- of the database. The rows an older version wrote go; an older binary
-- opened on this database again embeds and stores them as it loads.

-- +goose Up
DELETE FROM embeddings WHERE space IN ('lexical-words/v1', 'lexical-chars/v1');

-- +goose Down
SELECT 1;
