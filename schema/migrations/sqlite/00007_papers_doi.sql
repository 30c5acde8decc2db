-- A paper's DOI, so a reading list that names papers by DOI finds them.

-- +goose Up
ALTER TABLE papers ADD COLUMN doi TEXT NOT NULL DEFAULT '';
CREATE INDEX papers_doi_idx ON papers (doi) WHERE doi <> '';

-- +goose Down
DROP INDEX papers_doi_idx;
ALTER TABLE papers DROP COLUMN doi;
