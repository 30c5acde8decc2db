package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/paperhound/paperhound"
)

// A paper is pending in a space while it has no row in embeddings for
// (space, its text hash): its vector there has not been computed yet (the
// embeddings endpoint was down). No flag marks it; the missing row is the
// mark, so storing the vector is all it takes to clear it.

// PapersMissingVector returns up to limit papers, in id order and with ids
// after the given one ("" for the start), that have no vector in space.
// Paging by id lets a caller walk every pending paper once even when some
// stay pending.
func (s *Store) PapersMissingVector(ctx context.Context, space, after string, limit int) ([]paperhound.Paper, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []paperhound.Paper
	err := s.each(ctx, s.db.Rebind(`
		SELECT `+paperColumns+` FROM papers p
		WHERE p.id > ? AND NOT EXISTS (
			SELECT 1 FROM embeddings e WHERE e.space = ? AND e.text_hash = p.text_hash)
		ORDER BY p.id
		LIMIT ?`), []any{after, space, limit}, func(rows *sqlx.Rows) error {
		var p paperhound.Paper
		if err := rows.StructScan(&p); err != nil {
			return err
		}
		paperUTC(&p)
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("papers missing a vector in %q: %w", space, err)
	}
	return out, nil
}

// CountMissingVector returns how many papers have no vector in space.
func (s *Store) CountMissingVector(ctx context.Context, space string) (int, error) {
	var n int
	err := s.get(ctx, &n, s.db.Rebind(`
		SELECT COUNT(*) FROM papers p
		WHERE NOT EXISTS (
			SELECT 1 FROM embeddings e WHERE e.space = ? AND e.text_hash = p.text_hash)`), space)
	if err != nil {
		return 0, fmt.Errorf("count papers missing a vector in %q: %w", space, err)
	}
	return n, nil
}

// CountVectors returns how many vectors are stored in each space. Papers
// sharing a text share a vector.
func (s *Store) CountVectors(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Space string `db:"space"`
		N     int    `db:"n"`
	}
	if err := s.selectAll(ctx, &rows, `SELECT space, COUNT(*) AS n FROM embeddings GROUP BY space`); err != nil {
		return nil, fmt.Errorf("count vectors: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Space] = r.N
	}
	return out, nil
}

// SaveVectors stores vectors without their papers, in one transaction; a
// vector already stored for its (space, text hash) is kept. Vectors are
// keyed by text, so they can be saved as soon as an embedder returns them,
// before the papers they belong to: a run stopped before the papers are
// written pays for none of them again.
func (s *Store) SaveVectors(ctx context.Context, vectors []Vector) error {
	if len(vectors) == 0 {
		return nil
	}
	for _, v := range vectors {
		if v.Space == "" || v.TextHash == "" {
			return fmt.Errorf("save vectors: vector needs a space and a text hash, got %q and %q: %w", v.Space, v.TextHash, paperhound.ErrInvalid)
		}
	}
	now := s.now()
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		return insertVectors(ctx, tx, vectors, now)
	})
	if err != nil {
		return fmt.Errorf("save %d vectors: %w", len(vectors), err)
	}
	return nil
}

// TouchPapers gives the papers among ids a new change sequence number, so
// that servers keeping an index in step with the store (ScanIndexAfter)
// load them again: a pending vector was stored. Their record, record hash
// and updated_at are unchanged, so ingest still sees them as unchanged.
func (s *Store) TouchPapers(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		seq, err := nextSeq(ctx, tx)
		if err != nil {
			return err
		}
		for chunk := range slices.Chunk(ids, maxIDsPerQuery) {
			q, args, err := sqlx.In(`UPDATE papers SET seq = ? WHERE id IN (?)`, seq, chunk)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, tx.Rebind(q), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("touch %d papers: %w", len(ids), err)
	}
	return nil
}

// SampleVector returns one stored vector of space, so callers can learn the
// length of the space's vectors; an error wrapping paperhound.ErrNotFound when the
// space holds none.
func (s *Store) SampleVector(ctx context.Context, space string) ([]byte, error) {
	var data []byte
	err := s.get(ctx, &data, s.db.Rebind(`SELECT data FROM embeddings WHERE space = ? LIMIT 1`), space)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("vectors in %q: %w", space, paperhound.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("vectors in %q: %w", space, err)
	}
	return data, nil
}
