package ingest

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/paperhound/paperhound"
)

// ReadVotes streams the votes of r, a file called name in problems: JSON
// Lines (or a JSON array) of
//
//	{"user": "alice", "paper": "2407.18121", "at": "2024-07-26T10:00:00Z", "vote": 1}
//
// user and paper are required; user must pass paperhound.CheckUserName.
// vote is 1 (upvote, the default when absent) or -1 (hide). at is an
// optional RFC 3339 time, at most a day ahead (paperhound.CheckVoteTime);
// when absent the vote's At is zero and the caller decides, typically now.
// emit, reject and the error returned work as in ReadPapers.
func ReadVotes(ctx context.Context, r io.Reader, name string, emit func(line int, v paperhound.Vote) error, reject func(Problem) error) error {
	return readRecords(ctx, r, name, decodeVote, emit, reject)
}

func decodeVote(raw []byte) (paperhound.Vote, string) {
	o, reason := parseObject(raw)
	if reason != "" {
		return paperhound.Vote{}, reason
	}
	v := paperhound.Vote{
		User:  strings.TrimSpace(o.str("user")),
		Paper: strings.TrimSpace(o.str("paper")),
		Value: 1,
	}
	if n, ok := o.integer("vote"); ok {
		if n != 1 && n != -1 {
			o.fail(`"vote" must be 1 (upvote) or -1 (hide), got %d`, n)
		}
		v.Value = n
	}
	if at := strings.TrimSpace(o.str("at")); at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			o.fail(`invalid time %q in "at": want RFC 3339, like "2024-07-26T10:00:00Z"`, at)
		}
		v.At = t
	}
	if reason := o.problem(); reason != "" {
		return paperhound.Vote{}, reason
	}
	if v.User == "" {
		return paperhound.Vote{}, `missing "user"`
	}
	// The store holds votes to the same rules; checked here too, a bad line
	// is reported with its line instead of failing its whole batch.
	if err := paperhound.CheckUserName(v.User); err != nil {
		return paperhound.Vote{}, err.Error()
	}
	if reason := checkID("paper", v.Paper); reason != "" {
		return paperhound.Vote{}, reason
	}
	if err := paperhound.CheckVoteTime(v.At, time.Now()); err != nil {
		return paperhound.Vote{}, err.Error()
	}
	return v, ""
}
