package index

import (
	"bytes"
	"math"
)

// TopK keeps the k best hits pushed to it, in a min-heap whose root is the
// worst kept: the best k of n hits in O(n log k), without sorting them all.
type TopK struct{ h heapK[Hit] }

// NewTopK keeps the k best hits.
func NewTopK(k int) *TopK {
	return &TopK{heapK[Hit]{k: k, items: make([]Hit, 0, min(k, 1024)), worse: worse}}
}

// worse orders hits so that ties in score rank by id, as SortHits does.
func worse(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.ID > b.ID
}

// Admits says whether a hit of this score could be kept (one tying the
// worst kept may be, by its id): a caller checks it before the costlier
// work of filtering and naming a hit.
func (t *TopK) Admits(score float64) bool {
	return !t.h.full() || score >= t.h.items[0].Score
}

// Push offers h, kept if it is among the k best so far.
func (t *TopK) Push(h Hit) { t.h.push(h) }

// Sorted returns the hits kept, best first, ties by id (SortHits).
func (t *TopK) Sorted() []Hit {
	SortHits(t.h.items)
	return t.h.items
}

// slotTop is TopK over the index's slots, ties ranked by id as TopK ranks
// them: a scan names only the k docs it keeps, not each doc that passed
// the bar on the way (at a million papers a top 300 takes some 2,400
// pushes, and naming each was a tenth of a search).
type slotTop struct {
	h   heapK[slotHit]
	ids *docIDs
}

type slotHit struct {
	score float64
	slot  int32
}

func newSlotTop(k int, ids *docIDs) *slotTop {
	t := &slotTop{ids: ids}
	t.h = heapK[slotHit]{k: k, items: make([]slotHit, 0, min(k, 1024)), worse: func(a, b slotHit) bool {
		if a.score != b.score {
			return a.score < b.score
		}
		return bytes.Compare(ids.bytesOf(a.slot), ids.bytesOf(b.slot)) > 0
	}}
	return t
}

func (t *slotTop) admits(score float64) bool { return !t.h.full() || score >= t.h.items[0].score }

// bar is the least score admits admits: -Inf until k slots are kept.
func (t *slotTop) bar() float64 {
	if !t.h.full() {
		return math.Inf(-1)
	}
	return t.h.items[0].score
}

func (t *slotTop) push(slot int32, score float64) { t.h.push(slotHit{score, slot}) }

// hits names the slots kept, best first, ties by id.
func (t *slotTop) hits() []Hit {
	out := make([]Hit, len(t.h.items))
	for i, x := range t.h.items {
		out[i] = Hit{ID: t.ids.id(x.slot), Score: x.score}
	}
	SortHits(out)
	return out
}

// heapK keeps the k best items pushed to it, in a min-heap by worse whose
// root is the worst kept.
type heapK[T any] struct {
	k     int
	items []T
	worse func(a, b T) bool
}

func (h *heapK[T]) full() bool { return len(h.items) >= h.k }

func (h *heapK[T]) push(x T) {
	if !h.full() {
		h.items = append(h.items, x)
		for i := len(h.items) - 1; i > 0; {
			p := (i - 1) / 2
			if !h.worse(h.items[i], h.items[p]) {
				break
			}
			h.items[i], h.items[p] = h.items[p], h.items[i]
			i = p
		}
		return
	}
	if !h.worse(h.items[0], x) {
		return
	}
	h.items[0] = x
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h.items) && h.worse(h.items[l], h.items[m]) {
			m = l
		}
		if r < len(h.items) && h.worse(h.items[r], h.items[m]) {
			m = r
		}
		if m == i {
			return
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
}
