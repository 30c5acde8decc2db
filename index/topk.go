package index

import "math"

// TopK keeps the k best hits pushed to it, in a min-heap whose root is the
// worst kept: the best k of n hits in O(n log k), without sorting them all.
type TopK struct {
	k    int
	heap []Hit
}

// NewTopK keeps the k best hits.
func NewTopK(k int) *TopK { return &TopK{k: k, heap: make([]Hit, 0, min(k, 1024))} }

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
	return len(t.heap) < t.k || score >= t.heap[0].Score
}

// Bar is the least score Admits admits: -Inf until k hits are kept.
func (t *TopK) Bar() float64 {
	if len(t.heap) < t.k {
		return math.Inf(-1)
	}
	return t.heap[0].Score
}

// Push offers h, kept if it is among the k best so far.
func (t *TopK) Push(h Hit) {
	if len(t.heap) < t.k {
		t.heap = append(t.heap, h)
		for i := len(t.heap) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(t.heap[i], t.heap[p]) {
				break
			}
			t.heap[i], t.heap[p] = t.heap[p], t.heap[i]
			i = p
		}
		return
	}
	if !worse(t.heap[0], h) {
		return
	}
	t.heap[0] = h
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t.heap) && worse(t.heap[l], t.heap[m]) {
			m = l
		}
		if r < len(t.heap) && worse(t.heap[r], t.heap[m]) {
			m = r
		}
		if m == i {
			return
		}
		t.heap[i], t.heap[m] = t.heap[m], t.heap[i]
		i = m
	}
}

// Sorted returns the hits kept, best first, ties by id (SortHits).
func (t *TopK) Sorted() []Hit {
	SortHits(t.heap)
	return t.heap
}
