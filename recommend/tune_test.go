package recommend_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
)

// TuneFeed weighs the newest upvotes more only where that ranks what users
// upvoted next higher: users whose interest moved from one topic to
// another, in time order, get a half-life; the same votes in shuffled
// times, or imported without times, get none.
func TestTuneFeed(t *testing.T) {
	const topics, perTopic, users = 30, 20, 60
	r := rand.New(rand.NewPCG(1, 2))
	words := madeUpWords(r, topics*3+topics*perTopic)
	var papers []paperhound.Paper
	for tp := range topics {
		for k := range perTopic {
			// Three words of the topic and one of the paper's own.
			title := strings.Join(append(words[tp*3:tp*3+3:tp*3+3], words[topics*3+tp*perTopic+k]), " ")
			papers = append(papers, paperhound.Paper{ID: fmt.Sprintf("t%02d-%02d", tp, k), Title: title})
		}
	}
	// Each user upvotes five papers of one topic, then five of another.
	type upvote struct {
		user, paper string
	}
	var drift []upvote
	for u := range users {
		from, to := r.IntN(topics), r.IntN(topics)
		for to == from {
			to = r.IntN(topics)
		}
		for _, tp := range []int{from, to} {
			for _, k := range r.Perm(perTopic)[:5] {
				drift = append(drift, upvote{fmt.Sprint("u", u), fmt.Sprintf("t%02d-%02d", tp, k)})
			}
		}
	}
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		at        func(i int) time.Time // the i-th upvote's time
		wantUsers int
		wantDecay bool
	}{
		{"interests drift in time", func(i int) time.Time { return t0.Add(time.Duration(i) * time.Hour) }, users, true},
		{"shuffled times", func(int) time.Time { return t0.Add(time.Duration(r.IntN(1_000_000)) * time.Minute) }, users, false},
		{"imported without times", func(int) time.Time { return time.Time{} }, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			votes := make([]paperhound.Vote, len(drift))
			for i, v := range drift {
				votes[i] = paperhound.Vote{User: v.user, Paper: v.paper, Value: 1, At: tt.at(i)}
			}
			e := wordsEngine(t, papers, votes)
			ctx := context.Background()
			got, err := e.TuneFeed(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			if got.Users != tt.wantUsers || (got.Recency != recommend.Recency{}) != tt.wantDecay {
				t.Fatalf("tuned on %d users, recency %s (%s); want %d users, a half-life %v", got.Users, got.Recency, got, tt.wantUsers, tt.wantDecay)
			}
			t.Log(got)
			// Feeds now use what was chosen.
			feed := func(tuned bool, r recommend.Recency) string {
				w := recommend.DefaultFeedWeights
				w.TunedRecency, w.Recency = tuned, r
				recs, err := e.FeedWith(ctx, "u0", recommend.FeedOptions{Limit: 10}, w)
				if err != nil {
					t.Fatal(err)
				}
				return joinIDs(recs)
			}
			if tuned, chosen := feed(true, recommend.Recency{}), feed(false, got.Recency); tuned != chosen {
				t.Errorf("feed %s, want it ranked with the recency chosen: %s", tuned, chosen)
			}
			if none := feed(false, recommend.Recency{}); tt.wantDecay && none == feed(false, got.Recency) {
				t.Errorf("the half-life chosen changes nothing: %s", none)
			}

			// A restart over the same store ranks with it at once.
			restarted := recommend.New(e.Store(), index.NewMemory(), []recommend.Channel{{Embedder: embed.Words{}, Weight: 1}}, nil)
			if _, err := restarted.Load(ctx); err != nil {
				t.Fatal(err)
			}
			before, err := restarted.Feed(ctx, "u0", recommend.FeedOptions{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok, err := restarted.RestoreTuning(ctx); err != nil || !ok {
				t.Fatalf("restore: %v, %v; want the tuning saved", ok, err)
			}
			e = restarted
			if restored, chosen := feed(true, recommend.Recency{}), feed(false, got.Recency); restored != chosen {
				t.Errorf("restarted: feed %s, want it ranked with the recency chosen: %s", restored, chosen)
			}
			if ids := joinIDs(before); tt.wantDecay && ids == feed(true, recommend.Recency{}) {
				t.Errorf("restarted, before restoring: feed %s already ranked with the tuning", ids)
			}
		})
	}
}

// joinIDs is the ids of recs, in order, in one string.
func joinIDs(recs []recommend.Recommendation) string {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.Paper.ID
	}
	return strings.Join(ids, " ")
}
