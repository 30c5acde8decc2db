package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// FeedTuning is what the feed's last tuning chose (migration 00011).
type FeedTuning struct {
	HalfLife time.Duration // 0 for none
	Upvotes  float64       // 0 for none
	Users    int           // how many users it was measured on
	At       time.Time     // when it was saved
}

// FeedTuning returns the last tuning saved; ok is false when there is none.
func (s *Store) FeedTuning(ctx context.Context) (t FeedTuning, ok bool, err error) {
	var row struct {
		HalfLife int64     `db:"half_life_seconds"`
		Upvotes  float64   `db:"upvotes"`
		Users    int       `db:"users"`
		At       time.Time `db:"tuned_at"`
	}
	err = s.get(ctx, &row, `SELECT half_life_seconds, upvotes, users, tuned_at FROM feed_tuning WHERE id = 1`)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return FeedTuning{}, false, nil
	case err != nil:
		return FeedTuning{}, false, fmt.Errorf("feed tuning: %w", err)
	}
	return FeedTuning{HalfLife: time.Duration(row.HalfLife) * time.Second, Upvotes: row.Upvotes, Users: row.Users, At: row.At.UTC()}, true, nil
}

// SaveFeedTuning replaces the tuning saved by t, stamped now (t.At is
// ignored); the half-life is kept to the second.
func (s *Store) SaveFeedTuning(ctx context.Context, t FeedTuning) error {
	_, err := s.exec(ctx, s.db.Rebind(`INSERT INTO feed_tuning (id, half_life_seconds, upvotes, users, tuned_at) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET half_life_seconds = excluded.half_life_seconds, upvotes = excluded.upvotes,
			users = excluded.users, tuned_at = excluded.tuned_at`),
		int64(t.HalfLife/time.Second), t.Upvotes, t.Users, s.now())
	if err != nil {
		return fmt.Errorf("save feed tuning: %w", err)
	}
	return nil
}
