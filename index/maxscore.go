package index

import (
	"container/heap"
	"slices"
	"sort"

	"github.com/paperhound/paperhound/embed"
)

// top finds the sparse space's best hits for q by MaxScore: document at a
// time over lists sorted by slot, visiting only the docs of the
// "essential" lists, those whose bounds could still lift a doc above the
// worst kept hit, and probing the other lists for a doc only while its
// bound says it may yet make it. The answer is exactly that of scoring
// every posting: a doc is skipped only when a bound proves it cannot enter,
// and a doc's score is summed in float32 in the query's term order, as
// ever, so that it is the same to the last bit.
func (s *sparseSpace) top(q embed.Sparse, maxDocFreq float64, keep func(int32) bool, top *topK, id func(int32) string) {
	n := float64(s.docs)
	// A short query is cheap, and its every word may be common ("neural
	// networks"): only long queries (a whole paper) lose frequent terms.
	drop := maxDocFreq > 0 && len(q.Indices) > shortQueryTerms
	var cs []cursor
	summands := 0
	for i, h := range q.Indices {
		tid, ok := s.tids[h]
		if !ok {
			continue
		}
		t := &s.terms[tid]
		df := float64(t.df)
		if df == 0 || drop && df > maxDocFreq*n && df > minDroppedDocFreq {
			continue
		}
		w := float32(float64(q.Values[i]) * IDF(n, df))
		// The largest contribution of one posting: float32 products round
		// monotonically, so no posting's product exceeds it.
		ub := max(float64(w*t.hi), float64(w*t.lo), 0) * float64(t.rep)
		cs = append(cs, cursor{post: t.post, w: w, hash: h, qi: int32(i), ub: ub})
		summands += int(t.rep)
	}
	if len(cs) == 0 {
		return
	}
	// A float32 sum of nonnegative summands exceeds their exact sum by
	// under a relative 2^-24 per addition; margin covers that, and the
	// float64 sums of the bounds, with room to spare.
	margin := 1 + float64(summands+2)*0x1p-23
	// order lists the cursors by bound, smallest first; prefix[j] is the
	// sum of the first j bounds: a doc found in none of the others scores
	// at most prefix[j] (times margin).
	order := make([]int, len(cs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return cs[order[a]].ub < cs[order[b]].ub })
	prefix := make([]float64, len(cs)+1)
	for j, c := range order {
		prefix[j+1] = prefix[j] + cs[c].ub
	}
	// The first essential cursors in order are the non-essential ones.
	essential := 0
	queue := &cursorQueue{cs: cs}
	rebuild := func() {
		queue.at = queue.at[:0]
		for _, c := range order[essential:] {
			if !cs[c].done() {
				queue.at = append(queue.at, c)
			}
		}
		heap.Init(queue)
	}
	rebuild()
	var found []summand
	for len(queue.at) > 0 {
		d := cs[queue.at[0]].slot()
		ok := keep(d)
		found = found[:0]
		var sum float64 // of the found summands' positive parts
		for len(queue.at) > 0 && cs[queue.at[0]].slot() == d {
			c := &cs[queue.at[0]]
			for ; !c.done() && c.slot() == d; c.pos++ {
				if ok {
					x := c.w * s.value(d, uint8(c.post[c.pos]), c.hash)
					found = append(found, summand{c.qi, x})
					sum += max(float64(x), 0)
				}
			}
			if c.done() {
				heap.Pop(queue)
			} else {
				heap.Fix(queue, 0)
			}
		}
		if !ok {
			continue
		}
		full := len(top.heap) == top.k
		if full && (sum+prefix[essential])*margin < top.heap[0].Score {
			continue
		}
		skip := false
		for j := essential - 1; j >= 0 && !skip; j-- {
			c := &cs[order[j]]
			c.seek(d)
			for ; !c.done() && c.slot() == d; c.pos++ {
				x := c.w * s.value(d, uint8(c.post[c.pos]), c.hash)
				found = append(found, summand{c.qi, x})
				sum += max(float64(x), 0)
			}
			skip = full && (sum+prefix[j])*margin < top.heap[0].Score
		}
		if skip {
			continue
		}
		// Sum in query order, and within a term in posting order: the
		// order the exhaustive scorer adds them in.
		slices.SortStableFunc(found, func(a, b summand) int { return int(a.qi - b.qi) })
		var score float32
		for _, f := range found {
			score += f.x
		}
		if score == 0 {
			continue
		}
		top.push(Hit{ID: id(d), Score: float64(score)})
		if len(top.heap) < top.k {
			continue
		}
		was := essential
		for essential < len(cs) && prefix[essential+1]*margin < top.heap[0].Score {
			essential++
		}
		if essential != was {
			rebuild()
		}
	}
}

type summand struct {
	qi int32
	x  float32
}

// cursor walks one query term's list.
type cursor struct {
	post []uint32
	pos  int
	w    float32
	hash uint32
	qi   int32   // the term's place in the query
	ub   float64 // the most the term adds to a doc's score
}

func (c *cursor) done() bool  { return c.pos == len(c.post) }
func (c *cursor) slot() int32 { return int32(c.post[c.pos] >> 8) }

// seek moves to the first posting of a slot at or past d: galloping, as
// the slot sought is most often near.
func (c *cursor) seek(d int32) {
	if c.done() || c.slot() >= d {
		return
	}
	step := 1
	lo := c.pos
	for lo+step < len(c.post) && int32(c.post[lo+step]>>8) < d {
		lo += step
		step *= 2
	}
	hi := min(lo+step, len(c.post))
	c.pos = lo + sort.Search(hi-lo, func(i int) bool { return int32(c.post[lo+i]>>8) >= d })
}

// cursorQueue is a min-heap of cursors (indices into cs) by slot.
type cursorQueue struct {
	cs []cursor
	at []int
}

func (q *cursorQueue) Len() int           { return len(q.at) }
func (q *cursorQueue) Less(i, j int) bool { return q.cs[q.at[i]].slot() < q.cs[q.at[j]].slot() }
func (q *cursorQueue) Swap(i, j int)      { q.at[i], q.at[j] = q.at[j], q.at[i] }
func (q *cursorQueue) Push(x any)         { q.at = append(q.at, x.(int)) }
func (q *cursorQueue) Pop() any {
	x := q.at[len(q.at)-1]
	q.at = q.at[:len(q.at)-1]
	return x
}
