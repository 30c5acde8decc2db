package paperhound

import (
	"fmt"
	"time"
)

// Vote is a user's opinion of a paper: +1 upvote, -1 hide. A store reports
// a removed vote as 0, At being when it was removed.
type Vote struct {
	User  string    `db:"user_name" json:"user"`
	Paper string    `db:"paper_id" json:"paper"`
	Value int       `db:"value" json:"value"`
	At    time.Time `db:"at" json:"at"`
}

// MaxVoteAhead is how far past now a vote's time may be: clocks and time
// zones get a day's slack. A later time is a mistake, and would let the
// vote win over every real one until then.
const MaxVoteAhead = 24 * time.Hour

// CheckVoteTime says why at can't be the time of a vote cast by now, or
// returns nil. The zero time (no time given) is fine.
func CheckVoteTime(at, now time.Time) error {
	if at.After(now.Add(MaxVoteAhead)) {
		return fmt.Errorf("%w vote time %s: more than a day in the future", ErrInvalid, at.UTC().Format(time.RFC3339))
	}
	return nil
}
