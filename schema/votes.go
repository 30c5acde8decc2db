package schema

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paperhound/paperhound"
)

// SaveVotes stores votes in one transaction, creating the users it has not
// seen (without a token). A user has one vote per paper: a vote replaces an
// earlier one, judged by At, so a replayed old vote cannot undo a newer one.
// A zero At means now. User names must pass paperhound.CheckUserName and
// times paperhound.CheckVoteTime. Votes for papers not stored fail the
// whole batch; check them first with MissingPapers.
func (s *Store) SaveVotes(ctx context.Context, votes []paperhound.Vote) error {
	now := s.now()
	for _, v := range votes {
		if err := checkVote(v, now); err != nil {
			return err
		}
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		addUser, err := tx.PreparexContext(ctx, tx.Rebind(`
			INSERT INTO users (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`))
		if err != nil {
			return err
		}
		defer addUser.Close()
		upsert, err := tx.PreparexContext(ctx, tx.Rebind(`
			INSERT INTO votes (user_name, paper_id, value, at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_name, paper_id) DO UPDATE SET value = excluded.value, at = excluded.at
			WHERE excluded.at >= votes.at`))
		if err != nil {
			return err
		}
		defer upsert.Close()

		added := make(map[string]bool)
		for _, v := range votes {
			if !added[v.User] {
				if _, err := addUser.ExecContext(ctx, v.User, now); err != nil {
					return fmt.Errorf("user %q: %w", v.User, err)
				}
				added[v.User] = true
			}
			at := now
			if !v.At.IsZero() {
				at = v.At.UTC().Truncate(time.Microsecond)
			}
			if _, err := upsert.ExecContext(ctx, v.User, v.Paper, v.Value, at); err != nil {
				return fmt.Errorf("vote by %q on paper %q: %w", v.User, v.Paper, err)
			}
		}
		return bumpVotesVersion(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("save %d votes: %w", len(votes), err)
	}
	return nil
}

// checkVote says why v can't be stored by now, before the database sees it.
func checkVote(v paperhound.Vote, now time.Time) error {
	if err := paperhound.CheckUserName(v.User); err != nil {
		return fmt.Errorf("vote on paper %q: %w", v.Paper, err)
	}
	if v.Paper == "" {
		return fmt.Errorf("vote by %q: the paper is required: %w", v.User, paperhound.ErrInvalid)
	}
	if v.Value != 1 && v.Value != -1 {
		return fmt.Errorf("vote by %q on paper %q: value %d is neither 1 nor -1: %w", v.User, v.Paper, v.Value, paperhound.ErrInvalid)
	}
	if err := paperhound.CheckVoteTime(v.At, now); err != nil {
		return fmt.Errorf("vote by %q on paper %q: %w", v.User, v.Paper, err)
	}
	return nil
}

// Votes returns a user's votes, oldest first.
func (s *Store) Votes(ctx context.Context, user string) ([]paperhound.Vote, error) {
	var votes []paperhound.Vote
	err := s.selectAll(ctx, &votes, s.db.Rebind(`
		SELECT user_name, paper_id, value, at FROM votes WHERE user_name = ? ORDER BY at, paper_id`), user)
	if err != nil {
		return nil, fmt.Errorf("votes of %q: %w", user, err)
	}
	for i := range votes {
		votes[i].At = votes[i].At.UTC()
	}
	return votes, nil
}

// AllVotes calls fn for every vote, grouped by user and ordered by paper id
// within a user, without loading them all. An error from fn stops the scan
// and is returned as is.
func (s *Store) AllVotes(ctx context.Context, fn func(paperhound.Vote) error) error {
	var fnErr error
	err := s.each(ctx, `SELECT user_name, paper_id, value, at FROM votes ORDER BY user_name, paper_id`, nil,
		func(rows *sqlx.Rows) error {
			var v paperhound.Vote
			if err := rows.StructScan(&v); err != nil {
				return err
			}
			v.At = v.At.UTC()
			fnErr = fn(v)
			return fnErr
		})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("all votes: %w", err)
	}
	return nil
}

// bumpVotesVersion marks, in tx, that votes changed.
func bumpVotesVersion(ctx context.Context, tx *sqlx.Tx) error {
	if _, err := tx.ExecContext(ctx, `UPDATE votes_version SET n = n + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("bump votes version: %w", err)
	}
	return nil
}

// VotesVersion changes whenever a vote is saved or deleted, by any process.
func (s *Store) VotesVersion(ctx context.Context) (int64, error) {
	var n int64
	if err := s.get(ctx, &n, `SELECT n FROM votes_version WHERE id = 1`); err != nil {
		return 0, fmt.Errorf("votes version: %w", err)
	}
	return n, nil
}
