package schema

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"

	"github.com/paperhound/paperhound"
)

// Finding papers by what a reading list names them with besides their id:
// a DOI (column doi, migration 00007) or the title alone (column
// title_key, paperhound.TitleKey, migration 10 below). Both are indexed,
// so a lookup costs an index probe per name however many papers are
// stored.

// PapersByDOI returns the ids of the papers with each of dois (bare and
// lower-cased, as paperhound.CleanDOI makes them), sorted; a DOI no paper
// has is not in the map.
func (s *Store) PapersByDOI(ctx context.Context, dois []string) (map[string][]string, error) {
	out, err := s.idsBy(ctx, "doi", dois)
	if err != nil {
		return nil, fmt.Errorf("papers by DOI: %w", err)
	}
	return out, nil
}

// PapersByTitle returns the ids of the papers whose title is the same as
// each of titles by paperhound.TitleKey, sorted, keyed by the title as
// given; a title no paper has is not in the map.
func (s *Store) PapersByTitle(ctx context.Context, titles []string) (map[string][]string, error) {
	byKey := make(map[string][]string, len(titles))
	keys := make([]string, 0, len(titles))
	for _, t := range titles {
		k := paperhound.TitleKey(t)
		if k == "" {
			continue
		}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], t)
	}
	ids, err := s.idsBy(ctx, "title_key", keys)
	if err != nil {
		return nil, fmt.Errorf("papers by title: %w", err)
	}
	out := make(map[string][]string, len(ids))
	for k, found := range ids {
		for _, t := range byKey[k] {
			out[t] = found
		}
	}
	return out, nil
}

// idsBy returns the ids of the papers whose column holds each of values.
// The "<> ”" lets both databases use the partial indexes, which leave out
// the papers without a DOI or a title key.
func (s *Store) idsBy(ctx context.Context, column string, values []string) (map[string][]string, error) {
	out := make(map[string][]string)
	err := s.eachIn(ctx, `SELECT `+column+`, id FROM papers WHERE `+column+` <> '' AND `+column+` IN (?)`, nil, values,
		func(rows *sqlx.Rows) error {
			var value, id string
			if err := rows.Scan(&value, &id); err != nil {
				return err
			}
			out[value] = append(out[value], id)
			return nil
		})
	if err != nil {
		return nil, err
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out, nil
}

// titleKeyMigration adds papers.title_key and fills it for the papers
// already stored. It is the one migration written in Go: the key is
// computed by paperhound.TitleKey (TeX, Unicode, hashing), which no SQL of
// either database can do. Its number is taken by no SQL file.
func titleKeyMigration(dialect string) *goose.Migration {
	bind := sqlx.BindType(dialect)
	fill := func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE papers ADD COLUMN title_key TEXT NOT NULL DEFAULT ''`); err != nil {
			return err
		}
		update, err := tx.PrepareContext(ctx, sqlx.Rebind(bind, `UPDATE papers SET title_key = ? WHERE id = ?`))
		if err != nil {
			return err
		}
		defer update.Close()
		// A page at a time: lib/pq cannot update while a query's rows are
		// still open on the same connection.
		for after := ""; ; {
			page, err := titlePage(ctx, tx, sqlx.Rebind(bind, `SELECT id, title FROM papers WHERE id > ? ORDER BY id LIMIT 1000`), after)
			if err != nil || len(page) == 0 {
				return err
			}
			for _, p := range page {
				if _, err := update.ExecContext(ctx, paperhound.TitleKey(p[1]), p[0]); err != nil {
					return fmt.Errorf("paper %q: %w", p[0], err)
				}
			}
			after = page[len(page)-1][0]
		}
	}
	// The index comes after the keys, so it is built once, not row by row.
	up := func(ctx context.Context, tx *sql.Tx) error {
		if err := fill(ctx, tx); err != nil {
			return fmt.Errorf("fill papers.title_key: %w", err)
		}
		_, err := tx.ExecContext(ctx, `CREATE INDEX papers_title_key_idx ON papers (title_key) WHERE title_key <> ''`)
		return err
	}
	down := func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DROP INDEX papers_title_key_idx`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `ALTER TABLE papers DROP COLUMN title_key`)
		return err
	}
	return goose.NewGoMigration(titleKeyVersion, &goose.GoFunc{RunTx: up}, &goose.GoFunc{RunTx: down})
}

// titleKeyVersion is the schema version of titleKeyMigration.
const titleKeyVersion = 10

// titlePage reads the (id, title) of up to a page of papers.
func titlePage(ctx context.Context, tx *sql.Tx, query, after string) ([][2]string, error) {
	rows, err := tx.QueryContext(ctx, query, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page [][2]string
	for rows.Next() {
		var p [2]string
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			return nil, err
		}
		page = append(page, p)
	}
	return page, rows.Err()
}
