package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paperhound/paperhound"
)

// Vector is one encoded vector. Space names the embedder and model
// ("lexical-words/v1"); TextHash is the paperhound.Paper.TextHash of the text embedded;
// Data is opaque here, the engine encodes and decodes it.
type Vector struct {
	Space    string
	TextHash string
	Data     []byte
}

const paperColumns = `id, title, abstract, authors, published, url, categories, upvotes, doi, created_at, updated_at`

// SavePapers inserts or updates papers in one transaction: either all of
// them are written or none. A paper whose record hash is unchanged is left
// alone, updated_at and seq included; created_at is never changed. An id
// given twice is saved as its last copy. Vectors are saved apart
// (SaveVectors): only an embeddings endpoint's are stored.
func (s *Store) SavePapers(ctx context.Context, papers []paperhound.Paper) error {
	for i := range papers {
		if papers[i].ID == "" {
			return fmt.Errorf("save papers: paper %d has no id: %w", i, paperhound.ErrInvalid)
		}
	}
	papers = lastOfEach(papers)
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		seq, err := nextSeq(ctx, tx)
		if err != nil {
			return err
		}
		// Read once the number is held, so updated_at follows seq's order.
		now := s.now()
		return insertRows(ctx, tx, `INSERT INTO papers (id, title, abstract, authors, published, url, categories, upvotes, doi,
				title_key, text_hash, record_hash, created_at, updated_at, seq) VALUES`, `
			ON CONFLICT (id) DO UPDATE SET
				title = excluded.title,
				abstract = excluded.abstract,
				authors = excluded.authors,
				published = excluded.published,
				url = excluded.url,
				categories = excluded.categories,
				upvotes = excluded.upvotes,
				doi = excluded.doi,
				title_key = excluded.title_key,
				text_hash = excluded.text_hash,
				record_hash = excluded.record_hash,
				updated_at = excluded.updated_at,
				seq = excluded.seq
			WHERE papers.record_hash <> excluded.record_hash`,
			len(papers), func(args []any, i int) []any {
				p := &papers[i]
				return append(args, p.ID, p.Title, p.Abstract, p.Authors, p.Published, p.URL,
					p.Categories, p.Upvotes, p.DOI, paperhound.TitleKey(p.Title), p.TextHash(), p.RecordHash(), now, now, seq)
			}, func(i int) string { return fmt.Sprintf("paper %q", papers[i].ID) })
	})
	if err != nil {
		return fmt.Errorf("save %d papers: %w", len(papers), err)
	}
	return nil
}

// lastOfEach returns papers with only the last copy of each id, in order:
// one INSERT may not update a row twice (PostgreSQL refuses), and the last
// copy is the one that would stand had each been written in turn.
func lastOfEach(papers []paperhound.Paper) []paperhound.Paper {
	last := make(map[string]int, len(papers))
	for i, p := range papers {
		last[p.ID] = i
	}
	if len(last) == len(papers) {
		return papers
	}
	out := make([]paperhound.Paper, 0, len(last))
	for i, p := range papers {
		if last[p.ID] == i {
			out = append(out, p)
		}
	}
	return out
}

// rowsPerInsert is how many rows one INSERT writes: a statement (and on
// PostgreSQL a round trip) per hundred rows rather than per row, well
// within both databases' limits on bound parameters (SQLite 32,766,
// PostgreSQL 65,535).
const rowsPerInsert = 100

// insertRows runs insert, an INSERT up to its VALUES keyword, then a row
// of placeholders per row, then tail, for n rows, rowsPerInsert at a time.
// values appends row i's values to args; name names row i in an error.
func insertRows(ctx context.Context, tx *sqlx.Tx, insert, tail string, n int,
	values func(args []any, i int) []any, name func(i int) string,
) error {
	var args []any
	for from := 0; from < n; from += rowsPerInsert {
		rows := min(rowsPerInsert, n-from)
		args = args[:0]
		for i := from; i < from+rows; i++ {
			args = values(args, i)
		}
		width := len(args) / rows
		tuple := "(" + strings.Repeat("?, ", width-1) + "?)"
		query := insert + " " + strings.Repeat(tuple+", ", rows-1) + tuple + tail
		if _, err := tx.ExecContext(ctx, tx.Rebind(query), args...); err != nil {
			return fmt.Errorf("%s to %s: %w", name(from), name(from+rows-1), err)
		}
	}
	return nil
}

// Paper returns one paper, or an error wrapping paperhound.ErrNotFound.
func (s *Store) Paper(ctx context.Context, id string) (paperhound.Paper, error) {
	var p paperhound.Paper
	err := s.get(ctx, &p, s.db.Rebind(`SELECT `+paperColumns+` FROM papers WHERE id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return paperhound.Paper{}, fmt.Errorf("paper %q: %w", id, paperhound.ErrNotFound)
	}
	if err != nil {
		return paperhound.Paper{}, fmt.Errorf("paper %q: %w", id, err)
	}
	paperUTC(&p)
	return p, nil
}

// Papers returns the papers among ids that exist, by id.
func (s *Store) Papers(ctx context.Context, ids []string) (map[string]paperhound.Paper, error) {
	out, err := byKey(ctx, s, `SELECT `+paperColumns+` FROM papers WHERE id IN (?)`, nil, ids, func(rows *sqlx.Rows) (string, paperhound.Paper, error) {
		var p paperhound.Paper
		err := rows.StructScan(&p)
		paperUTC(&p)
		return p.ID, p, err
	})
	if err != nil {
		return nil, fmt.Errorf("papers: %w", err)
	}
	return out, nil
}

// Ranking is what a feed orders its candidates by besides their scores:
// the title, to drop duplicates, and the source's upvotes, for popularity.
type Ranking struct {
	Title   string
	Upvotes int
}

// Rankings returns the Ranking of every paper among ids that exists, by
// id: a feed weighs 600 candidates and shows 50, and reading the rest of
// 600 rows (abstracts, authors, dates) was a tenth of a page at a million
// papers.
func (s *Store) Rankings(ctx context.Context, ids []string) (map[string]Ranking, error) {
	from := "papers"
	if s.dialect == "sqlite" {
		from += " INDEXED BY papers_ranking_idx" // see its migration
	}
	out, err := byKey(ctx, s, `SELECT id, title, upvotes FROM `+from+` WHERE id IN (?)`, nil, ids, func(rows *sqlx.Rows) (id string, r Ranking, err error) {
		err = rows.Scan(&id, &r.Title, &r.Upvotes)
		return id, r, err
	})
	if err != nil {
		return nil, fmt.Errorf("paper rankings: %w", err)
	}
	return out, nil
}

// paperUTC puts the timestamps in UTC: drivers return them in the
// session's or the file's zone.
func paperUTC(p *paperhound.Paper) {
	p.CreatedAt = p.CreatedAt.UTC()
	p.UpdatedAt = p.UpdatedAt.UTC()
}

// RecordHashes returns the record hash of every paper among ids that exists,
// so ingestion can skip the unchanged ones before embedding anything.
func (s *Store) RecordHashes(ctx context.Context, ids []string) (map[string]string, error) {
	out, err := byKey(ctx, s, `SELECT id, record_hash FROM papers WHERE id IN (?)`, nil, ids, func(rows *sqlx.Rows) (id, hash string, err error) {
		err = rows.Scan(&id, &hash)
		return id, hash, err
	})
	if err != nil {
		return nil, fmt.Errorf("record hashes: %w", err)
	}
	return out, nil
}

// MissingPapers returns, in the order given and once each, the ids that are
// not stored.
func (s *Store) MissingPapers(ctx context.Context, ids []string) ([]string, error) {
	found := make(map[string]bool, len(ids))
	err := s.eachIn(ctx, `SELECT id FROM papers WHERE id IN (?)`, nil, ids, func(rows *sqlx.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		found[id] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("missing papers: %w", err)
	}
	var missing []string
	for _, id := range ids {
		if !found[id] {
			missing = append(missing, id)
			found[id] = true // report a repeated id once
		}
	}
	return missing, nil
}

// CountPapers returns how many papers are stored.
func (s *Store) CountPapers(ctx context.Context) (int, error) {
	var n int
	if err := s.get(ctx, &n, `SELECT COUNT(*) FROM papers`); err != nil {
		return 0, fmt.Errorf("count papers: %w", err)
	}
	return n, nil
}

// Vectors returns the stored vectors of space among textHashes, by text hash.
func (s *Store) Vectors(ctx context.Context, space string, textHashes []string) (map[string][]byte, error) {
	out, err := s.vectorsBy(ctx, `SELECT text_hash, data FROM embeddings WHERE space = ? AND text_hash IN (?)`, space, textHashes)
	if err != nil {
		return nil, fmt.Errorf("vectors in %q: %w", space, err)
	}
	return out, nil
}

// PaperVectors returns the stored vectors of space of the papers among ids,
// by paper id, joined on the paper's stored text hash.
func (s *Store) PaperVectors(ctx context.Context, space string, ids []string) (map[string][]byte, error) {
	out, err := s.vectorsBy(ctx, `SELECT p.id, e.data FROM papers p
		JOIN embeddings e ON e.text_hash = p.text_hash AND e.space = ?
		WHERE p.id IN (?)`, space, ids)
	if err != nil {
		return nil, fmt.Errorf("paper vectors in %q: %w", space, err)
	}
	return out, nil
}

// vectorsBy runs query, which selects a key and a vector's data, for space
// and keys, and returns the data by key.
func (s *Store) vectorsBy(ctx context.Context, query, space string, keys []string) (map[string][]byte, error) {
	return byKey(ctx, s, query, []any{space}, keys, func(rows *sqlx.Rows) (key string, data []byte, err error) {
		err = rows.Scan(&key, &data)
		return key, data, err
	})
}

// insertVectors adds vectors in tx; a vector already stored for the same
// space and text is kept, since the same text always embeds alike.
func insertVectors(ctx context.Context, tx *sqlx.Tx, vectors []Vector, now time.Time) error {
	return insertRows(ctx, tx, `INSERT INTO embeddings (space, text_hash, data, created_at) VALUES`, `
		ON CONFLICT (space, text_hash) DO NOTHING`,
		len(vectors), func(args []any, i int) []any {
			v := &vectors[i]
			return append(args, v.Space, v.TextHash, v.Data, now)
		}, func(i int) string { return fmt.Sprintf("vector %s/%s", vectors[i].Space, vectors[i].TextHash) })
}
