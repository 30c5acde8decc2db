package recommend

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
	"golang.org/x/sync/errgroup"
)

// Whether a user's newest upvotes say more of what they want next than
// their older ones depends on the users: where interests drift it does,
// where votes were imported without times or read in no particular order
// it does not, and weighing the newest most then throws a library away.
// So the engine measures it on its own votes rather than assume it.
var (
	// recencyCandidates are what TuneFeed tries against none: half-lives
	// in time and in upvotes, over the spans and library sizes users have.
	recencyCandidates = []Recency{{HalfLife: 365 * 24 * time.Hour}, {HalfLife: 90 * 24 * time.Hour}, {HalfLife: 30 * 24 * time.Hour},
		{Upvotes: 10}, {Upvotes: 5}, {Upvotes: 3}, {Upvotes: 2}}
	// tuneUsers is how many users' newest upvotes TuneFeed holds out at most,
	// and tuneMinUsers how many it needs to decide anything.
	tuneUsers, tuneMinUsers = 1000, 50
	// tuneMinT is how far, in standard errors, a half-life's mean gain
	// over none must be to be chosen: seven candidates are compared, and
	// a chance gain would weigh down every feed.
	tuneMinT = 2.5
)

// FeedTuning is what TuneFeed measured and chose.
type FeedTuning struct {
	Users   int       // users whose newest upvotes were held out
	Recency Recency   // the one chosen
	NDCG    []float64 // mean nDCG@10 of the held-out upvotes: none, then each of Candidates
	// Candidates are the weightings tried, and T their mean gain in
	// nDCG@10 over none, in standard errors.
	Candidates []Recency
	T          []float64
}

func (t FeedTuning) String() string {
	if t.Users < tuneMinUsers {
		return fmt.Sprintf("%d users with upvotes in time order, fewer than the %d needed: no recency weighting", t.Users, tuneMinUsers)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d users' newest fifth of upvotes held out, nDCG@10 with half-lives of none %.3f", t.Users, t.NDCG[0])
	for i, c := range t.Candidates {
		fmt.Fprintf(&b, ", %s %.3f (t %.1f)", c, t.NDCG[i+1], t.T[i])
	}
	fmt.Fprintf(&b, ": %s chosen", t.Recency)
	return b.String()
}

// TuneFeed chooses how much more a user's newest upvotes weigh in their
// feed (FeedWeights.Recency), from the votes the engine holds: it holds
// out the newest fifth of the upvotes of a sample of users whose upvotes
// were cast one after another, ranks each one's feed from the rest with no
// recency weighting and with each candidate, and keeps the one whose feeds
// put the held-out upvotes highest, if it beats none by more than chance.
// Feeds with FeedWeights.TunedRecency (the default) then use it. It costs
// eight feeds per user sampled, ranked by workers goroutines: a server
// keeps its other cores for requests.
//
// The held-out upvotes stay in the vote graph, where they count towards
// their papers' popularity; every candidate sees the same, so the
// comparison stays fair.
func (e *Engine) TuneFeed(ctx context.Context, workers int) (FeedTuning, error) {
	t := FeedTuning{Candidates: recencyCandidates}
	// A fixed order of hashed names: the same votes give the same sample,
	// and it favours no one.
	type named struct {
		hash uint64
		name string
	}
	var users []named
	for _, name := range e.votes.users() {
		h := fnv.New64a()
		h.Write([]byte(name))
		users = append(users, named{h.Sum64(), name})
	}
	slices.SortFunc(users, func(a, b named) int {
		return cmp.Or(cmp.Compare(a.hash, b.hash), strings.Compare(a.name, b.name))
	})
	type carve struct {
		user    string
		kept    []paperhound.Vote
		heldOut map[string]bool
	}
	var carves []carve
	for _, u := range users {
		if len(carves) == tuneUsers {
			break
		}
		if kept, heldOut, ok := holdOutNewest(e.votes.votes(u.name)); ok {
			carves = append(carves, carve{u.name, kept, heldOut})
		}
	}
	t.Users = len(carves)
	if t.Users < tuneMinUsers {
		return t, e.keepTuning(ctx, t)
	}
	// scores[u][i]: user u's nDCG@10 with no recency weighting (i = 0)
	// and with each candidate.
	scores := make([][]float64, len(carves))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, workers))
	for u, c := range carves {
		scores[u] = make([]float64, len(t.Candidates)+1)
		g.Go(func() error {
			w := DefaultFeedWeights
			for i := range scores[u] {
				w.Recency, w.TunedRecency = Recency{}, false
				if i > 0 {
					w.Recency = t.Candidates[i-1]
				}
				recs, err := e.feed(gctx, c.user, c.kept, FeedOptions{Limit: 10}, w)
				if err != nil {
					return fmt.Errorf("tune the feed: %w", err)
				}
				scores[u][i] = ndcg(recs, c.heldOut, 10)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return t, err
	}
	t.NDCG = make([]float64, len(t.Candidates)+1)
	t.T = make([]float64, len(t.Candidates))
	for i := range t.NDCG {
		gains := make([]float64, len(scores))
		for u, s := range scores {
			t.NDCG[i] += s[i] / float64(len(scores))
			gains[u] = s[i] - s[0]
		}
		if i > 0 {
			t.T[i-1] = tStat(gains)
		}
	}
	best := -1
	for i := range t.Candidates {
		if t.T[i] >= tuneMinT && (best < 0 || t.NDCG[i+1] > t.NDCG[best+1]) {
			best = i
		}
	}
	if best >= 0 {
		t.Recency = t.Candidates[best]
	}
	return t, e.keepTuning(ctx, t)
}

// holdOutNewest splits a user's votes, oldest first, into those kept and the
// newest fifth of their upvotes (one at least) held out; ok is false unless
// they have five upvotes or more, the held-out ones cast after all the kept
// ones, and the kept ones at more than one moment.
func holdOutNewest(votes []paperhound.Vote) (kept []paperhound.Vote, heldOut map[string]bool, ok bool) {
	var ups []paperhound.Vote
	for _, v := range votes {
		if v.Value > 0 {
			ups = append(ups, v)
		}
	}
	if len(ups) < 5 {
		return nil, nil, false
	}
	cut := len(ups) - max(1, len(ups)/5)
	if !ups[cut].At.After(ups[cut-1].At) || ups[0].At.Equal(ups[cut-1].At) {
		return nil, nil, false
	}
	heldOut = make(map[string]bool, len(ups)-cut)
	for _, v := range ups[cut:] {
		heldOut[v.Paper] = true
	}
	kept = slices.DeleteFunc(slices.Clone(votes), func(v paperhound.Vote) bool { return heldOut[v.Paper] })
	return kept, heldOut, true
}

// ndcg is the nDCG@k of recs against the relevant papers.
func ndcg(recs []Recommendation, relevant map[string]bool, k int) float64 {
	var dcg, ideal float64
	for i := range recs[:min(k, len(recs))] {
		if relevant[recs[i].Paper.ID] {
			dcg += 1 / math.Log2(float64(i+2))
		}
	}
	for i := range min(k, len(relevant)) {
		ideal += 1 / math.Log2(float64(i+2))
	}
	if ideal == 0 {
		return 0
	}
	return dcg / ideal
}

// tStat is the mean of xs over its standard error; 0 when they are all 0.
func tStat(xs []float64) float64 {
	n := float64(len(xs))
	var mean, ss float64
	for _, x := range xs {
		mean += x / n
	}
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	se := math.Sqrt(ss / (n - 1) / n)
	if se == 0 {
		return 0
	}
	return mean / se
}

// keepTuning makes feeds use what t chose, and saves it for the next
// start (RestoreTuning).
func (e *Engine) keepTuning(ctx context.Context, t FeedTuning) error {
	e.setTunedRecency(t.Recency)
	if err := e.store.SaveFeedTuning(ctx, schema.FeedTuning{HalfLife: t.Recency.HalfLife, Upvotes: t.Recency.Upvotes, Users: t.Users}); err != nil {
		return fmt.Errorf("tune the feed: %w", err)
	}
	return nil
}

// RestoreTuning makes feeds use the tuning the store saved last, and
// returns when it was made; ok is false when there is none.
func (e *Engine) RestoreTuning(ctx context.Context) (at time.Time, ok bool, err error) {
	t, ok, err := e.store.FeedTuning(ctx)
	if err != nil || !ok {
		return time.Time{}, ok, err
	}
	e.setTunedRecency(Recency{HalfLife: t.HalfLife, Upvotes: t.Upvotes})
	return t.At, true, nil
}

func (e *Engine) tunedRecency() Recency {
	if r := e.recency.Load(); r != nil {
		return *r
	}
	return Recency{}
}

func (e *Engine) setTunedRecency(r Recency) { e.recency.Store(&r) }
