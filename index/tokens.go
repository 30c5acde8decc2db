package index

import (
	"math/bits"
	"strings"
	"sync"

	"github.com/paperhound/paperhound/embed"
)

// tokenDocs is the forward store of a score-only space whose docs come with
// their tokens (embed.Vector.Tokens: the character channel). It keeps each
// doc's token ids, about a hundred, instead of its ~1,400 grams and their
// values, and each token's grams once for the whole index; a doc's vector
// is rebuilt from them exactly (embed.Sublinear), and a doc is scored
// against a query by counting its tokens' grams the query holds. At a
// million papers that is most of the index's memory saved.
type tokenDocs struct {
	ids   map[string]uint32 // token -> id
	names []string          // by id
	// Token id's grams, once per occurrence (embed.CharGrams), are the
	// space's terms grams[gramOff[id]:gramOff[id+1]] (indices in terms,
	// which a token space never renumbers).
	gramOff []int
	grams   arena[int32]
	// Slot s's token ids, in text order, are toks[off[s]:off[s+1]]; its
	// vector's values are embed.TFWeight(tf) * scale[s].
	off     []int
	toks    arena[uint32]
	scale   []float32
	scratch sync.Pool // *tokenScratch
}

func newTokenDocs() *tokenDocs {
	return &tokenDocs{ids: map[string]uint32{}, gramOff: []int{0}, off: []int{0}}
}

// tokenID is token's id, the token and its grams' terms added if new.
func (s *sparseSpace) tokenID(token string) uint32 {
	t := s.toks
	if id, ok := t.ids[token]; ok {
		return id
	}
	id := uint32(len(t.names))
	token = strings.Clone(token) // not the whole text it was cut from
	t.ids[token] = id
	t.names = append(t.names, token)
	for _, h := range embed.CharGrams(nil, token) {
		t.grams.push(s.termID(h))
	}
	t.gramOff = append(t.gramOff, t.grams.n)
	return id
}

// tokenVector rebuilds the vector of the doc at slot, bit for bit as
// embedded.
func (s *sparseSpace) tokenVector(slot int32) (v embed.Sparse, scale float32) {
	t := s.toks
	ids := t.toks.slice(t.off[slot], t.off[slot+1])
	n := 0
	for _, id := range ids {
		n += t.gramOff[id+1] - t.gramOff[id]
	}
	hashes := make([]uint32, 0, n)
	for _, id := range ids {
		for _, tid := range t.grams.slice(t.gramOff[id], t.gramOff[id+1]) {
			hashes = append(hashes, s.terms[tid].hash)
		}
	}
	return embed.Sublinear(hashes)
}

// addTokens indexes v at slot, a slot above every slot the space holds,
// by its tokens and scale; its vector, made of them, gives the document
// frequencies.
func (s *sparseSpace) addTokens(slot int32, v embed.Vector) {
	t := s.toks
	for len(t.off) <= int(slot) {
		t.off = append(t.off, t.toks.n)
		t.scale = append(t.scale, 0)
	}
	for _, token := range v.Tokens {
		t.toks.push(s.tokenID(token))
	}
	t.off = append(t.off, t.toks.n)
	t.scale = append(t.scale, v.Scale)
	for _, h := range v.Sparse.Indices {
		s.terms[s.tids[h]].df++
	}
}

// compact renumbers the docs' token ids as sparseSpace.compact does their
// vectors; the dictionary stays, as a vocabulary only grows so far.
func (t *tokenDocs) compact(newSlot []int32, slots int) *tokenDocs {
	c := &tokenDocs{ids: t.ids, names: t.names, gramOff: t.gramOff, grams: t.grams,
		off: make([]int, 1, slots+1), scale: make([]float32, 0, slots)}
	for old, ns := range newSlot {
		if ns < 0 {
			continue
		}
		if old+1 < len(t.off) {
			for i := t.off[old]; i < t.off[old+1]; i++ {
				c.toks.push(t.toks.at(i))
			}
			c.scale = append(c.scale, t.scale[old])
		} else {
			c.scale = append(c.scale, 0)
		}
		c.off = append(c.off, c.toks.n)
	}
	return c
}

// tokenScorer scores docs of a token space against one query's terms.
// Each token's grams are looked up in the query once per query, not once
// per doc holding it: a re-rank of a thousand papers meets the same words
// again and again. Its arrays are pooled, as a query's scores are.
type tokenScorer struct {
	s     *sparseSpace
	terms []queryTerm
	*tokenScratch
}

type tokenScratch struct {
	qpos    []int32  // by term: 1 + its index in the query's terms, or 0
	inQuery []uint64 // by term, a bit each: qpos is not 0 (a 32nd of its size, so it stays in cache)
	tokHits []int32  // by token id: 1 + the offset in hits of its entry, or 0
	hits    []int32  // per token looked up: n, then n indices in terms
	looked  []uint32 // the token ids looked up
	tf      []int32  // by index in terms: the doc's count
	seen    []uint64 // the indices in terms the doc holds, a bit each
}

func (s *sparseSpace) tokenScorer(terms []queryTerm) *tokenScorer {
	t := s.toks
	sc, _ := t.scratch.Get().(*tokenScratch)
	if sc == nil {
		sc = &tokenScratch{}
	}
	sc.qpos = grown(sc.qpos, len(s.terms))
	sc.inQuery = grown(sc.inQuery, (len(s.terms)+63)/64)
	sc.tokHits = grown(sc.tokHits, len(t.names))
	sc.tf = grown(sc.tf, len(terms))
	sc.seen = grown(sc.seen, (len(terms)+63)/64)
	for i, q := range terms {
		sc.qpos[q.tid] = int32(i + 1)
		sc.inQuery[q.tid>>6] |= 1 << (q.tid & 63)
	}
	return &tokenScorer{s: s, terms: terms, tokenScratch: sc}
}

// grown is xs with at least n zeroed entries.
func grown[T int32 | uint64](xs []T, n int) []T {
	if len(xs) < n {
		return make([]T, n+n/4)
	}
	return xs
}

// release zeroes what the scorer set and gives its scratch back.
func (ts *tokenScorer) release() {
	for _, q := range ts.terms {
		ts.qpos[q.tid] = 0
		ts.inQuery[q.tid>>6] = 0
	}
	for _, id := range ts.looked {
		ts.tokHits[id] = 0
	}
	ts.hits, ts.looked = ts.hits[:0], ts.looked[:0]
	ts.s.toks.scratch.Put(ts.tokenScratch)
	ts.tokenScratch = nil
}

// score is the doc's score at slot, summed in the order docScorer sums a
// stored vector's (query term by query term), so the two agree to the bit.
func (ts *tokenScorer) score(slot int32) float32 {
	t := ts.s.toks
	for _, id := range t.toks.slice(t.off[slot], t.off[slot+1]) {
		p := ts.tokHits[id]
		if p == 0 {
			p = ts.lookUp(id)
		}
		n := ts.hits[p-1]
		for _, i := range ts.hits[p : p+n] {
			ts.tf[i]++
			ts.seen[i>>6] |= 1 << (i & 63)
		}
	}
	scale := t.scale[slot]
	var sum float32
	for w, word := range ts.seen {
		for ; word != 0; word &= word - 1 {
			i := w<<6 | bits.TrailingZeros64(word)
			// As embed.Sublinear computes a value: rounded to float32
			// before it is multiplied by the query's weight.
			value := float32(embed.TFWeight(int(ts.tf[i])) * scale)
			sum += ts.terms[i].w * value
			ts.tf[i] = 0
		}
		ts.seen[w] = 0
	}
	return sum
}

// lookUp notes which of token id's grams the query holds, and returns
// 1 + the offset of that entry in hits.
func (ts *tokenScorer) lookUp(id uint32) int32 {
	t := ts.s.toks
	at := len(ts.hits)
	ts.hits = append(ts.hits, 0)
	for _, tid := range t.grams.slice(t.gramOff[id], t.gramOff[id+1]) {
		if ts.inQuery[tid>>6]&(1<<(tid&63)) != 0 {
			ts.hits = append(ts.hits, ts.qpos[tid]-1)
		}
	}
	ts.hits[at] = int32(len(ts.hits) - at - 1)
	ts.tokHits[id] = int32(at + 1)
	ts.looked = append(ts.looked, id)
	return int32(at + 1)
}
