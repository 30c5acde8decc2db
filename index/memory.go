package index

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
)

// Memory is the embedded index: exact search held in process, rebuilt from
// the store at start-up. Sparse spaces are compact inverted indexes with
// live document frequencies (sparse.go); dense spaces are one contiguous
// slab of normalised float32 rows scanned by dot product. Exact search
// loses no recall; a vector database is the answer past one machine.
//
// A doc takes the next slot; deleting it leaves the slot dead, and once
// dead slots pass a third of all, compact renumbers the live ones.
type Memory struct {
	mu   sync.RWMutex
	docs []docMeta // by slot
	// ranks are the docs' Rank by slot, apart from docs, which a search
	// reads for every candidate and keeps at 8 bytes a slot.
	ranks  []Rank
	ids    *docIDs // by slot, and the slot of each live id
	dead   int     // dead slots in docs
	sparse map[string]*sparseSpace
	dense  map[string]*denseSpace
	// scoreOnly names the sparse spaces kept without inverted lists.
	scoreOnly map[string]bool
	// scratch holds per-query scratch (a *scratch), sums Centroid's (a
	// *termSums).
	scratch, sums sync.Pool
}

type docMeta struct {
	day   int32 // days since 1970-01-01; noDay when unknown
	alive bool
}

const noDay = math.MinInt32

// NewMemory returns an empty embedded index.
func NewMemory() *Memory {
	return &Memory{
		ids:       newDocIDs(),
		sparse:    map[string]*sparseSpace{},
		dense:     map[string]*denseSpace{},
		scoreOnly: map[string]bool{},
	}
}

// ScoreOnly keeps the sparse space without inverted lists, for a channel
// that only ever scores the docs it names (Filter.Only): the character
// channel, whose lists are most of the index. Such a space still answers
// any query exactly, by scoring each doc's own vector, at the cost of a
// scan when Only is not set.
func (m *Memory) ScoreOnly(space string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.scoreOnly[space] = true
	if ss := m.sparse[space]; ss != nil {
		ss.scoreOnly = true
		for i, t := range ss.terms {
			ss.terms[i] = term{hash: t.hash, df: t.df}
		}
		ss.packed, ss.loose, ss.added, ss.cuts = nil, nil, 0, nil
	}
}

// Len is the number of docs held.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.ids.live()
}

func (m *Memory) Upsert(_ context.Context, docs []Doc) error {
	// Check every vector first, so a bad doc leaves the index as it was.
	m.mu.Lock()
	defer m.mu.Unlock()
	// kinds is each space's kind as the batch leaves it: a space the batch
	// creates is checked against the batch's own earlier docs.
	const sparseKind = -1
	kinds := map[string]int{}
	byTokens := map[string]bool{} // a sparse space's docs are kept by their tokens
	for _, d := range docs {
		if d.ID == "" {
			return fmt.Errorf("upsert: doc without id")
		}
		for space, v := range d.Vectors {
			kind := sparseKind
			if v.Dense != nil {
				kind = len(v.Dense)
			}
			want, ok := kinds[space]
			switch {
			case ok:
			case m.sparse[space] != nil:
				want = sparseKind
			case m.dense[space] != nil:
				want = m.dense[space].dims
			default:
				want = kind
			}
			kinds[space] = want
			if (kind == sparseKind) != (want == sparseKind) {
				return fmt.Errorf("upsert %q: space %q mixes sparse and dense vectors", d.ID, space)
			}
			if kind != want {
				return fmt.Errorf("upsert %q: space %q holds %d-dimensional vectors, got %d", d.ID, space, want, kind)
			}
			if kind == sparseKind {
				if err := checkSparse(v.Sparse); err != nil {
					return fmt.Errorf("upsert %q: space %q: %w", d.ID, space, err)
				}
				tokens, ok := byTokens[space]
				if !ok {
					ss := m.sparse[space]
					tokens = ss != nil && ss.toks != nil || ss == nil && m.scoreOnly[space] && v.Tokens != nil
					byTokens[space] = tokens
				}
				if tokens && v.Tokens == nil {
					return fmt.Errorf("upsert %q: space %q keeps docs by their tokens, and this one has none", d.ID, space)
				}
			}
		}
	}
	if len(m.docs)+len(docs) > maxSlots {
		m.compact()
	}
	if len(m.docs)+len(docs) > maxSlots {
		return fmt.Errorf("upsert: the embedded index holds at most %d docs", maxSlots)
	}
	for _, d := range docs {
		if slot, ok := m.ids.slot(d.ID); ok {
			m.remove(slot)
		}
		slot := m.alloc(d)
		for space, v := range d.Vectors {
			if v.Dense != nil {
				ds := m.dense[space]
				if ds == nil {
					ds = &denseSpace{dims: len(v.Dense), rowOf: map[int32]int32{}}
					m.dense[space] = ds
				}
				ds.add(slot, v.Dense)
				continue
			}
			ss := m.sparse[space]
			if ss == nil {
				ss = newSparseSpace(m.scoreOnly[space], byTokens[space])
				m.sparse[space] = ss
			}
			ss.add(slot, v)
		}
	}
	for _, ss := range m.sparse {
		// A quarter: what each list's room holds (packRoom).
		if 4*ss.added > len(ss.packed) {
			ss.pack()
		}
	}
	m.maybeCompact()
	return nil
}

// checkSparse refuses what the index cannot hold: indices and values of
// different lengths, or indices not strictly ascending (embed.Sparse's
// form, on which scoring a doc alone relies).
func checkSparse(v embed.Sparse) error {
	if len(v.Indices) != len(v.Values) {
		return fmt.Errorf("sparse vector has %d indices and %d values", len(v.Indices), len(v.Values))
	}
	for i := 1; i < len(v.Indices); i++ {
		if v.Indices[i] <= v.Indices[i-1] {
			return fmt.Errorf("sparse vector's indices are not ascending at entry %d", i)
		}
	}
	return nil
}

func (m *Memory) Delete(_ context.Context, ids []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		if slot, ok := m.ids.slot(id); ok {
			m.remove(slot)
		}
	}
	m.maybeCompact()
	return nil
}

func (m *Memory) alloc(d Doc) int32 {
	meta := docMeta{day: noDay, alive: true}
	if !d.Published.IsZero() {
		meta.day = dayOf(d.Published)
	}
	m.docs = append(m.docs, meta)
	m.ranks = append(m.ranks, d.Rank)
	return m.ids.add(d.ID, true)
}

func (m *Memory) remove(slot int32) {
	m.ids.forget(slot)
	m.docs[slot], m.ranks[slot] = docMeta{}, Rank{}
	m.dead++
	for _, ss := range m.sparse {
		ss.remove(slot, m.alive)
	}
	for _, ds := range m.dense {
		ds.remove(slot)
	}
}

func (m *Memory) alive(slot int32) bool { return m.docs[slot].alive }

// minCompact is the fewest dead slots worth compacting for.
const minCompact = 64

func (m *Memory) maybeCompact() {
	if m.dead >= minCompact && 2*m.dead > m.ids.live() {
		m.compact()
	}
}

// compact renumbers the live slots in order, so that every space drops its
// dead docs and its lists stay sorted.
func (m *Memory) compact() {
	newSlot := make([]int32, len(m.docs))
	live := 0
	for old, d := range m.docs {
		newSlot[old] = -1
		if d.alive {
			newSlot[old] = int32(live)
			m.docs[live], m.ranks[live] = d, m.ranks[old]
			live++
		}
	}
	clear(m.docs[live:])
	clear(m.ranks[live:])
	m.docs, m.ranks = slices.Clip(m.docs[:live]), slices.Clip(m.ranks[:live])
	m.ids = m.ids.compact(newSlot)
	m.dead = 0
	for _, ss := range m.sparse {
		ss.compact(newSlot, live)
	}
	for _, ds := range m.dense {
		ds.renumber(newSlot)
	}
}

func dayOf(d paperhound.Date) int32 {
	return int32(d.Unix() / 86400)
}

func (m *Memory) Search(ctx context.Context, q Query) ([]Hit, error) {
	if q.Limit <= 0 {
		return nil, nil
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	only := m.onlySlots(q.Filter)
	keep := m.filter(q.Filter, only)
	top := newSlotTop(q.Limit, m.ids)
	switch {
	case q.Vector.Dense != nil:
		ds := m.dense[q.Space]
		if ds == nil {
			return nil, nil
		}
		if len(q.Vector.Dense) != ds.dims {
			return nil, fmt.Errorf("search space %q: query has %d dimensions, index has %d", q.Space, len(q.Vector.Dense), ds.dims)
		}
		ds.search(embed.Normalized(q.Vector.Dense), func(slot int32, score float32) {
			if top.admits(float64(score)) && keep(slot) {
				top.push(slot, float64(score))
			}
		})
	default:
		if err := checkSparse(q.Vector.Sparse); err != nil {
			return nil, fmt.Errorf("search space %q: %w", q.Space, err)
		}
		ss := m.sparse[q.Space]
		if ss == nil {
			return nil, nil
		}
		terms := ss.queryTerms(q.Vector.Sparse, q.MaxDocFreq, q.Terms)
		switch cut := ss.candidateTerms(q, terms); {
		case q.Filter.Only != nil:
			m.scoreEach(ss, terms, m.candidates(ss, only), keep, top)
		case cut != nil:
			// The papers the rarer terms find, ranked by all the terms.
			first := newSlotTop(candidateFactor*q.Limit, m.ids)
			m.searchSparse(ss, cut, keep, first)
			slots := make([]int32, len(first.h.items))
			for i, x := range first.h.items {
				slots[i] = x.slot
			}
			m.scoreEach(ss, terms, slots, keep, top)
		default:
			m.searchSparse(ss, terms, keep, top)
		}
	}
	return top.hits(), ctx.Err()
}

// candidateFactor is how many candidates per result a search with
// Query.CandidateDocFreq ranks by all its terms: on citeulike-a, three
// ranked similar papers as all the terms do (README), two lost.
const candidateFactor = 3

// candidateTerms are the terms q finds its candidates with under
// Query.CandidateDocFreq: nil when it does not apply, or when it would
// drop none of terms (the candidates would be the result) or all of them.
func (s *sparseSpace) candidateTerms(q Query, terms []queryTerm) []queryTerm {
	if q.CandidateDocFreq <= 0 || q.MaxDocFreq > 0 && q.CandidateDocFreq >= q.MaxDocFreq || len(q.Vector.Sparse.Indices) <= shortQueryTerms {
		return nil
	}
	cut := s.queryTerms(q.Vector.Sparse, q.CandidateDocFreq, q.Terms)
	if len(cut) == 0 || len(cut) == len(terms) {
		return nil
	}
	return cut
}

// scoreEach pushes to top the slots that pass keep, each scored alone.
func (m *Memory) scoreEach(ss *sparseSpace, terms []queryTerm, slots []int32, keep func(int32) bool, top *slotTop) {
	var score func(slot int32) float32
	if ss.toks != nil {
		ts := ss.tokenScorer(terms)
		defer ts.release()
		score = ts.score
	} else {
		score = ss.docScorer(terms).score
	}
	for _, slot := range slots {
		if keep(slot) {
			if s := score(slot); s != 0 {
				top.push(slot, float64(s))
			}
		}
	}
}

// searchSparse pushes to top every doc of ss that terms score and keep
// passes: from the inverted lists, or one by one in a score-only space.
func (m *Memory) searchSparse(ss *sparseSpace, terms []queryTerm, keep func(int32) bool, top *slotTop) {
	if ss.scoreOnly {
		m.scoreEach(ss, terms, m.candidates(ss, nil), keep, top)
		return
	}
	buf := m.scores()
	defer m.scratch.Put(buf)
	scores := buf.scores
	// admits first: once the top k is full it is false for nearly every
	// paper, where whether a sum is 0 is a coin toss the branch
	// predictor loses.
	emit := func(slot int32, sum float32) {
		if score := float64(sum * ss.scale[slot]); top.admits(score) && score != 0 && keep(slot) {
			top.push(slot, score)
		}
	}
	postings := ss.postings(terms)
	if postings <= len(scores) {
		buf.touched = ss.score(terms, scores, slices.Grow(buf.touched[:0], postings))
		bar := float32(top.bar()) // as in the blocks' scan, below
		for _, slot := range buf.touched {
			// A slot is listed twice when its sum passed through 0 (a
			// zero weight, or weights of both signs); its first listing
			// reset it.
			if sum := scores[slot]; sum != 0 {
				scores[slot] = 0
				if sum*ss.scale[slot] >= bar {
					emit(slot, sum)
					bar = float32(top.bar())
				}
			}
		}
		return
	}
	ss.scoreBlocked(terms, scores, scoreBlock, func(start int, sums []float32) {
		// The space's last slots may hold no vector (nor postings).
		scale := ss.scale[min(start, len(ss.scale)):min(start+len(sums), len(ss.scale))]
		sums = sums[:len(scale)]
		// Most papers fall below the bar, so it is kept in a local and
		// taken again only after a push: loading it from the heap per
		// paper made this scan 3 times slower. Every score pushed here is
		// a float32 product, so comparing in float32 is admits' own
		// comparison.
		bar := float32(top.bar())
		for i, sum := range sums {
			if sum*scale[i] >= bar {
				emit(int32(start+i), sum)
				bar = float32(top.bar())
			}
		}
	})
}

// Vectors returns the vectors held in space of those of ids the index
// holds there, so that a caller needs no other copy of them: sparse ones as
// upserted (their indices shared: not to be modified), dense ones
// normalised, as searched.
func (m *Memory) Vectors(space string, ids []string) map[string]embed.Vector {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[string]embed.Vector, len(ids))
	ss, ds := m.sparse[space], m.dense[space]
	var buf []uint64 // a doc's entries, reused doc to doc
	for _, id := range ids {
		slot, ok := m.ids.slot(id)
		if !ok {
			continue
		}
		if ss != nil {
			var v embed.Sparse
			var ok bool
			if v, buf, ok = ss.vector(buf, slot); ok {
				out[id] = embed.Vector{Sparse: v}
			}
		}
		if ds != nil {
			if row, ok := ds.rowOf[slot]; ok {
				// A copy: a delete moves another row into this one's place.
				out[id] = embed.Vector{Dense: slices.Clone(ds.slab[int(row)*ds.dims : int(row+1)*ds.dims])}
			}
		}
	}
	return out
}

// Ranks returns the Rank of each of ids the index holds.
func (m *Memory) Ranks(ids []string) map[string]Rank {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[string]Rank, len(ids))
	for _, id := range ids {
		if slot, ok := m.ids.slot(id); ok {
			out[id] = m.ranks[slot]
		}
	}
	return out
}

// onlySlots is the set of f.Only's slots, or nil when f has no Only.
func (m *Memory) onlySlots(f Filter) map[int32]bool {
	if f.Only == nil {
		return nil
	}
	only := make(map[int32]bool, len(f.Only))
	for _, id := range f.Only {
		if slot, ok := m.ids.slot(id); ok {
			only[slot] = true
		}
	}
	return only
}

// candidates are the slots a scan of ss scores: those of only, or every
// slot ss holds when only is nil.
func (m *Memory) candidates(ss *sparseSpace, only map[int32]bool) []int32 {
	var out []int32
	if only == nil {
		for slot := range m.docs {
			if ss.holds(int32(slot)) {
				out = append(out, int32(slot))
			}
		}
		return out
	}
	for slot := range only {
		if ss.holds(slot) {
			out = append(out, slot)
		}
	}
	return out
}

// scratch is what a query scores into: a cell per slot, zeroed when it is
// put back, and the slots touched, reused so that a query at a million
// papers allocates neither.
type scratch struct {
	scores  []float32
	touched []int32
}

// scores returns scratch from the pool, its scores zeroed and as long as
// the slots.
func (m *Memory) scores() *scratch {
	s, _ := m.scratch.Get().(*scratch)
	if s == nil || cap(s.scores) < len(m.docs) {
		return &scratch{scores: make([]float32, len(m.docs))}
	}
	s.scores = s.scores[:len(m.docs)]
	return s
}

// filter is whether a slot passes f; only is f's onlySlots.
func (m *Memory) filter(f Filter, only map[int32]bool) func(int32) bool {
	excluded := make(map[int32]bool, len(f.Exclude))
	for _, id := range f.Exclude {
		if slot, ok := m.ids.slot(id); ok {
			excluded[slot] = true
		}
	}
	after, before := int32(math.MinInt32+1), int32(math.MaxInt32)
	dated := !f.After.IsZero() || !f.Before.IsZero()
	if !f.After.IsZero() {
		after = dayOf(f.After)
	}
	if !f.Before.IsZero() {
		before = dayOf(f.Before)
	}
	return func(slot int32) bool {
		d := &m.docs[slot]
		if !d.alive || excluded[slot] || only != nil && !only[slot] {
			return false
		}
		return !dated || d.day != noDay && d.day >= after && d.day <= before
	}
}

// minDroppedDocFreq keeps terms found in only a few docs, however small
// the corpus: in a corpus of three papers every term is "frequent", and
// dropping them all would leave nothing to match.
const minDroppedDocFreq = 10

// shortQueryTerms is the most terms a query can have and keep them all.
const shortQueryTerms = 64

// queryTerm is a query term the space holds, with its weight: its value
// times its IDF, the same smoothed IDF that Qdrant's sparse "idf" modifier
// applies, so both backends rank alike.
type queryTerm struct {
	hash uint32
	tid  int32
	w    float32
}

// weighted is the term's weight times each code's value, the same float32
// products as q.w * unscaled[code]: taken once per term, not per posting.
func (q queryTerm) weighted() (w [wideCode + 1]float32) {
	for c := range wideCode {
		w[c] = q.w * unscaled[c]
	}
	return w
}

// queryTerms are q's terms that score, in q's order (ascending, as
// vectors are): those the space holds, less the frequent ones of a long
// query, and of more than keep (above 0) the keep heaviest.
func (s *sparseSpace) queryTerms(q embed.Sparse, maxDocFreq float64, keep int) []queryTerm {
	n := float64(s.docs)
	// A short query is cheap, and its every word may be common ("neural
	// networks"): only long queries (a whole paper) lose frequent terms.
	drop := maxDocFreq > 0 && len(q.Indices) > shortQueryTerms
	out := make([]queryTerm, 0, len(q.Indices))
	for i, h := range q.Indices {
		tid, ok := s.tids[h]
		if !ok {
			continue
		}
		df := float64(s.terms[tid].df)
		if df == 0 || drop && df > maxDocFreq*n && df > minDroppedDocFreq {
			continue
		}
		out = append(out, queryTerm{hash: h, tid: tid, w: float32(float64(q.Values[i]) * IDF(n, df))})
	}
	if keep > 0 && len(out) > keep {
		slices.SortFunc(out, func(a, b queryTerm) int { return cmp.Or(cmp.Compare(b.w, a.w), cmp.Compare(a.hash, b.hash)) })
		out = out[:keep]
		slices.SortFunc(out, func(a, b queryTerm) int { return cmp.Compare(a.hash, b.hash) })
	}
	return out
}

// postings is how many postings terms' lists hold.
func (s *sparseSpace) postings(terms []queryTerm) int {
	var n int
	for _, q := range terms {
		n += len(s.post(q.tid))
	}
	return n
}

// score adds each doc's unscaled score into scores (a doc's score is its
// sum times its scale) and appends the slots it touches to touched, dead
// ones included (the caller's filter drops them): for a query whose lists
// hold fewer postings than there are slots, where listing them is cheaper
// than a scan of every slot; a longer one touches most docs, and is
// summed block by block of slots instead (scoreBlocked). A term's weight
// times each code's value is taken once per term, not per posting, and
// only the rare terms with wide values look any up (2.1 against 1.8 ms
// for a whole paper at 100k papers).
func (s *sparseSpace) score(terms []queryTerm, scores []float32, touched []int32) []int32 {
	for _, q := range terms {
		post := s.post(q.tid)
		if s.wideTerms[q.hash] {
			for _, p := range post {
				slot := int32(p >> 8)
				if scores[slot] == 0 {
					touched = append(touched, slot)
				}
				scores[slot] += q.w * s.unscaledOf(slot, uint8(p), q.hash)
			}
			continue
		}
		weighted := q.weighted()
		for _, p := range post {
			slot := p >> 8
			if scores[slot] == 0 {
				touched = append(touched, int32(slot))
			}
			scores[slot] += weighted[uint8(p)]
		}
	}
	return touched
}

// scoreBlock is how many slots' sums scoreBlocked keeps at once: 512 KB,
// well inside a core's L2 cache.
const scoreBlock = 1 << 17

// scoreBlocked sums block by block of slots (block slots each): each
// term's postings in the block (where they end found in the list's cuts,
// or by bisection), then the block's sums flushed and zeroed while still
// in cache. Summed term by term over the whole array (4 MB at
// a million papers), each term fetched the sums it adds to from memory
// again: similar papers through the API at 1M took 15.2-16.7 ms p50,
// against 11.3-12.0 in blocks, in alternating runs.
func (s *sparseSpace) scoreBlocked(terms []queryTerm, scores []float32, block int, flush func(start int, sums []float32)) {
	type list struct {
		post     []uint32
		at       int // where the current block's postings begin
		cuts     []uint32
		weighted [wideCode + 1]float32
	}
	lists := make([]list, len(terms))
	for i, q := range terms {
		lists[i].post, lists[i].weighted = s.post(q.tid), q.weighted()
		if block == s.cutBlock {
			lists[i].cuts = s.cuts[q.tid]
		}
	}
	for b, start := 0, 0; start < len(scores); b, start = b+1, start+block {
		end := min(start+block, len(scores))
		for i, q := range terms {
			l := &lists[i]
			n := len(l.post)
			switch {
			case end == len(scores):
			case b < len(l.cuts):
				n = int(l.cuts[b])
			default:
				k, _ := slices.BinarySearch(l.post[l.at:], uint32(end)<<8)
				n = l.at + k
			}
			in := l.post[l.at:n]
			l.at = n
			if s.wideTerms[q.hash] {
				for _, p := range in {
					slot := int32(p >> 8)
					scores[slot] += q.w * s.unscaledOf(slot, uint8(p), q.hash)
				}
				continue
			}
			for _, p := range in {
				scores[p>>8] += l.weighted[uint8(p)]
			}
		}
		flush(start, scores[start:end])
		clear(scores[start:end])
	}
}

// IDF is the inverse document frequency of a term found in df of n docs,
// smoothed as in BM25 and in Qdrant's idf modifier.
func IDF(n, df float64) float64 {
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

type denseSpace struct {
	dims  int
	slab  []float32 // row r at slab[r*dims:(r+1)*dims]
	slots []int32   // row -> slot
	rowOf map[int32]int32
}

func (d *denseSpace) add(slot int32, v []float32) {
	d.rowOf[slot] = int32(len(d.slots))
	d.slots = append(d.slots, slot)
	d.slab = append(d.slab, embed.Normalized(v)...)
}

// remove moves the last row into the hole, keeping the slab contiguous.
func (d *denseSpace) remove(slot int32) {
	row, ok := d.rowOf[slot]
	if !ok {
		return
	}
	last := int32(len(d.slots) - 1)
	if row != last {
		copy(d.slab[int(row)*d.dims:int(row+1)*d.dims], d.slab[int(last)*d.dims:])
		moved := d.slots[last]
		d.slots[row] = moved
		d.rowOf[moved] = row
	}
	d.slots = d.slots[:last]
	d.slab = d.slab[:int(last)*d.dims]
	delete(d.rowOf, slot)
}

func (d *denseSpace) renumber(newSlot []int32) {
	clear(d.rowOf)
	for r, slot := range d.slots {
		d.slots[r] = newSlot[slot]
		d.rowOf[d.slots[r]] = int32(r)
	}
}

func (d *denseSpace) search(q []float32, emit func(slot int32, score float32)) {
	for r, slot := range d.slots {
		row := d.slab[r*d.dims : (r+1)*d.dims]
		var dot float32
		for i, x := range row {
			dot += x * q[i]
		}
		emit(slot, dot)
	}
}
