package recommend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paperhound/paperhound"
)

// Vote records user's vote on paper: 1 upvotes it, -1 hides it (either
// replaces the other), 0 removes whichever vote there is. Voting what is
// already recorded changes nothing, its time included. An unknown user or
// paper is paperhound.ErrNotFound, and nothing is recorded.
func (e *Engine) Vote(ctx context.Context, user, paper string, value int) error {
	if value < -1 || value > 1 {
		return fmt.Errorf("%w: a vote is 1 (upvote), -1 (hide) or 0 (none), got %d", paperhound.ErrInvalid, value)
	}
	if err := e.checkVoter(ctx, user, paper); err != nil {
		return err
	}
	e.voteMu.Lock()
	defer e.voteMu.Unlock()
	if value == 0 {
		return e.unvote(ctx, user, paper, 0)
	}
	cur, err := e.store.VoteOf(ctx, user, paper)
	found := err == nil
	if err != nil && !errors.Is(err, paperhound.ErrNotFound) {
		return fmt.Errorf("vote: %w", err)
	}
	if found && cur.Value == value {
		e.votes.set(cur) // in case another process cast it
		return nil
	}
	v := e.newVote(user, paper, value, cur, found)
	if _, err := e.store.SaveVotes(ctx, []paperhound.Vote{v}); err != nil {
		return fmt.Errorf("vote: %w", err)
	}
	e.votes.set(v)
	e.ownVoteWritten(ctx)
	return nil
}

// newVote is a vote cast now that replaces cur, when found.
func (e *Engine) newVote(user, paper string, value int, cur paperhound.Vote, found bool) paperhound.Vote {
	v := paperhound.Vote{User: user, Paper: paper, Value: value, At: e.store.Now().UTC().Truncate(time.Microsecond)}
	if found && !cur.At.Before(v.At) {
		// The store keeps the newer of a vote and the vote or removal
		// (value 0) before it; this one is the newer, whatever a skewed
		// clock says.
		v.At = cur.At.Add(time.Microsecond)
	}
	return v
}

// UpvoteAll upvotes papers for user as Vote would one by one (an upvote
// replaces a hide; a paper already upvoted keeps its vote and its time),
// in one transaction: all are recorded or none. It returns how many
// papers it upvoted, those already upvoted left out; with dryRun it only
// counts them. An unknown user or paper is paperhound.ErrNotFound, and
// nothing is recorded.
func (e *Engine) UpvoteAll(ctx context.Context, user string, papers []string, dryRun bool) (int, error) {
	if _, err := e.store.User(ctx, user); err != nil {
		return 0, err
	}
	missing, err := e.store.MissingPapers(ctx, papers)
	if err != nil {
		return 0, fmt.Errorf("upvote: %w", err)
	}
	if len(missing) > 0 {
		return 0, fmt.Errorf("upvote: paper %q: %w", missing[0], paperhound.ErrNotFound)
	}
	e.voteMu.Lock()
	defer e.voteMu.Unlock()
	stored, err := e.store.Votes(ctx, user)
	if err != nil {
		return 0, fmt.Errorf("upvote: %w", err)
	}
	current := make(map[string]paperhound.Vote, len(stored))
	for _, v := range stored {
		current[v.Paper] = v
	}
	var votes []paperhound.Vote
	for _, paper := range papers {
		cur, found := current[paper]
		if found && cur.Value == 1 {
			continue
		}
		v := e.newVote(user, paper, 1, cur, found)
		current[paper] = v // a paper named twice is upvoted once
		votes = append(votes, v)
	}
	if dryRun || len(votes) == 0 {
		return len(votes), nil
	}
	if _, err := e.store.SaveVotes(ctx, votes); err != nil {
		return 0, fmt.Errorf("upvote: %w", err)
	}
	for _, v := range votes {
		e.votes.set(v)
	}
	e.ownVoteWritten(ctx)
	return len(votes), nil
}

// voteBatch votes are written in one transaction by ImportVotes.
const voteBatch = 5000

// ImportVotes stores votes in bulk (an upvotes file, an evaluation's
// training votes), voteBatch to a transaction, creating the users it has not
// seen. It never undoes a later change: as schema.Store.SaveVotes, a vote
// replaces or brings back a removed one only if it is newer, and one without
// a time only fills a gap. Votes on papers that are not stored are left out,
// and their indexes in votes returned, so that the caller can say which
// lines failed. Changed counts the votes that changed what is stored. The
// vote graph is not touched: a serving engine picks the votes up at its next
// RefreshVotes, as it does another process's.
func (e *Engine) ImportVotes(ctx context.Context, votes []paperhound.Vote) (changed int, unknown []int, err error) {
	for first := 0; first < len(votes); first += voteBatch {
		batch := votes[first:min(first+voteBatch, len(votes))]
		ids := make([]string, len(batch))
		for i, v := range batch {
			ids[i] = v.Paper
		}
		missing, err := e.store.MissingPapers(ctx, ids)
		if err != nil {
			return changed, unknown, fmt.Errorf("import votes: %w", err)
		}
		absent := make(map[string]bool, len(missing))
		for _, id := range missing {
			absent[id] = true
		}
		known := make([]paperhound.Vote, 0, len(batch))
		for i, v := range batch {
			if absent[v.Paper] {
				unknown = append(unknown, first+i)
				continue
			}
			known = append(known, v)
		}
		if len(known) == 0 {
			continue
		}
		n, err := e.store.SaveVotes(ctx, known)
		if err != nil {
			return changed, unknown, fmt.Errorf("import votes: %w", err)
		}
		changed += n
	}
	return changed, unknown, nil
}

// Unvote removes user's vote on paper if it is of kind value (1 an upvote,
// -1 a hide, 0 either): removing an upvote leaves a hide alone. Removing
// what isn't there is no error; an unknown user or paper is paperhound.ErrNotFound.
func (e *Engine) Unvote(ctx context.Context, user, paper string, value int) error {
	if value < -1 || value > 1 {
		return fmt.Errorf("%w: a vote kind is 1 (upvote), -1 (hide) or 0 (either), got %d", paperhound.ErrInvalid, value)
	}
	if err := e.checkVoter(ctx, user, paper); err != nil {
		return err
	}
	e.voteMu.Lock()
	defer e.voteMu.Unlock()
	return e.unvote(ctx, user, paper, value)
}

// unvote runs with voteMu held, and leaves the vote graph as the store is.
func (e *Engine) unvote(ctx context.Context, user, paper string, value int) error {
	deleted, err := e.store.DeleteVote(ctx, user, paper, value)
	if err != nil {
		return fmt.Errorf("remove vote: %w", err)
	}
	cur, err := e.store.VoteOf(ctx, user, paper)
	switch {
	case errors.Is(err, paperhound.ErrNotFound):
		e.votes.set(paperhound.Vote{User: user, Paper: paper, Value: 0})
	case err != nil:
		return fmt.Errorf("remove vote: %w", err)
	default:
		e.votes.set(cur)
	}
	if deleted {
		e.ownVoteWritten(ctx)
	}
	return nil
}

// checkVoter makes sure both ends of a vote exist.
func (e *Engine) checkVoter(ctx context.Context, user, paper string) error {
	if _, err := e.store.User(ctx, user); err != nil {
		return err
	}
	_, err := e.Paper(ctx, paper)
	return err
}

// Votes returns user's votes from the store, oldest first. An unknown user
// is paperhound.ErrNotFound.
func (e *Engine) Votes(ctx context.Context, user string) ([]paperhound.Vote, error) {
	if _, err := e.store.User(ctx, user); err != nil {
		return nil, err
	}
	votes, err := e.store.Votes(ctx, user)
	if err != nil {
		return nil, err
	}
	return votes, nil
}

// VotedPaper is a paper and a user's vote on it.
type VotedPaper struct {
	Paper paperhound.Paper
	Vote  paperhound.Vote
}

// VotedPapers returns the papers user upvoted (value 1) or hid (-1), the
// newest vote first. An unknown user is paperhound.ErrNotFound.
func (e *Engine) VotedPapers(ctx context.Context, user string, value int) ([]VotedPaper, error) {
	votes, err := e.Votes(ctx, user)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, v := range votes {
		if v.Value == value {
			ids = append(ids, v.Paper)
		}
	}
	papers, err := e.store.Papers(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]VotedPaper, 0, len(ids))
	for i := len(votes) - 1; i >= 0; i-- {
		if p, ok := papers[votes[i].Paper]; ok && votes[i].Value == value {
			out = append(out, VotedPaper{Paper: p, Vote: votes[i]})
		}
	}
	return out, nil
}
