package index

import (
	"math"
	"slices"

	"github.com/paperhound/paperhound/embed"
)

// A sparse space is an inverted list per term plus a forward store of each
// doc's vector (for Vectors and deletes), both compact:
//
//   - A posting is one uint32, slot<<8 | code: code picks the value from its
//     doc's own table of distinct values. A lexical vector weighs each term
//     1+ln tf over the vector's norm, so a paper's 1,500 terms share a few
//     dozen values, and a posting costs 4 bytes with its value exact. A doc
//     with more than 255 distinct values keeps the rest in wide (code 255).
//   - Slots only grow (Memory renumbers them when it compacts), so every
//     list is sorted by slot. A delete leaves its postings behind as
//     tombstones (the slot is dead), and a list drops them once they
//     outnumber its live ones: a delete costs its own terms, not the
//     lengths of their lists.
//   - The forward store is two arrays in chunks (arena), indexed by
//     offsets per slot; a doc's value table is ordered commonest first.
//   - A score-only space keeps no lists, only document frequencies and the
//     forward store: it scores the docs it is given (Filter.Only) by
//     merging their vectors with the query, and a search without Only
//     scores every doc that way.
const (
	inline   = 4 // values per slot in common
	slotBits = 24
	maxSlots = 1 << slotBits
	wideCode = 255
)

type term struct {
	hash uint32
	df   int32    // live docs holding the term
	post []uint32 // slot<<8 | code, by slot, dead slots included
}

type sparseSpace struct {
	tids  map[uint32]int32 // term hash -> index in terms
	terms []term
	docs  int // live docs with a vector here
	// Slot s holds a vector here when held has its bit; its terms are
	// hashes[off[s]:off[s+1]] with codes alike, its values
	// vals[voff[s]:voff[s+1]]. A dead slot's entries stay until compaction.
	off, voff []int
	hashes    arena[uint32]
	codes     arena[uint8]
	vals      []float32
	// common holds each slot's first inline values, its commonest (tf 1 to
	// 4 in a lexical vector): one cache line per doc, read for most
	// postings in place of the larger vals.
	common    []float32
	held      []uint64
	wide      map[uint64]float32 // slot<<32 | hash -> value, for code 255
	scoreOnly bool
	// toks, when set, holds the docs by their tokens instead (tokens.go),
	// and the arrays above stay empty.
	toks *tokenDocs
}

func newSparseSpace(scoreOnly, tokens bool) *sparseSpace {
	s := &sparseSpace{
		tids: map[uint32]int32{}, off: []int{0}, voff: []int{0},
		wide: map[uint64]float32{}, scoreOnly: scoreOnly,
	}
	if tokens {
		s.toks = newTokenDocs()
	}
	return s
}

func wideKey(slot int32, hash uint32) uint64 { return uint64(slot)<<32 | uint64(hash) }

func (s *sparseSpace) holds(slot int32) bool {
	i := int(slot) >> 6
	return i < len(s.held) && s.held[i]&(1<<(slot&63)) != 0
}

// add indexes v at slot, a slot above every slot the space holds: by its
// tokens in a token space, else by its sparse vector.
func (s *sparseSpace) add(slot int32, v embed.Vector) {
	if s.toks != nil {
		s.addTokens(slot, v)
	} else {
		s.addVector(slot, v.Sparse)
	}
	for len(s.held) <= int(slot)>>6 {
		s.held = append(s.held, 0)
	}
	s.held[slot>>6] |= 1 << (slot & 63)
	s.docs++
}

func (s *sparseSpace) addVector(slot int32, v embed.Sparse) {
	for len(s.off) <= int(slot) {
		s.off = append(s.off, s.hashes.n)
		s.voff = append(s.voff, len(s.vals))
		s.common = append(s.common, make([]float32, inline)...)
	}
	table := len(s.vals) // this doc's values start here
	start := s.codes.n
	var counts [wideCode + 1]int
	for i, h := range v.Indices {
		code := s.code(table, v.Values[i])
		if code == wideCode {
			s.wide[wideKey(slot, h)] = v.Values[i]
		}
		counts[code]++
		s.hashes.push(h)
		s.codes.push(code)
	}
	// Codes go by frequency, so the commonest values are read from common.
	values := s.vals[table:]
	byCount := make([]uint8, len(values))
	for c := range byCount {
		byCount[c] = uint8(c)
	}
	slices.SortStableFunc(byCount, func(a, b uint8) int { return counts[b] - counts[a] })
	var recode [wideCode + 1]uint8
	recode[wideCode] = wideCode
	sorted := make([]float32, len(values))
	for c, old := range byCount {
		recode[old] = uint8(c)
		sorted[c] = values[old]
	}
	copy(values, sorted)
	for i := start; i < s.codes.n; i++ {
		s.codes.set(i, recode[s.codes.at(i)])
	}
	s.common = append(s.common, values[:min(inline, len(values))]...)
	s.common = append(s.common, make([]float32, inline-min(inline, len(values)))...)
	for i, h := range v.Indices {
		code := s.codes.at(start + i)
		t := &s.terms[s.termID(h)]
		if !s.scoreOnly {
			t.post = append(t.post, uint32(slot)<<8|uint32(code))
		}
		t.df++
	}
	s.off = append(s.off, s.hashes.n)
	s.voff = append(s.voff, len(s.vals))
}

// termID is the index in terms of hash, added if new.
func (s *sparseSpace) termID(hash uint32) int32 {
	tid, ok := s.tids[hash]
	if !ok {
		tid = int32(len(s.terms))
		s.tids[hash] = tid
		s.terms = append(s.terms, term{hash: hash})
	}
	return tid
}

// code is x's code in the value table starting at vals[table], added if
// new: a lexical vector's values are few, and most are the first (tf 1),
// so a scan beats a map.
func (s *sparseSpace) code(table int, x float32) uint8 {
	bits := math.Float32bits(x)
	for i, y := range s.vals[table:] {
		if math.Float32bits(y) == bits {
			return uint8(i)
		}
	}
	n := len(s.vals) - table
	if n == wideCode {
		return wideCode
	}
	s.vals = append(s.vals, x)
	return uint8(n)
}

// value is the value of term hash in the vector at slot, by its code.
func (s *sparseSpace) value(slot int32, code uint8, hash uint32) float32 {
	switch {
	case code < inline:
		return s.common[int(slot)*inline+int(code)]
	case code == wideCode:
		return s.wide[wideKey(slot, hash)]
	}
	return s.vals[s.voff[slot]+int(code)]
}

// vector is the vector at slot as upserted; its indices are shared.
func (s *sparseSpace) vector(slot int32) (embed.Sparse, bool) {
	if !s.holds(slot) {
		return embed.Sparse{}, false
	}
	if s.toks != nil {
		v, _ := s.tokenVector(slot)
		return v, true
	}
	a, b := s.off[slot], s.off[slot+1]
	v := embed.Sparse{Indices: s.hashes.slice(a, b), Values: make([]float32, b-a)}
	for i, code := range s.codes.slice(a, b) {
		v.Values[i] = s.value(slot, code, v.Indices[i])
	}
	return v, true
}

// remove forgets the vector at slot, which alive already reports dead.
func (s *sparseSpace) remove(slot int32, alive func(int32) bool) {
	if !s.holds(slot) {
		return
	}
	s.held[slot>>6] &^= 1 << (slot & 63)
	s.docs--
	var hashes []uint32
	if s.toks != nil {
		v, _ := s.tokenVector(slot)
		hashes = v.Indices
	} else {
		hashes = s.hashes.slice(s.off[slot], s.off[slot+1])
	}
	for _, h := range hashes {
		t := &s.terms[s.tids[h]]
		t.df--
		if dead := len(t.post) - int(t.df); t.df == 0 || dead > int(t.df) && dead >= 16 {
			s.prune(t, alive)
		}
	}
}

// prune drops a list's dead postings.
func (s *sparseSpace) prune(t *term, alive func(int32) bool) {
	if t.df == 0 {
		t.post = nil
		return
	}
	live := make([]uint32, 0, t.df)
	for _, p := range t.post {
		if alive(int32(p >> 8)) {
			live = append(live, p)
		}
	}
	t.post = live
}

// compact renumbers the slots (newSlot[old], -1 for a dead one; it keeps
// their order, so lists stay sorted) into fresh arrays of exactly the size
// the live docs need, dropping every tombstone and every term left unused.
func (s *sparseSpace) compact(newSlot []int32, slots int) {
	if s.toks != nil {
		// Its tokens' grams name terms by index: they stay, and their
		// docs are renumbered.
		s.toks = s.toks.compact(newSlot, slots)
		s.held = s.renumberHeld(newSlot, slots)
		return
	}
	var terms []term
	tids := make(map[uint32]int32, len(s.tids))
	for _, t := range s.terms {
		if t.df == 0 {
			continue
		}
		var post []uint32
		if !s.scoreOnly {
			post = make([]uint32, 0, t.df)
		}
		for _, p := range t.post {
			if ns := newSlot[p>>8]; ns >= 0 {
				post = append(post, uint32(ns)<<8|p&0xff)
			}
		}
		tids[t.hash] = int32(len(terms))
		terms = append(terms, term{hash: t.hash, df: t.df, post: post})
	}
	var values int
	for old, ns := range newSlot {
		if ns >= 0 && s.holds(int32(old)) {
			values += s.voff[old+1] - s.voff[old]
		}
	}
	c := &sparseSpace{
		tids: tids, terms: terms, docs: s.docs,
		off: make([]int, 1, slots+1), voff: make([]int, 1, slots+1),
		vals: make([]float32, 0, values),
		held: s.renumberHeld(newSlot, slots), wide: map[uint64]float32{}, common: make([]float32, slots*inline),
		scoreOnly: s.scoreOnly,
	}
	for old, ns := range newSlot {
		if ns < 0 {
			continue
		}
		if s.holds(int32(old)) {
			a, b := s.off[old], s.off[old+1]
			for i := a; i < b; i++ {
				c.hashes.push(s.hashes.at(i))
				c.codes.push(s.codes.at(i))
			}
			c.vals = append(c.vals, s.vals[s.voff[old]:s.voff[old+1]]...)
			copy(c.common[int(ns)*inline:], s.common[old*inline:(old+1)*inline])
			for i := a; i < b; i++ {
				if s.codes.at(i) == wideCode {
					c.wide[wideKey(ns, s.hashes.at(i))] = s.wide[wideKey(int32(old), s.hashes.at(i))]
				}
			}
		}
		c.off = append(c.off, c.hashes.n)
		c.voff = append(c.voff, len(c.vals))
	}
	*s = *c
}

// renumberHeld is held with each slot moved to newSlot[slot].
func (s *sparseSpace) renumberHeld(newSlot []int32, slots int) []uint64 {
	held := make([]uint64, (slots+63)/64)
	for old, ns := range newSlot {
		if ns >= 0 && s.holds(int32(old)) {
			held[ns>>6] |= 1 << (ns & 63)
		}
	}
	return held
}

// chunkBits sizes an arena's chunks: 2^20 entries.
const chunkBits = 20

// arena is an append-only array in chunks: at a million papers the
// forward store is gigabytes, and growing one slice would copy it whole,
// holding both copies at once, and leave a quarter of it unused.
type arena[T any] struct {
	chunks [][]T
	n      int
}

func (a *arena[T]) push(x T) {
	// The first chunk grows as a slice does, so a small index stays small.
	if len(a.chunks) == 0 || len(a.chunks[len(a.chunks)-1]) == 1<<chunkBits {
		var c []T
		if len(a.chunks) > 0 {
			c = make([]T, 0, 1<<chunkBits)
		}
		a.chunks = append(a.chunks, c)
	}
	last := &a.chunks[len(a.chunks)-1]
	*last = append(*last, x)
	a.n++
}

func (a *arena[T]) at(i int) T     { return a.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }
func (a *arena[T]) set(i int, x T) { a.chunks[i>>chunkBits][i&(1<<chunkBits-1)] = x }

// slice is entries [i, j): shared, capped so that an append cannot write
// into the arena, when they lie in one chunk; a copy when they straddle two.
func (a *arena[T]) slice(i, j int) []T {
	if i == j {
		return nil
	}
	if i>>chunkBits == (j-1)>>chunkBits {
		c := a.chunks[i>>chunkBits]
		lo, hi := i&(1<<chunkBits-1), (j-1)&(1<<chunkBits-1)+1
		return c[lo:hi:hi]
	}
	out := make([]T, j-i)
	for k := range out {
		out[k] = a.at(i + k)
	}
	return out
}
