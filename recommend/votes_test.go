package recommend_test

import (
	"context"
	"errors"
	"maps"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema/schematest"
)

func TestVote(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := trendingEngine(t, b.Store)
			clock := trendingToday
			b.Store.Now = func() time.Time { return clock }
			if _, _, err := b.Store.IssueToken(ctx, "ann"); err != nil {
				t.Fatal(err)
			}
			votes := func() []paperhound.Vote {
				t.Helper()
				vs, err := e.Votes(ctx, "ann")
				if err != nil {
					t.Fatal(err)
				}
				return vs
			}
			// The vote graph agrees with the store: a voted paper never
			// comes back in the feed, and our upvotes move trending.
			inFeed := func(id string) bool {
				t.Helper()
				recs, err := e.Feed(ctx, "ann", recommend.FeedOptions{Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				return slices.ContainsFunc(recs, func(r recommend.Recommendation) bool { return r.Paper.ID == id })
			}

			if err := e.Vote(ctx, "ann", "nope", 1); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("unknown paper: %v, want ErrNotFound", err)
			}
			if err := e.Vote(ctx, "nobody", "n1", 1); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("unknown user: %v, want ErrNotFound", err)
			}
			if _, err := e.Store().User(ctx, "nobody"); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("a vote by an unknown user created it: %v", err)
			}
			if _, err := e.Votes(ctx, "nobody"); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("votes of nobody: %v, want ErrNotFound", err)
			}
			if err := e.Vote(ctx, "ann", "n1", 2); !errors.Is(err, paperhound.ErrInvalid) {
				t.Errorf("value 2: %v, want ErrInvalid", err)
			}
			if vs := votes(); len(vs) != 0 {
				t.Fatalf("refused votes were recorded: %+v", vs)
			}

			if !inFeed("n3") {
				t.Fatal("n3 is not in ann's feed before any vote")
			}
			if err := e.Vote(ctx, "ann", "n3", -1); err != nil {
				t.Fatal(err)
			}
			if inFeed("n3") {
				t.Error("n3 is in the feed after ann hid it")
			}

			// Upvoting replaces the hide; again changes nothing, its time
			// included.
			clock = clock.Add(time.Minute)
			if err := e.Vote(ctx, "ann", "n3", 1); err != nil {
				t.Fatal(err)
			}
			want := []paperhound.Vote{{User: "ann", Paper: "n3", Value: 1, At: clock}}
			clock = clock.Add(time.Minute)
			if err := e.Vote(ctx, "ann", "n3", 1); err != nil {
				t.Fatal(err)
			}
			if got := votes(); !slices.Equal(got, want) {
				t.Errorf("after upvoting twice: %+v, want %+v", got, want)
			}
			if inFeed("n3") {
				t.Error("n3 is in the feed after ann upvoted it")
			}

			// Removing a hide leaves the upvote; removing the upvote leaves
			// nothing, and is no error when repeated.
			if err := e.Unvote(ctx, "ann", "n3", -1); err != nil {
				t.Fatal(err)
			}
			if got := votes(); !slices.Equal(got, want) {
				t.Errorf("after removing a hide: %+v, want the upvote %+v", got, want)
			}
			for range 2 {
				if err := e.Unvote(ctx, "ann", "n3", 1); err != nil {
					t.Fatal(err)
				}
			}
			if got := votes(); len(got) != 0 {
				t.Errorf("after removing the upvote: %+v", got)
			}
			if !inFeed("n3") {
				t.Error("n3 is not back in the feed once the vote is gone")
			}
			if err := e.Unvote(ctx, "ann", "nope", 1); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("unvote an unknown paper: %v, want ErrNotFound", err)
			}

			// Value 0 removes any vote.
			if err := e.Vote(ctx, "ann", "n2", -1); err != nil {
				t.Fatal(err)
			}
			if err := e.Vote(ctx, "ann", "n2", 0); err != nil {
				t.Fatal(err)
			}
			if got := votes(); len(got) != 0 {
				t.Errorf("after vote 0: %+v", got)
			}

			// A vote stored with a time ahead of the clock is still replaced.
			if _, err := b.Store.SaveVotes(ctx, []paperhound.Vote{{User: "ann", Paper: "n1", Value: -1, At: clock.Add(time.Hour)}}); err != nil {
				t.Fatal(err)
			}
			if err := e.Vote(ctx, "ann", "n1", 1); err != nil {
				t.Fatal(err)
			}
			if got := votes(); len(got) != 1 || got[0].Value != 1 {
				t.Errorf("replacing a vote from the future: %+v, want an upvote", got)
			}

			// VotedPapers lists one kind, newest first.
			if err := e.Vote(ctx, "ann", "n2", 1); err != nil {
				t.Fatal(err)
			}
			clock = clock.Add(2 * time.Hour)
			if err := e.Vote(ctx, "ann", "n4", 1); err != nil {
				t.Fatal(err)
			}
			if err := e.Vote(ctx, "ann", "old", -1); err != nil {
				t.Fatal(err)
			}
			up, err := e.VotedPapers(ctx, "ann", 1)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, v := range up {
				ids = append(ids, v.Paper.ID)
			}
			if want := []string{"n4", "n1", "n2"}; !slices.Equal(ids, want) {
				t.Errorf("upvoted papers %v, want %v", ids, want)
			}
		})
	}
}

// Votes cast at once leave the vote graph as the store is: n1's trending
// score counts exactly the upvotes stored.
func TestVoteConcurrent(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := trendingEngine(t, b.Store)
			users := []string{"u0", "u1", "u2", "u3"}
			for _, u := range users {
				if _, _, err := b.Store.IssueToken(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Go(func() {
					for i := range 15 {
						user := users[(w+i)%len(users)]
						var err error
						switch (w*7 + i) % 4 {
						case 0, 1:
							err = e.Vote(ctx, user, "n1", 1)
						case 2:
							err = e.Vote(ctx, user, "n1", -1)
						default:
							err = e.Unvote(ctx, user, "n1", 1)
						}
						if err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			stored := 0
			for _, u := range users {
				vs, err := e.Votes(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				if len(vs) == 1 && vs[0].Value == 1 {
					stored++
				}
			}
			rs, err := e.Trending(ctx, recommend.TrendingOptions{Days: 1, Limit: 1})
			if err != nil || len(rs) != 1 {
				t.Fatal(rs, err)
			}
			if want := float64(1+stored) / math.Pow(2, 1.5); math.Abs(rs[0].Score-want) > 1e-9 {
				t.Errorf("n1 scores %v, as if %v upvotes; %d are stored", rs[0].Score, rs[0].Score*math.Pow(2, 1.5)-1, stored)
			}
		})
	}
}

func TestImportVotes(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := trendingEngine(t, b.Store)
			votes := []paperhound.Vote{
				{User: "ann", Paper: "n1", Value: 1},
				{User: "ann", Paper: "gone", Value: 1},
				{User: "bob", Paper: "n2", Value: -1},
				{User: "bob", Paper: "gone", Value: -1},
			}
			changed, unknown, err := e.ImportVotes(ctx, votes)
			if err != nil {
				t.Fatal(err)
			}
			if changed != 2 || !slices.Equal(unknown, []int{1, 3}) {
				t.Errorf("ImportVotes = %d changed, unknown %v; want 2 changed, unknown [1 3]", changed, unknown)
			}
			for _, want := range []paperhound.Vote{votes[0], votes[2]} {
				got, err := b.Store.VoteOf(ctx, want.User, want.Paper)
				if err != nil || got.Value != want.Value {
					t.Errorf("stored vote of %s on %s = %+v, %v; want value %d", want.User, want.Paper, got, err, want.Value)
				}
			}
			// A serving engine sees imported votes at its next refresh.
			if reloaded, err := e.RefreshVotes(ctx); err != nil || !reloaded {
				t.Errorf("RefreshVotes after an import = %v, %v; want a reload", reloaded, err)
			}
			recs, err := e.Feed(ctx, "ann", recommend.FeedOptions{Limit: 10})
			if err != nil || len(recs) == 0 || recs[0].Trending {
				t.Errorf("ann's feed after the refresh = %d papers, %v; want a feed from her upvote, not trending", len(recs), err)
			}
		})
	}
}

// Re-importing a votes file leaves alone what users changed since through
// the API, on the same clock tick too, and counts only what it changed.
func TestImportVotesKeepsLaterChanges(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := trendingEngine(t, b.Store)
			file := []paperhound.Vote{{User: "ann", Paper: "n1", Value: 1}, {User: "ann", Paper: "n2", Value: 1}}
			if changed, _, err := e.ImportVotes(ctx, file); err != nil || changed != 2 {
				t.Fatalf("first import: %d changed, %v; want 2", changed, err)
			}
			if err := e.Vote(ctx, "ann", "n1", -1); err != nil {
				t.Fatal(err)
			}
			if err := e.Unvote(ctx, "ann", "n2", 1); err != nil {
				t.Fatal(err)
			}
			if changed, _, err := e.ImportVotes(ctx, file); err != nil || changed != 0 {
				t.Errorf("second import: %d changed, %v; want 0", changed, err)
			}
			vs, err := e.Votes(ctx, "ann")
			if err != nil || len(vs) != 1 || vs[0].Paper != "n1" || vs[0].Value != -1 {
				t.Errorf("votes after the second import: %+v, %v; want n1 hidden, n2 gone", vs, err)
			}
			// The user can still vote again what they removed.
			if err := e.Vote(ctx, "ann", "n2", 1); err != nil {
				t.Fatal(err)
			}
			if v, err := b.Store.VoteOf(ctx, "ann", "n2"); err != nil || v.Value != 1 {
				t.Errorf("n2 upvoted again: %+v, %v", v, err)
			}
		})
	}
}

func TestUpvoteAll(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := trendingEngine(t, b.Store)
			clock := trendingToday
			b.Store.Now = func() time.Time { return clock }
			if _, _, err := b.Store.IssueToken(ctx, "ann"); err != nil {
				t.Fatal(err)
			}
			if err := e.Vote(ctx, "ann", "n1", 1); err != nil {
				t.Fatal(err)
			}
			if err := e.Vote(ctx, "ann", "n3", -1); err != nil {
				t.Fatal(err)
			}
			if err := e.Vote(ctx, "ann", "n4", 1); err != nil {
				t.Fatal(err)
			}
			clock = clock.Add(time.Minute)
			if err := e.Unvote(ctx, "ann", "n4", 1); err != nil {
				t.Fatal(err)
			}
			before := clock
			clock = clock.Add(time.Minute)
			votes := func() map[string]paperhound.Vote {
				t.Helper()
				vs, err := e.Votes(ctx, "ann")
				if err != nil {
					t.Fatal(err)
				}
				m := map[string]paperhound.Vote{}
				for _, v := range vs {
					m[v.Paper] = v
				}
				return m
			}
			was := votes()

			if _, err := e.UpvoteAll(ctx, "ann", []string{"n2", "nope"}, false); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("an unknown paper: %v, want ErrNotFound", err)
			}
			if _, err := e.UpvoteAll(ctx, "nobody", []string{"n2"}, false); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("an unknown user: %v, want ErrNotFound", err)
			}
			papers := []string{"n1", "n2", "n3", "n2", "n4"}
			if n, err := e.UpvoteAll(ctx, "ann", papers, true); n != 3 || err != nil {
				t.Errorf("dry run: %d, %v; want 3 (n2, n3, n4)", n, err)
			}
			if got := votes(); !maps.Equal(got, was) {
				t.Errorf("refused or dry runs changed the votes: %v, want %v", got, was)
			}

			if n, err := e.UpvoteAll(ctx, "ann", papers, false); n != 3 || err != nil {
				t.Errorf("UpvoteAll: %d, %v; want 3", n, err)
			}
			got := votes()
			if got["n1"] != was["n1"] {
				t.Errorf("n1, upvoted before, changed: %+v, was %+v", got["n1"], was["n1"])
			}
			for _, id := range []string{"n2", "n3", "n4"} {
				if v := got[id]; v.Value != 1 || !v.At.After(before) {
					t.Errorf("%s: %+v, want an upvote cast now", id, v)
				}
			}
			// The engine's vote graph has them at once: no upvoted paper in the feed.
			recs, err := e.Feed(ctx, "ann", recommend.FeedOptions{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if got[r.Paper.ID].Value != 0 || r.Trending {
					t.Errorf("feed after the upvotes holds %s (trending %v)", r.Paper.ID, r.Trending)
				}
			}
			if n, err := e.UpvoteAll(ctx, "ann", papers, false); n != 0 || err != nil {
				t.Errorf("again: %d, %v; want 0", n, err)
			}
		})
	}
}
