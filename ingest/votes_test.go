package ingest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
)

func TestReadVotes(t *testing.T) {
	soon := time.Now().UTC().Add(23 * time.Hour).Truncate(time.Second)
	tests := []struct {
		name     string
		input    string
		votes    []string
		problems []string
	}{{
		name: "upvote, hide, default and no time",
		input: `{"user": "alice", "paper": "2407.18121", "at": "2024-07-26T10:00:00Z", "vote": 1}` + "\r\n\n" +
			`{"user": " bob ", "paper": "2407.18121", "at": "2024-07-26T12:00:00+02:00", "vote": -1, "note": "ignored"}` + "\n" +
			`{"user": "carol", "paper": "2510.21909"}`,
		votes: []string{
			"1: alice 2407.18121 1 2024-07-26T10:00:00Z",
			"3: bob 2407.18121 -1 2024-07-26T10:00:00Z",
			"4: carol 2510.21909 1 0001-01-01T00:00:00Z",
		},
	}, {
		name:  "a JSON array of votes",
		input: "[\n" + `{"user": "alice", "paper": "p1"},` + "\n" + `{"user": "alice", "paper": "p2", "vote": -1}` + "\n]",
		votes: []string{"2: alice p1 1 0001-01-01T00:00:00Z", "3: alice p2 -1 0001-01-01T00:00:00Z"},
	}, {
		name:  "a time up to a day ahead: another clock",
		input: `{"user": "alice", "paper": "p1", "at": "` + soon.Format(time.RFC3339) + `"}`,
		votes: []string{"1: alice p1 1 " + soon.Format(time.RFC3339)},
	}, {
		name: "every way to get it wrong",
		input: strings.Join([]string{
			`{"paper": "p1"}`,
			`{"user": "alice"}`,
			`{"user": "  ", "paper": "p1"}`,
			`{"user": "alice", "paper": "p 1"}`,
			`{"user": "alice", "paper": "p1", "vote": 2}`,
			`{"user": "alice", "paper": "p1", "vote": 0}`,
			`{"user": "alice", "paper": "p1", "vote": "up"}`,
			`{"user": "alice", "paper": "p1", "at": "yesterday"}`,
			`{"user": "alice", "paper": "p1", "at": "2024-07-26"}`,
			`{"user": 7, "paper": "p1"}`,
			`{"user": "alice", "paper": "p1"`,
			`{"user": "` + strings.Repeat("u", 201) + `", "paper": "p1"}`,
			`{"user": "al\u0000ice", "paper": "p1"}`,
			`{"user": "../admin", "paper": "p1"}`,
			`{"user": "<script>", "paper": "p1"}`,
			`{"user": "a b", "paper": "p1"}`,
			`{"user": "alice", "paper": "p1", "at": "2099-01-01T00:00:00Z"}`,
		}, "\n"),
		problems: []string{
			`x.jsonl:1: missing "user"`,
			`x.jsonl:2: missing "paper"`,
			`x.jsonl:3: missing "user"`,
			`x.jsonl:4: "paper" has whitespace or control characters inside: "p 1"`,
			`x.jsonl:5: "vote" must be 1 (upvote) or -1 (hide), got 2`,
			`x.jsonl:6: "vote" must be 1 (upvote) or -1 (hide), got 0`,
			`x.jsonl:7: "vote" must be a number, got a string`,
			`x.jsonl:8: invalid time "yesterday" in "at": want RFC 3339, like "2024-07-26T10:00:00Z"`,
			`x.jsonl:9: invalid time "2024-07-26" in "at": want RFC 3339, like "2024-07-26T10:00:00Z"`,
			`x.jsonl:10: "user" must be a string, got a number`,
			`x.jsonl:11: invalid JSON: unexpected end of input`,
			`x.jsonl:12: invalid user name of 201 bytes: want 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
			`x.jsonl:13: invalid user name "al\x00ice": want 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
			`x.jsonl:14: invalid user name "../admin": want 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
			`x.jsonl:15: invalid user name "<script>": want 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
			`x.jsonl:16: invalid user name "a b": want 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
			`x.jsonl:17: invalid vote time 2099-01-01T00:00:00Z: more than a day in the future`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var votes, problems []string
			err := ReadVotes(context.Background(), strings.NewReader(tt.input), "x.jsonl",
				func(line int, v paperhound.Vote) error {
					votes = append(votes, fmt.Sprintf("%d: %s %s %d %s", line, v.User, v.Paper, v.Value, v.At.UTC().Format(time.RFC3339)))
					return nil
				},
				func(p Problem) error {
					problems = append(problems, p.Error())
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			check(t, "votes", votes, tt.votes)
			check(t, "problems", problems, tt.problems)
		})
	}
}
