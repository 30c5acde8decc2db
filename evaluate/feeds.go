package evaluate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/paperhound/paperhound"
)

// Split is one standard train/test split of the users' libraries: for each
// user, the items they "upvoted" that the engine may see, and the held-out
// items it should find.
type Split struct {
	Name        string
	Train, Test [][]int // by user id
	Times       VoteTimes
}

// VoteTimes is how a split's train votes are stamped.
type VoteTimes int

const (
	// ByItem stamps each vote with its item id, which is roughly
	// chronological (the standard splits).
	ByItem VoteTimes = iota
	// Untimed imports votes without times, so that the order of a user's
	// votes says nothing (random splits).
	Untimed
	// RandomTimes stamps each vote at a random moment: votes in an order,
	// as real users' are, that says nothing of what they want next.
	RandomTimes
)

// RandomSplit holds out a fifth of each library of five or more items,
// chosen at random from seed; the rest are the train items, untimed. Unlike
// the standard splits, where every held-out item has a higher id than the
// user's train items, nothing about order tells the two apart.
func RandomSplit(libraries [][]int, seed uint64) Split {
	s := randomSplit(libraries, rand.New(rand.NewPCG(seed, 0)))
	s.Name = fmt.Sprintf("random split (seed %d)", seed)
	return s
}

// RandomValidation carves a tuning split out of the train items alone, as
// RandomSplit carved the train items out of the libraries, from another
// random stream of the same seed. Tuning on it never looks at the test set.
func (s Split) RandomValidation(seed uint64) Split {
	v := randomSplit(s.Train, rand.New(rand.NewPCG(seed, 1)))
	v.Name = s.Name + " validation"
	return v
}

func randomSplit(libraries [][]int, r *rand.Rand) Split {
	s := Split{Train: make([][]int, len(libraries)), Test: make([][]int, len(libraries)), Times: Untimed}
	for u, lib := range libraries {
		items := slices.Clone(lib)
		r.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
		held := 0
		if len(items) >= 5 {
			held = int(math.Round(float64(len(items)) / 5))
		}
		s.Test[u], s.Train[u] = items[:held:held], items[held:]
	}
	return s
}

// Sample keeps the held-out items of n users chosen at random from seed
// among those with any, and drops the others' (their train votes stay, as
// evidence for the collaborative signal): a cheaper estimate of the same
// scores.
func (s Split) Sample(n int, seed uint64) Split {
	var users []int
	for u, items := range s.Test {
		if len(items) > 0 {
			users = append(users, u)
		}
	}
	if n >= len(users) {
		return s
	}
	r := rand.New(rand.NewPCG(seed, 2))
	r.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
	out := s
	out.Name = fmt.Sprintf("%s, %d users", s.Name, n)
	out.Test = make([][]int, len(s.Test))
	for _, u := range users[:n] {
		out.Test[u] = s.Test[u]
	}
	return out
}

// LoadSplit reads splits/cf-{train,test}-P-users.dat for P = "1" or "10".
func LoadSplit(dir, p string, items int) (Split, error) {
	s := Split{Name: "split " + p}
	var err error
	if s.Train, err = readLists(filepath.Join(dir, "splits", "cf-train-"+p+"-users.dat"), items); err != nil {
		return s, err
	}
	if s.Test, err = readLists(filepath.Join(dir, "splits", "cf-test-"+p+"-users.dat"), items); err != nil {
		return s, err
	}
	if len(s.Train) != len(s.Test) {
		return s, fmt.Errorf("split %s: %d train users but %d test users", p, len(s.Train), len(s.Test))
	}
	return s, nil
}

// Validation carves a tuning split out of the train split alone, the way the
// standard split was made: each user keeps their keep lowest item ids (their
// oldest) and the rest of their train items are held out. Tuning on it
// never looks at the test set.
func (s Split) Validation(keep int) Split {
	v := Split{Name: s.Name + " validation", Train: make([][]int, len(s.Train)), Test: make([][]int, len(s.Train)), Times: s.Times}
	for u, items := range s.Train {
		sorted := slices.Sorted(slices.Values(items))
		k := min(keep, len(sorted))
		v.Train[u], v.Test[u] = sorted[:k], sorted[k:]
	}
	return v
}

// FeedScores are the feed metrics of one method on one split.
type FeedScores struct {
	Users                   int
	R50, R100, R300, NDCG10 float64
}

// FeedRanker returns up to k item ids for user u, best first, never one of
// the user's train items.
type FeedRanker func(ctx context.Context, u int, k int) ([]string, error)

// RunFeeds ranks for every user with held-out items, with workers in parallel.
func RunFeeds(ctx context.Context, s Split, rank FeedRanker, workers int) (FeedScores, error) {
	r50, r100, r300, n10 := Scores{K: 50}, Scores{K: 100}, Scores{K: 300}, Scores{K: 10}
	users := make(chan int)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for u := range users {
				ranked, err := rank(ctx, u, 300)
				relevant := make(map[string]bool, len(s.Test[u]))
				for _, i := range s.Test[u] {
					relevant[strconv.Itoa(i)] = true
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				r50.Add(ranked, relevant)
				r100.Add(ranked, relevant)
				r300.Add(ranked, relevant)
				n10.Add(ranked, relevant)
				mu.Unlock()
			}
		})
	}
	for u := range s.Train {
		if ctx.Err() != nil || firstErr != nil {
			break
		}
		if len(s.Test[u]) > 0 {
			users <- u
		}
	}
	close(users)
	wg.Wait()
	out := FeedScores{Users: r50.Queries, R50: r50.Recall(), R100: r100.Recall(), R300: r300.Recall(), NDCG10: n10.NDCG()}
	if firstErr != nil {
		return out, firstErr
	}
	return out, ctx.Err()
}

// Votes are the split's train items as upvotes, user u named "u<u>",
// stamped as s.Times says; an untimed split's votes carry no time (the
// store stamps them all with the moment of the import).
func (s Split) Votes() []paperhound.Vote {
	var votes []paperhound.Vote
	r := rand.New(rand.NewPCG(1, 3))
	for u, items := range s.Train {
		for _, i := range items {
			v := paperhound.Vote{User: UserName(u), Paper: strconv.Itoa(i), Value: 1}
			switch s.Times {
			case ByItem:
				v.At = voteTime(i)
			case RandomTimes:
				v.At = voteTime(r.IntN(1_000_000))
			}
			votes = append(votes, v)
		}
	}
	return votes
}

// voteTime stamps a vote on item i: item ids are roughly chronological.
func voteTime(i int) time.Time {
	return time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
}

// UserName is the name user u gets in the store.
func UserName(u int) string { return "u" + strconv.Itoa(u) }

// Popularity ranks papers by their number of train upvotes, the
// popularity baseline.
func (s Split) Popularity() FeedRanker {
	counts := map[int]int{}
	for _, items := range s.Train {
		for _, i := range items {
			counts[i]++
		}
	}
	order := make([]int, 0, len(counts))
	for i := range counts {
		order = append(order, i)
	}
	slices.SortFunc(order, func(a, b int) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return a - b
	})
	return func(_ context.Context, u int, k int) ([]string, error) {
		seen := map[int]bool{}
		for _, i := range s.Train[u] {
			seen[i] = true
		}
		var out []string
		for _, i := range order {
			if len(out) == k {
				break
			}
			if !seen[i] {
				out = append(out, strconv.Itoa(i))
			}
		}
		return out, nil
	}
}
