package index

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"

	"github.com/paperhound/paperhound/embed"
)

// A sparse space is an inverted list per term plus a forward store of each
// doc's vector (for Vectors and deletes), both compact:
//
//   - A doc's value for a term is unscaled(code) times the doc's scale. A
//     lexical vector (embed.Vector.Scale) weighs each term TFWeight(tf)
//     times its scale, so its code is tf-1 and its values come back exact;
//     any other vector has scale 1 and keeps its values in wide (code
//     255), as does a term found over 255 times.
//   - A posting is one uint32, slot<<8 | code. Scoring sums a doc's query
//     weights times unscaled(code), from a table of 256 values, and scales
//     the sum once: the postings loop reads nothing of a doc but its score
//     (at a million papers, reading each posting's value from its doc made
//     a whole-paper query 2.3 times slower).
//   - Slots only grow (Memory renumbers them when it compacts), so every
//     list is sorted by slot. A delete leaves its postings behind as
//     tombstones (the slot is dead), and a list drops them once they
//     outnumber its live ones: a delete costs its own terms, not the
//     lengths of their lists.
//   - The forward store is one byte arena: a doc's terms by their index in
//     terms, ascending, each the uvarint of its gap from the last <<1 |
//     (code != 0), then its code when not 0 (tf 1 is most terms): 1.5
//     bytes a term at a million papers, against 5 for a hash and a code.
//   - A score-only space keeps no lists, only document frequencies and the
//     forward store: it scores the docs it is given (Filter.Only) by
//     looking up the query's terms in their vectors, and a search without
//     Only scores every doc that way.
const (
	slotBits = 24
	maxSlots = 1 << slotBits
	wideCode = 255
)

// unscaled is the value of each code below wideCode: TFWeight(code+1).
var unscaled = func() (t [wideCode + 1]float32) {
	for c := range wideCode {
		t[c] = embed.TFWeight(c + 1)
	}
	return t
}()

type term struct {
	hash uint32
	df   int32 // live docs holding the term
	// Its postings are packed[at:at+n], with room for cap, or
	// loose[loose-1] once they outgrew it (post).
	n, cap, loose uint32
	at            int
}

type sparseSpace struct {
	tids  map[uint32]int32 // term hash -> index in terms
	terms []term
	// The postings (slot<<8 | code, by slot, dead slots included) of every
	// term as the last pack left them, end to end, and the lists changed
	// since. At a million papers the words space has two million terms: a
	// slice each was two million pointers, and nearly all of a
	// collection's marking (25-34 ms of wall time each, now 2-3).
	packed []uint32
	loose  [][]uint32
	// added is how many postings were added since the last pack: once a
	// quarter as many as packed holds, Memory packs them all again, so that
	// a bulk load copies each posting a few times, as a growing slice would
	// (the index benchmark's load at 100k: 11,605 papers a CPU-second and
	// 1,927 bytes of heap a paper, against 11,650-12,380 and 1,979 with a
	// slice per term).
	added int
	docs  int // live docs with a vector here
	// Slot s holds a vector here when held has its bit; its terms are
	// fwd[off[s]:off[s+1]], its scale scale[s]. A dead slot's entries stay
	// until compaction.
	off       []int
	fwd       arena[byte]
	scale     []float32
	held      []uint64
	wide      map[uint64]float32 // slot<<32 | hash -> unscaled value, for code 255
	wideTerms map[uint32]bool    // the hashes of terms that ever had a wide value
	scoreOnly bool
	// cuts are, for each list of cutMin postings or more, where each block
	// of cutBlock slots after the first begins in it (blockCuts), so that
	// summing in blocks need not bisect long lists (scoreBlocked). Pack,
	// compaction and loading make them; a prune drops its list's.
	cuts             map[int32][]uint32
	cutBlock, cutMin int
	// toks, when set, holds the docs by their tokens instead (tokens.go),
	// and the arrays above stay empty.
	toks *tokenDocs
	// add's scratch: a doc's term frequencies, then its entries (term
	// index<<8 | code).
	tfs     []int
	entries []uint64
	buf     []byte
}

func newSparseSpace(scoreOnly, tokens bool) *sparseSpace {
	s := &sparseSpace{
		tids: map[uint32]int32{}, off: []int{0},
		wide: map[uint64]float32{}, wideTerms: map[uint32]bool{}, scoreOnly: scoreOnly,
		cutBlock: scoreBlock, cutMin: cutMin,
	}
	if tokens {
		s.toks = newTokenDocs()
	}
	return s
}

func wideKey(slot int32, hash uint32) uint64 { return uint64(slot)<<32 | uint64(hash) }

// setWide keeps x as the unscaled value of term hash at slot (code 255).
func (s *sparseSpace) setWide(slot int32, hash uint32, x float32) {
	s.wide[wideKey(slot, hash)] = x
	s.wideTerms[hash] = true
}

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
		s.addVector(slot, v)
	}
	for len(s.held) <= int(slot)>>6 {
		s.held = append(s.held, 0)
	}
	s.held[slot>>6] |= 1 << (slot & 63)
	s.docs++
}

func (s *sparseSpace) addVector(slot int32, v embed.Vector) {
	for len(s.scale) < int(slot) {
		s.off = append(s.off, s.fwd.n)
		s.scale = append(s.scale, 0)
	}
	scale, lexical := v.Scale, true
	s.tfs = s.tfs[:0]
	for _, x := range v.Sparse.Values {
		tf, ok := termFreq(x, scale)
		if !ok {
			scale, lexical = 1, false // every value goes in wide
			break
		}
		s.tfs = append(s.tfs, tf)
	}
	s.entries = s.entries[:0]
	for i, h := range v.Sparse.Indices {
		code := uint8(wideCode)
		switch {
		case !lexical:
			s.setWide(slot, h, v.Sparse.Values[i])
		case s.tfs[i] > wideCode:
			s.setWide(slot, h, embed.TFWeight(s.tfs[i]))
		default:
			code = uint8(s.tfs[i] - 1)
		}
		tid := s.termID(h)
		if !s.scoreOnly {
			s.appendPost(tid, uint32(slot)<<8|uint32(code))
		}
		s.terms[tid].df++
		s.entries = append(s.entries, uint64(tid)<<8|uint64(code))
	}
	slices.Sort(s.entries)
	s.encode(s.entries)
	s.off = append(s.off, s.fwd.n)
	s.scale = append(s.scale, scale)
}

// termFreq is the tf for which x is TFWeight(tf) * scale to the bit, as in
// a lexical vector of that scale; false when x is no such value.
func termFreq(x, scale float32) (int, bool) {
	if !(scale > 0) || math.IsInf(float64(scale), 0) {
		return 0, false
	}
	if x == scale {
		return 1, true
	}
	guess := math.Round(math.Exp(float64(x/scale) - 1))
	if !(guess < 1<<30) {
		return 0, false
	}
	for tf := max(2, int(guess)-1); tf <= int(guess)+1; tf++ {
		if embed.TFWeight(tf)*scale == x {
			return tf, true
		}
	}
	return 0, false
}

// encode appends a doc's entries, ascending, to the forward store.
func (s *sparseSpace) encode(entries []uint64) {
	buf := s.buf[:0]
	var last uint64
	for _, e := range entries {
		tid, code := e>>8, uint8(e)
		x := (tid - last) << 1
		if code != 0 {
			x |= 1
		}
		buf = binary.AppendUvarint(buf, x)
		if code != 0 {
			buf = append(buf, code)
		}
		last = tid
	}
	for _, b := range buf {
		s.fwd.push(b)
	}
	s.buf = buf
}

// decode appends the entries of the doc at slot (term index<<8 | code,
// ascending) to dst. It is false, with the entries read so far, when the
// bytes are not a doc's entries or name a term the space lacks: only a
// snapshot being read can be so.
func (s *sparseSpace) decode(dst []uint64, slot int32) ([]uint64, bool) {
	b := s.fwd.slice(s.off[slot], s.off[slot+1])
	var tid uint64
	for i := 0; i < len(b); {
		x, n := binary.Uvarint(b[i:])
		if n <= 0 {
			return dst, false
		}
		i += n
		tid += x >> 1
		var code uint64
		if x&1 != 0 {
			if i == len(b) {
				return dst, false
			}
			code = uint64(b[i])
			i++
		}
		if tid >= uint64(len(s.terms)) {
			return dst, false
		}
		dst = append(dst, tid<<8|code)
	}
	return dst, true
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

// unscaledOf is the value of term hash at slot before its doc's scale.
func (s *sparseSpace) unscaledOf(slot int32, code uint8, hash uint32) float32 {
	if code == wideCode {
		return s.wide[wideKey(slot, hash)]
	}
	return unscaled[code]
}

// vector is the vector at slot as upserted; buf is scratch for its
// entries, handed back for the next.
func (s *sparseSpace) vector(buf []uint64, slot int32) (embed.Sparse, []uint64, bool) {
	if !s.holds(slot) {
		return embed.Sparse{}, buf, false
	}
	if s.toks != nil {
		v, _ := s.tokenVector(slot)
		return v, buf, true
	}
	// Entries become hash<<32 | value bits, to sort by hash.
	entries, _ := s.decode(buf[:0], slot)
	for i, e := range entries {
		h := s.terms[e>>8].hash
		x := s.unscaledOf(slot, uint8(e), h) * s.scale[slot]
		entries[i] = uint64(h)<<32 | uint64(math.Float32bits(x))
	}
	slices.Sort(entries)
	v := embed.Sparse{Indices: make([]uint32, len(entries)), Values: make([]float32, len(entries))}
	for i, e := range entries {
		v.Indices[i], v.Values[i] = uint32(e>>32), math.Float32frombits(uint32(e))
	}
	return v, entries, true
}

// remove forgets the vector at slot, which alive already reports dead.
func (s *sparseSpace) remove(slot int32, alive func(int32) bool) {
	if !s.holds(slot) {
		return
	}
	s.held[slot>>6] &^= 1 << (slot & 63)
	s.docs--
	var tids []int32
	if s.toks != nil {
		v, _ := s.tokenVector(slot)
		for _, h := range v.Indices {
			tids = append(tids, s.tids[h])
		}
	} else {
		entries, _ := s.decode(nil, slot)
		for _, e := range entries {
			tids = append(tids, int32(e>>8))
			if uint8(e) == wideCode {
				delete(s.wide, wideKey(slot, s.terms[e>>8].hash))
			}
		}
	}
	for _, tid := range tids {
		t := &s.terms[tid]
		t.df--
		if dead := len(s.post(tid)) - int(t.df); t.df == 0 || dead > int(t.df) && dead >= 16 {
			s.prune(tid, alive)
		}
	}
}

// prune drops a list's dead postings: a packed list in place, where its
// room grows by what it lost; a loose one into a copy of its size.
func (s *sparseSpace) prune(tid int32, alive func(int32) bool) {
	live := slices.DeleteFunc(s.post(tid), func(p uint32) bool { return !alive(int32(p >> 8)) })
	delete(s.cuts, tid)
	if t := &s.terms[tid]; t.loose == 0 {
		t.n = uint32(len(live))
	} else {
		s.setPost(tid, slices.Clone(live))
	}
}

// post is term tid's postings. A packed list is capped at its length, so
// that appending to it copies it rather than overwrite the next one.
func (s *sparseSpace) post(tid int32) []uint32 {
	t := &s.terms[tid]
	if t.loose > 0 {
		return s.loose[t.loose-1]
	}
	return s.packed[t.at : t.at+int(t.n) : t.at+int(t.n)]
}

// appendPost adds p to term tid's postings: in place while its packed
// room lasts.
func (s *sparseSpace) appendPost(tid int32, p uint32) {
	s.added++
	if t := &s.terms[tid]; t.loose == 0 && t.n < t.cap {
		s.packed[t.at+int(t.n)] = p
		t.n++
		return
	}
	s.setPost(tid, append(s.post(tid), p))
}

// setPost makes l term tid's postings.
func (s *sparseSpace) setPost(tid int32, l []uint32) {
	t := &s.terms[tid]
	if t.loose == 0 {
		s.loose = append(s.loose, nil)
		t.loose = uint32(len(s.loose))
	}
	s.loose[t.loose-1] = l
}

// pack moves every list into one array, each with room to grow by a
// quarter (packRoom) before it moves out again: between two packs a bulk
// load adds a quarter of the postings, most of them in place.
func (s *sparseSpace) pack() {
	var total int
	for tid := range s.terms {
		total += packRoom(len(s.post(int32(tid))))
	}
	packed := make([]uint32, total)
	at := 0
	for tid := range s.terms {
		l := s.post(int32(tid))
		copy(packed[at:], l)
		t := &s.terms[tid]
		t.at, t.n, t.cap, t.loose = at, uint32(len(l)), uint32(packRoom(len(l))), 0
		at += int(t.cap)
	}
	s.packed, s.loose, s.added = packed, nil, 0
	s.cutLists()
}

// cutMin is the shortest list cut into blocks: bisecting a shorter one
// reads a few cache lines.
const cutMin = 1024

// cutLists makes the cuts of every list of cutMin postings or more. An
// append keeps a list's cuts right, since its slot is above every
// boundary they hold.
func (s *sparseSpace) cutLists() {
	s.cuts = map[int32][]uint32{}
	for tid := range s.terms {
		if post := s.post(int32(tid)); len(post) >= max(s.cutMin, 1) {
			s.cuts[int32(tid)] = blockCuts(post, s.cutBlock)
		}
	}
}

// blockCuts is, for each boundary k*block (k from 1) up to post's last
// slot, the index of post's first posting at or past it.
func blockCuts(post []uint32, block int) []uint32 {
	cuts := make([]uint32, int(post[len(post)-1]>>8)/block)
	for k := range cuts {
		i, _ := slices.BinarySearch(post, uint32((k+1)*block)<<8)
		cuts[k] = uint32(i)
	}
	return cuts
}

// packRoom is the room pack gives a list of n postings.
func packRoom(n int) int { return n + n/4 + 1 }

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
	var packed []uint32
	tids := make(map[uint32]int32, len(s.tids))
	newTid := make([]uint64, len(s.terms)) // order kept, so entries stay ascending
	for i, t := range s.terms {
		if t.df == 0 {
			continue
		}
		at := len(packed)
		for _, p := range s.post(int32(i)) {
			if ns := newSlot[p>>8]; ns >= 0 {
				packed = append(packed, uint32(ns)<<8|p&0xff)
			}
		}
		newTid[i] = uint64(len(terms))
		tids[t.hash] = int32(len(terms))
		n := uint32(len(packed) - at)
		terms = append(terms, term{hash: t.hash, df: t.df, at: at, n: n, cap: n})
	}
	c := &sparseSpace{
		tids: tids, terms: terms, packed: slices.Clip(packed), docs: s.docs,
		off: make([]int, 1, slots+1), scale: make([]float32, 0, slots),
		held: s.renumberHeld(newSlot, slots), wide: map[uint64]float32{},
		wideTerms: map[uint32]bool{}, scoreOnly: s.scoreOnly, cutBlock: s.cutBlock, cutMin: s.cutMin,
	}
	var entries []uint64
	for old, ns := range newSlot {
		if ns < 0 {
			continue
		}
		var scale float32
		if s.holds(int32(old)) {
			entries, _ = s.decode(entries[:0], int32(old))
			for i, e := range entries {
				if uint8(e) == wideCode {
					h := s.terms[e>>8].hash
					c.setWide(ns, h, s.wide[wideKey(int32(old), h)])
				}
				entries[i] = newTid[e>>8]<<8 | e&0xff
			}
			c.encode(entries)
			scale = s.scale[old]
		}
		c.off = append(c.off, c.fwd.n)
		c.scale = append(c.scale, scale)
	}
	c.cutLists()
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

func (a *arena[T]) at(i int) T { return a.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

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

// docScorer scores docs alone, from their forward entries, against one
// query's terms, summing the matches in query order as the posting scan
// sums them, so that the two agree to the bit. Each entry's term is looked
// up in a small open-addressed table of the query's: a binary search of
// the doc's entries for each query term took 25 µs a paper at a million
// papers, the table about 2.
type docScorer struct {
	s     *sparseSpace
	terms []queryTerm
	table []int32 // 1 + an index in terms, by hash of its term's index; 0 is empty
	shift uint
	vals  []float32 // by index in terms: the doc's weighted value
	held  []uint64  // the indices in terms the doc holds, a bit each
	// entries is the doc's decoded entries, reused doc to doc.
	entries []uint64
}

func (s *sparseSpace) docScorer(terms []queryTerm) *docScorer {
	size := 1
	for size < 4*len(terms) { // a quarter full at most
		size <<= 1
	}
	d := &docScorer{s: s, terms: terms, table: make([]int32, size), shift: uint(32 - bits.TrailingZeros(uint(size))),
		vals: make([]float32, len(terms)), held: make([]uint64, (len(terms)+63)/64)}
	for i, q := range terms {
		h := d.slot(q.tid)
		for d.table[h] != 0 {
			h = (h + 1) & uint32(size-1)
		}
		d.table[h] = int32(i + 1)
	}
	return d
}

// slot is where the table's probe for term index tid starts.
func (d *docScorer) slot(tid int32) uint32 { return tidSlot(tid, d.shift, len(d.table)) }

// tidSlot is where a probe for term index tid starts in an open-addressed
// table of size slots, a power of two, 1<<(32-shift) (Fibonacci hashing).
func tidSlot(tid int32, shift uint, size int) uint32 {
	return uint32(uint64(uint32(tid)) * 0x9E3779B1 >> shift & uint64(size-1))
}

func (d *docScorer) score(slot int32) float32 {
	s := d.s
	d.entries, _ = s.decode(d.entries[:0], slot)
	mask := uint32(len(d.table) - 1)
	for _, e := range d.entries {
		tid := int32(e >> 8)
		for h := d.slot(tid); d.table[h] != 0; h = (h + 1) & mask {
			if qi := d.table[h] - 1; d.terms[qi].tid == tid {
				q := d.terms[qi]
				d.vals[qi] = q.w * s.unscaledOf(slot, uint8(e), q.hash)
				d.held[qi>>6] |= 1 << (qi & 63)
				break
			}
		}
	}
	var sum float32
	for w, word := range d.held {
		for ; word != 0; word &= word - 1 {
			sum += d.vals[w<<6|bits.TrailingZeros64(word)]
		}
		d.held[w] = 0
	}
	return sum * s.scale[slot]
}
