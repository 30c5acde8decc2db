package index

import (
	"slices"
	"strings"

	"github.com/paperhound/paperhound/embed"
)

// tokenDocs is the forward store of a score-only space whose docs come with
// their tokens (embed.Vector.Tokens: the character channel). It keeps each
// doc's token ids, about a hundred, instead of its ~1,400 grams and their
// values, and each token's grams once for the whole index; a doc's vector
// is rebuilt from them exactly (embed.Sublinear), and a doc is scored
// against a query by counting its tokens' grams the query holds. At a
// million papers this is most of the index's memory saved: 7 GB of grams
// and codes against under 1 GB of token ids.
type tokenDocs struct {
	ids   map[string]uint32 // token -> id
	names []string          // by id
	// Token id's grams are grams[gramOff[id]:gramOff[id+1]], once per
	// occurrence (embed.CharGrams).
	gramOff []int
	grams   arena[uint32]
	// Slot s's token ids, in text order, are toks[off[s]:off[s+1]]; its
	// vector's values are embed.TFWeight(tf) * scale[s].
	off   []int
	toks  arena[uint32]
	scale []float32
}

func newTokenDocs() *tokenDocs {
	return &tokenDocs{ids: map[string]uint32{}, gramOff: []int{0}, off: []int{0}}
}

// id is token's id, the token added if new.
func (t *tokenDocs) id(token string) uint32 {
	if id, ok := t.ids[token]; ok {
		return id
	}
	id := uint32(len(t.names))
	token = strings.Clone(token) // not the whole text it was cut from
	t.ids[token] = id
	t.names = append(t.names, token)
	for _, g := range embed.CharGrams(nil, token) {
		t.grams.push(g)
	}
	t.gramOff = append(t.gramOff, t.grams.n)
	return id
}

// gramsOf appends the grams of the doc at slot to dst, once per
// occurrence.
func (t *tokenDocs) gramsOf(dst []uint32, slot int32) []uint32 {
	for _, id := range t.toks.slice(t.off[slot], t.off[slot+1]) {
		dst = append(dst, t.grams.slice(t.gramOff[id], t.gramOff[id+1])...)
	}
	return dst
}

// vector rebuilds the vector of the doc at slot, bit for bit as embedded.
func (t *tokenDocs) vector(slot int32) embed.Sparse {
	v, _ := embed.Sublinear(t.gramsOf(nil, slot))
	return v
}

// addTokens indexes tokens at slot, a slot above every slot the space holds.
func (s *sparseSpace) addTokens(slot int32, tokens []string) {
	t := s.toks
	for len(t.off) <= int(slot) {
		t.off = append(t.off, t.toks.n)
		t.scale = append(t.scale, 0)
	}
	for _, token := range tokens {
		t.toks.push(t.id(token))
	}
	t.off = append(t.off, t.toks.n)
	v, scale := embed.Sublinear(t.gramsOf(nil, slot))
	t.scale = append(t.scale, scale)
	for _, h := range v.Indices {
		tid, ok := s.tids[h]
		if !ok {
			tid = int32(len(s.terms))
			s.tids[h] = tid
			s.terms = append(s.terms, term{hash: h})
		}
		s.terms[tid].df++
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
// again and again.
type tokenScorer struct {
	s     *sparseSpace
	terms []queryTerm
	at    map[uint32]int32   // gram -> its index in terms
	hits  map[uint32][]int32 // token id -> indices in terms of its grams
	tf    []int32            // by index in terms: the doc's count
	seen  []int32            // indices in terms with a count
}

func (s *sparseSpace) tokenScorer(terms []queryTerm) *tokenScorer {
	at := make(map[uint32]int32, len(terms))
	for i, q := range terms {
		at[q.hash] = int32(i)
	}
	return &tokenScorer{s: s, terms: terms, at: at, hits: map[uint32][]int32{}, tf: make([]int32, len(terms))}
}

// score is the doc's score at slot, summed in the order scoreDoc sums a
// stored vector's (query term by query term), so the two agree to the bit.
func (ts *tokenScorer) score(slot int32) float32 {
	t := ts.s.toks
	for _, id := range t.toks.slice(t.off[slot], t.off[slot+1]) {
		hits, ok := ts.hits[id]
		if !ok {
			for _, g := range t.grams.slice(t.gramOff[id], t.gramOff[id+1]) {
				if i, ok := ts.at[g]; ok {
					hits = append(hits, i)
				}
			}
			ts.hits[id] = hits
		}
		for _, i := range hits {
			if ts.tf[i] == 0 {
				ts.seen = append(ts.seen, i)
			}
			ts.tf[i]++
		}
	}
	slices.Sort(ts.seen)
	scale := t.scale[slot]
	var sum float32
	for _, i := range ts.seen {
		// As embed.Sublinear computes a value: rounded to float32 before
		// it is multiplied by the query's weight.
		value := float32(embed.TFWeight(int(ts.tf[i])) * scale)
		sum += ts.terms[i].w * value
		ts.tf[i] = 0
	}
	ts.seen = ts.seen[:0]
	return sum
}
