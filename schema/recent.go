package schema

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/paperhound/paperhound"
)

// PaperDay is what ranking recent papers needs of one: its day and the
// upvotes its source counted.
type PaperDay struct {
	ID        string          `db:"id"`
	Published paperhound.Date `db:"published"`
	Upvotes   int             `db:"upvotes"`
}

// NewestPublished returns the latest publication day on or before until
// (no bound when until is zero), or the zero paperhound.Date when no paper has one.
// It reads one end of the published index.
func (s *Store) NewestPublished(ctx context.Context, until paperhound.Date) (paperhound.Date, error) {
	query, args := `SELECT MAX(published) FROM papers WHERE published IS NOT NULL`, []any(nil)
	if !until.IsZero() {
		query, args = `SELECT MAX(published) FROM papers WHERE published <= ?`, []any{until}
	}
	var d paperhound.Date
	if err := s.get(ctx, &d, s.db.Rebind(query), args...); err != nil {
		return paperhound.Date{}, fmt.Errorf("newest publication day: %w", err)
	}
	return d, nil
}

// PublishedBetween calls fn for each paper published from after to before,
// both inclusive and required, newest first. It reads a range of the
// published index, never the whole table, and streams the rows.
func (s *Store) PublishedBetween(ctx context.Context, after, before paperhound.Date, fn func(PaperDay) error) error {
	if after.IsZero() || before.IsZero() {
		return fmt.Errorf("papers published between %q and %q: both days are required: %w", after, before, paperhound.ErrInvalid)
	}
	var fnErr error
	err := s.each(ctx, s.db.Rebind(`
		SELECT id, published, upvotes FROM papers
		WHERE published >= ? AND published <= ?
		ORDER BY published DESC, id`), []any{after, before},
		func(rows *sqlx.Rows) error {
			var p PaperDay
			if err := rows.StructScan(&p); err != nil {
				return err
			}
			fnErr = fn(p)
			return fnErr
		})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("papers published between %s and %s: %w", after, before, err)
	}
	return nil
}
