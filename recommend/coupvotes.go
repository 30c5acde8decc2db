package recommend

import (
	"math"
	"slices"
	"sync"
	"time"

	"github.com/paperhound/paperhound"
)

// voteGraph holds every vote in memory, by user and by paper, for the
// collaborative signal: papers upvoted by the same people. It is rebuilt
// from the store at start-up and kept in step as votes are cast.
type voteGraph struct {
	mu       sync.RWMutex
	paperIdx map[string]int32
	papers   []string
	userIdx  map[string]int32
	byUser   [][]userVote // by user index
	upvoters [][]int32    // by paper index: users who upvoted it
}

type userVote struct {
	paper int32
	value int8
	at    time.Time
}

func newVoteGraph() *voteGraph {
	return &voteGraph{paperIdx: map[string]int32{}, userIdx: map[string]int32{}}
}

// replace swaps in the votes of fresh, built aside so that queries wait
// only for the swap.
func (g *voteGraph) replace(fresh *voteGraph) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.paperIdx, g.papers, g.userIdx = fresh.paperIdx, fresh.papers, fresh.userIdx
	g.byUser, g.upvoters = fresh.byUser, fresh.upvoters
}

func (g *voteGraph) paper(id string) int32 {
	i, ok := g.paperIdx[id]
	if !ok {
		i = int32(len(g.papers))
		g.paperIdx[id] = i
		g.papers = append(g.papers, id)
		g.upvoters = append(g.upvoters, nil)
	}
	return i
}

func (g *voteGraph) user(name string) int32 {
	u, ok := g.userIdx[name]
	if !ok {
		u = int32(len(g.byUser))
		g.userIdx[name] = u
		g.byUser = append(g.byUser, nil)
	}
	return u
}

// set records a vote, replacing the user's earlier vote on the paper; a
// value of 0 removes it.
func (g *voteGraph) set(v paperhound.Vote) {
	g.mu.Lock()
	defer g.mu.Unlock()
	u, p := g.user(v.User), g.paper(v.Paper)
	votes := g.byUser[u]
	if i := slices.IndexFunc(votes, func(x userVote) bool { return x.paper == p }); i >= 0 {
		if votes[i].value > 0 {
			g.upvoters[p] = slices.DeleteFunc(g.upvoters[p], func(x int32) bool { return x == u })
		}
		votes = slices.Delete(votes, i, i+1)
	}
	if v.Value != 0 {
		votes = append(votes, userVote{paper: p, value: int8(v.Value), at: v.At})
		if v.Value > 0 {
			g.upvoters[p] = append(g.upvoters[p], u)
		}
	}
	g.byUser[u] = votes
}

// votes returns a user's votes, oldest first.
func (g *voteGraph) votes(user string) []paperhound.Vote {
	g.mu.RLock()
	defer g.mu.RUnlock()
	u, ok := g.userIdx[user]
	if !ok {
		return nil
	}
	out := make([]paperhound.Vote, len(g.byUser[u]))
	for i, v := range g.byUser[u] {
		out[i] = paperhound.Vote{User: user, Paper: g.papers[v.paper], Value: int(v.value), At: v.at}
	}
	slices.SortStableFunc(out, func(a, b paperhound.Vote) int { return a.At.Compare(b.At) })
	return out
}

// upvotes is how many users upvoted each paper, for popularity.
func (g *voteGraph) upvotes(id string) int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if p, ok := g.paperIdx[id]; ok {
		return len(g.upvoters[p])
	}
	return 0
}

// coUpvoted scores papers by how often the people who upvoted the seeds
// also upvoted them, where a user who upvotes a lot counts less (1/ln(2 +
// library size)), divided by the square root of the seed's upvoters and
// by the candidate's upvoters to the power candidateDamping, summed over
// seeds with their weights. skip is a user whose own votes don't count (the
// user the feed is for).
func (g *voteGraph) coUpvoted(seeds map[string]float64, skip string) map[string]float64 {
	g.mu.RLock()
	defer g.mu.RUnlock()
	skipU, hasSkip := g.userIdx[skip]
	acc := map[int32]float64{}
	for id, w := range seeds {
		i, ok := g.paperIdx[id]
		if !ok || len(g.upvoters[i]) == 0 {
			continue
		}
		ni := float64(len(g.upvoters[i]))
		for _, u := range g.upvoters[i] {
			if hasSkip && u == skipU {
				continue
			}
			lib := g.byUser[u]
			cu := w / math.Log(2+float64(len(lib))) / math.Sqrt(ni)
			for _, v := range lib {
				if v.value > 0 && v.paper != i {
					acc[v.paper] += cu
				}
			}
		}
	}
	out := make(map[string]float64, len(acc))
	for j, s := range acc {
		out[g.papers[j]] = s / math.Pow(float64(len(g.upvoters[j])), candidateDamping)
	}
	return out
}

// candidateDamping is how hard a candidate's own popularity discounts its
// co-upvotes: 0.5 would make the score a cosine. The softer 0.3 was chosen
// on the even half of citeulike-a's query papers, where co-upvotes alone
// rose from .360 to .377 recall@10 (abstracts) and .146 to .161 (titles).
const candidateDamping = 0.3
