package schema_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

func TestCheckUserName(t *testing.T) {
	good := []string{"a", "alice", "Bob_2", "j.doe", "x-y", "0", strings.Repeat("a", 64)}
	bad := []string{"", ".", "..", ".hidden", "-x", "_x", "a b", "a/b", "é", "a%2F", strings.Repeat("a", 65), "a\n"}
	for _, n := range good {
		if err := paperhound.CheckUserName(n); err != nil {
			t.Errorf("CheckUserName(%q) = %v, want nil", n, err)
		}
	}
	for _, n := range bad {
		if err := paperhound.CheckUserName(n); !errors.Is(err, paperhound.ErrInvalid) {
			t.Errorf("CheckUserName(%q) = %v, want ErrInvalid", n, err)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Store
			at(st, t0)

			if _, err := st.User(ctx, "alice"); !errors.Is(err, paperhound.ErrNotFound) {
				t.Fatalf("User before any: %v, want ErrNotFound", err)
			}
			tok1, created, err := st.IssueToken(ctx, "alice")
			if err != nil || !created {
				t.Fatalf("IssueToken new: created %v, %v", created, err)
			}
			if !strings.HasPrefix(tok1, "ph_") || len(tok1) < 40 {
				t.Errorf("token %q: want ph_ and 32 random bytes", tok1)
			}
			u, err := st.UserByToken(ctx, tok1)
			if err != nil || u.Name != "alice" || !u.HasToken || !u.CreatedAt.Equal(t0) {
				t.Errorf("UserByToken: %+v, %v", u, err)
			}

			// A new token replaces the old one.
			tok2, created, err := st.IssueToken(ctx, "alice")
			if err != nil || created || tok2 == tok1 {
				t.Fatalf("IssueToken again: created %v, same %v, %v", created, tok2 == tok1, err)
			}
			if _, err := st.UserByToken(ctx, tok1); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("old token: %v, want ErrNotFound", err)
			}
			if u, err := st.UserByToken(ctx, tok2); err != nil || u.Name != "alice" {
				t.Errorf("new token: %+v, %v", u, err)
			}
			for _, wrong := range []string{"", "ph_", tok2 + "x", strings.ToUpper(tok2)} {
				if _, err := st.UserByToken(ctx, wrong); !errors.Is(err, paperhound.ErrNotFound) {
					t.Errorf("UserByToken(%q): %v, want ErrNotFound", wrong, err)
				}
			}

			// A user a votes import created has no token, and can be given
			// one; a name the rule refuses is refused on both ways in.
			mustSave(t, st, []paperhound.Paper{{ID: "p1", Title: "one"}}, nil)
			if _, err := st.SaveVotes(ctx, []paperhound.Vote{{User: "jane", Paper: "p1", Value: 1}}); err != nil {
				t.Fatal(err)
			}
			if u, err := st.User(ctx, "jane"); err != nil || u.HasToken {
				t.Errorf("imported user: %+v, %v, want no token", u, err)
			}
			if tok, created, err := st.IssueToken(ctx, "jane"); err != nil || created {
				t.Errorf("token for an imported user: created %v, %v", created, err)
			} else if u, err := st.UserByToken(ctx, tok); err != nil || u.Name != "jane" {
				t.Errorf("imported user's token: %+v, %v", u, err)
			}
			if _, err := st.SaveVotes(ctx, []paperhound.Vote{{User: "Jane Doe", Paper: "p1", Value: 1}}); !errors.Is(err, paperhound.ErrInvalid) {
				t.Errorf("imported user with a space: %v, want ErrInvalid", err)
			}
			if _, _, err := st.IssueToken(ctx, "John Doe"); !errors.Is(err, paperhound.ErrInvalid) {
				t.Errorf("new user with a space: %v, want ErrInvalid", err)
			}
			if _, err := st.User(ctx, "John Doe"); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("refused user was created: %v", err)
			}
		})
	}
}

func TestFeedKeys(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Store
			if _, err := st.IssueFeedKey(ctx, "nobody"); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("IssueFeedKey for nobody: %v, want ErrNotFound", err)
			}
			token, _, err := st.IssueToken(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := st.CheckFeedKey(ctx, "alice", ""); ok || err != nil {
				t.Errorf("empty key before any: %v, %v", ok, err)
			}
			if ok, _ := st.CheckFeedKey(ctx, "alice", token); ok {
				t.Error("the API token reads the feed")
			}
			k1, err := st.IssueFeedKey(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := st.CheckFeedKey(ctx, "alice", k1); !ok || err != nil {
				t.Errorf("feed key: %v, %v", ok, err)
			}
			if _, err := st.UserByToken(ctx, k1); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("the feed key works as an API token: %v", err)
			}
			if _, _, err := st.IssueToken(ctx, "bob"); err != nil {
				t.Fatal(err)
			}
			if ok, _ := st.CheckFeedKey(ctx, "bob", k1); ok {
				t.Error("alice's key reads bob's feed")
			}
			k2, err := st.IssueFeedKey(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := st.CheckFeedKey(ctx, "alice", k1); ok {
				t.Error("a replaced key still works")
			}
			if ok, _ := st.CheckFeedKey(ctx, "alice", k2); !ok {
				t.Error("the new key does not work")
			}
			if ok, err := st.CheckFeedKey(ctx, "nobody", k2); ok || err != nil {
				t.Errorf("unknown user: %v, %v", ok, err)
			}
		})
	}
}

func TestDeleteVote(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Store
			at(st, t0)
			mustSave(t, st, []paperhound.Paper{{ID: "p1", Title: "one"}, {ID: "p2", Title: "two"}}, nil)
			_, err := st.SaveVotes(ctx, []paperhound.Vote{
				{User: "ann", Paper: "p1", Value: 1, At: t0},
				{User: "ann", Paper: "p2", Value: -1, At: t1},
			})
			if err != nil {
				t.Fatal(err)
			}
			if v, err := st.VoteOf(ctx, "ann", "p2"); err != nil || v != (paperhound.Vote{User: "ann", Paper: "p2", Value: -1, At: t1}) {
				t.Errorf("VoteOf: %+v, %v", v, err)
			}
			if _, err := st.VoteOf(ctx, "bob", "p2"); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("VoteOf nothing: %v, want ErrNotFound", err)
			}
			steps := []struct {
				paper string
				value int
				want  bool
			}{
				{"p1", -1, false}, // p1 is an upvote: a hide removal leaves it
				{"p1", 1, true},
				{"p1", 1, false}, // gone already
				{"p2", 0, true},  // any kind
				{"p3", 0, false}, // no such paper: nothing to delete
			}
			for _, s := range steps {
				if got, err := st.DeleteVote(ctx, "ann", s.paper, s.value); err != nil || got != s.want {
					t.Errorf("DeleteVote(%s, %d) = %v, %v; want %v", s.paper, s.value, got, err, s.want)
				}
			}
			if votes, err := st.Votes(ctx, "ann"); err != nil || len(votes) != 0 {
				t.Errorf("votes left: %+v, %v", votes, err)
			}
			// A removal keeps its time, after the vote's even when the clock
			// is behind it.
			if v, err := st.VoteOf(ctx, "ann", "p2"); err != nil || v != (paperhound.Vote{User: "ann", Paper: "p2", Value: 0, At: t1.Add(time.Microsecond)}) {
				t.Errorf("VoteOf a removed vote: %+v, %v", v, err)
			}
		})
	}
}

func TestPublishedBetween(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Store
			if d, err := st.NewestPublished(ctx, paperhound.Date{}); err != nil || !d.IsZero() {
				t.Errorf("NewestPublished of nothing: %v, %v", d, err)
			}
			mustSave(t, st, []paperhound.Paper{
				{ID: "a", Title: "a", Published: date("2024-07-01"), Upvotes: 3},
				{ID: "b", Title: "b", Published: date("2024-07-03")},
				{ID: "c", Title: "c", Published: date("2024-07-03"), Upvotes: 1},
				{ID: "d", Title: "d", Published: date("2024-07-10")},
				{ID: "e", Title: "e"}, // no date
				{ID: "f", Title: "f", Published: date("2031-01-01")},
			}, nil)
			tests := []struct {
				until, want string
			}{
				{"", "2031-01-01"},
				{"2025-01-01", "2024-07-10"},
				{"2024-07-09", "2024-07-03"},
				{"2024-07-03", "2024-07-03"},
				{"2024-06-30", ""},
			}
			for _, tt := range tests {
				until := paperhound.Date{}
				if tt.until != "" {
					until = date(tt.until)
				}
				if d, err := st.NewestPublished(ctx, until); err != nil || d.String() != tt.want {
					t.Errorf("NewestPublished(%q) = %q, %v; want %q", tt.until, d, err, tt.want)
				}
			}
			var got []schema.PaperDay
			err := st.PublishedBetween(ctx, date("2024-07-01"), date("2024-07-09"), func(p schema.PaperDay) error {
				got = append(got, p)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := []schema.PaperDay{
				{ID: "b", Published: date("2024-07-03")},
				{ID: "c", Published: date("2024-07-03"), Upvotes: 1},
				{ID: "a", Published: date("2024-07-01"), Upvotes: 3},
			}
			if len(got) != len(want) {
				t.Fatalf("PublishedBetween: %+v, want %+v", got, want)
			}
			for i := range want {
				if got[i].ID != want[i].ID || !got[i].Published.Equal(want[i].Published.Time) || got[i].Upvotes != want[i].Upvotes {
					t.Errorf("PublishedBetween[%d] = %+v, want %+v", i, got[i], want[i])
				}
			}
			stop := errors.New("stop")
			if err := st.PublishedBetween(ctx, date("2024-07-01"), date("2024-07-09"), func(schema.PaperDay) error { return stop }); err != stop {
				t.Errorf("an error from fn: %v, want it back as is", err)
			}
			if err := st.PublishedBetween(ctx, paperhound.Date{}, date("2024-07-09"), func(schema.PaperDay) error { return nil }); !errors.Is(err, paperhound.ErrInvalid) {
				t.Errorf("open range: %v, want ErrInvalid", err)
			}
		})
	}
}
