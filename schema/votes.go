package schema

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paperhound/paperhound"
)

// SaveVotes stores votes in one transaction, creating the users it has not
// seen (without a token), and returns how many votes it changed. A user has
// one vote per paper, and a replayed import must never undo what changed
// after it: a vote replaces another only if it differs and is newer, and
// comes back after a removal only if it is newer than the removal. A vote
// with a zero At (no time given) only fills a gap: it is stored, stamped
// now, where the user has neither a vote nor a removed one on the paper.
// User names must pass paperhound.CheckUserName and times
// paperhound.CheckVoteTime. Votes for papers not stored fail the whole
// batch; check them first with MissingPapers. A hide that replaces an
// upvote takes the paper out of the user's collections.
func (s *Store) SaveVotes(ctx context.Context, votes []paperhound.Vote) (int, error) {
	now := s.now()
	for _, v := range votes {
		if err := checkVote(v, now); err != nil {
			return 0, err
		}
	}
	changed := 0
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var stmts [5]*sqlx.Stmt
		for i, query := range []string{addUserSQL, fillVoteSQL, replaceVoteSQL, dropRemovalSQL, unfileSQL} {
			stmt, err := tx.PreparexContext(ctx, tx.Rebind(query))
			if err != nil {
				return err
			}
			defer stmt.Close()
			stmts[i] = stmt
		}
		addUser, fill, replace, dropRemoval, unfile := stmts[0], stmts[1], stmts[2], stmts[3], stmts[4]

		added := make(map[string]bool)
		for _, v := range votes {
			if !added[v.User] {
				if _, err := addUser.ExecContext(ctx, v.User, now); err != nil {
					return fmt.Errorf("user %q: %w", v.User, err)
				}
				added[v.User] = true
			}
			ok, err := saveVote(ctx, v, now, fill, replace, dropRemoval)
			if err == nil && ok && v.Value < 0 {
				_, err = unfile.ExecContext(ctx, v.User, v.Paper)
			}
			if err != nil {
				return fmt.Errorf("vote by %q on paper %q: %w", v.User, v.Paper, err)
			}
			if ok {
				changed++
			}
		}
		if changed == 0 {
			return nil
		}
		return bumpVotesVersion(ctx, tx)
	})
	if err != nil {
		return 0, fmt.Errorf("save %d votes: %w", len(votes), err)
	}
	return changed, nil
}

// saveVote writes one vote of SaveVotes with its statements, and reports
// whether it changed what is stored.
func saveVote(ctx context.Context, v paperhound.Vote, now time.Time, fill, replace, dropRemoval *sqlx.Stmt) (bool, error) {
	var res sql.Result
	var err error
	if v.At.IsZero() {
		res, err = fill.ExecContext(ctx, v.User, v.Paper, v.Value, now, v.User, v.Paper)
	} else {
		at := v.At.UTC().Truncate(time.Microsecond)
		res, err = replace.ExecContext(ctx, v.User, v.Paper, v.Value, at, v.User, v.Paper, at)
	}
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	_, err = dropRemoval.ExecContext(ctx, v.User, v.Paper)
	return err == nil, err
}

// The statements of SaveVotes. A paper has a vote, a removal (a row of
// vote_tombstones, left by DeleteVote) or neither, never both.
const (
	addUserSQL = `INSERT INTO users (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`
	// fillVoteSQL stores a vote given without a time where there is neither.
	fillVoteSQL = `
		INSERT INTO votes (user_name, paper_id, value, at) SELECT ?, ?, ?, ?
		WHERE NOT EXISTS (SELECT 1 FROM vote_tombstones WHERE user_name = ? AND paper_id = ?)
		ON CONFLICT (user_name, paper_id) DO NOTHING`
	// replaceVoteSQL stores a vote given with a time over an older, other
	// vote, or after an older removal.
	replaceVoteSQL = `
		INSERT INTO votes (user_name, paper_id, value, at) SELECT ?, ?, ?, ?
		WHERE NOT EXISTS (SELECT 1 FROM vote_tombstones WHERE user_name = ? AND paper_id = ? AND at >= ?)
		ON CONFLICT (user_name, paper_id) DO UPDATE SET value = excluded.value, at = excluded.at
		WHERE excluded.value <> votes.value AND excluded.at > votes.at`
	dropRemovalSQL = `DELETE FROM vote_tombstones WHERE user_name = ? AND paper_id = ?`
	// unfileSQL takes a paper out of the user's collections when a hide
	// replaces its upvote: a hide updates the vote's row, so the
	// memberships' foreign key, which removes them with the row, can't.
	unfileSQL = `DELETE FROM collection_papers WHERE user_name = ? AND paper_id = ?`
)

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
