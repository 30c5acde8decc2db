package index

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
)

// These tests are white-box where the brief is about slots; everything
// else goes through Upsert, Delete and Search as a caller would.

const (
	sparseSpc = "test-sparse"
	denseSpc  = "test-dense"
)

// terms is a sparse vector of the given term ids, each weighing 1.
// terms is a vector of weight 1 on each of ids, put in embed.Sparse's
// form: ascending, each once.
func terms(ids ...uint32) embed.Vector {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	v := embed.Vector{Sparse: embed.Sparse{Indices: ids, Values: make([]float32, len(ids))}}
	for i := range v.Sparse.Values {
		v.Sparse.Values[i] = 1
	}
	return v
}

func sparseDoc(id string, ids ...uint32) Doc {
	return Doc{ID: id, Vectors: map[string]embed.Vector{sparseSpc: terms(ids...)}}
}

func denseDoc(id string, v ...float32) Doc {
	return Doc{ID: id, Vectors: map[string]embed.Vector{denseSpc: {Dense: v}}}
}

func memDay(s string) paperhound.Date {
	d, err := paperhound.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func memUpsert(t *testing.T, m *Memory, docs ...Doc) {
	t.Helper()
	if err := m.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
}

func memSearch(t *testing.T, m *Memory, q Query) []Hit {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 100
	}
	hits, err := m.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

func hitIDs(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func sparseQuery(ids ...uint32) Query { return Query{Space: sparseSpc, Vector: terms(ids...)} }

func TestMemoryUpsertSearchDelete(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	memUpsert(t, m, sparseDoc("a", 1, 2), sparseDoc("b", 2, 3), sparseDoc("c", 3, 4))
	if m.Len() != 3 {
		t.Fatalf("Len = %d, want 3", m.Len())
	}
	tests := []struct {
		q    []uint32
		want []string
	}{
		{[]uint32{1}, []string{"a"}},
		{[]uint32{2}, []string{"a", "b"}},
		{[]uint32{3, 4}, []string{"c", "b"}},
		{[]uint32{99}, nil},
	}
	for _, tt := range tests {
		if got := hitIDs(memSearch(t, m, sparseQuery(tt.q...))); !slices.Equal(got, tt.want) {
			t.Errorf("search %v = %v, want %v", tt.q, got, tt.want)
		}
	}
	if err := m.Delete(context.Background(), []string{"b", "no-such-doc"}); err != nil {
		t.Fatal(err)
	}
	if m.Len() != 2 {
		t.Errorf("Len after delete = %d, want 2", m.Len())
	}
	for _, q := range [][]uint32{{2}, {3}, {1, 2, 3, 4}} {
		if got := hitIDs(memSearch(t, m, sparseQuery(q...))); slices.Contains(got, "b") {
			t.Errorf("search %v after deleting b = %v", q, got)
		}
	}
	// A space nobody wrote to is empty, not an error.
	if got := memSearch(t, m, Query{Space: "nowhere", Vector: terms(1)}); len(got) != 0 {
		t.Errorf("search of an unknown space = %v", got)
	}
}

func TestMemoryUpsertReplacesWhole(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	a := sparseDoc("a", 1, 2)
	a.Vectors[denseSpc] = embed.Vector{Dense: []float32{1, 0}}
	memUpsert(t, m, a, sparseDoc("b", 2))
	memUpsert(t, m, sparseDoc("a", 3)) // no dense vector this time

	if got := hitIDs(memSearch(t, m, sparseQuery(1, 2))); !slices.Equal(got, []string{"b"}) {
		t.Errorf("old terms of a still match: %v", got)
	}
	if got := hitIDs(memSearch(t, m, sparseQuery(3))); !slices.Equal(got, []string{"a"}) {
		t.Errorf("new terms of a: %v", got)
	}
	if got := memSearch(t, m, Query{Space: denseSpc, Vector: embed.Vector{Dense: []float32{1, 0}}}); len(got) != 0 {
		t.Errorf("the dense vector a no longer has still matches: %v", got)
	}
	if m.Len() != 2 {
		t.Errorf("Len = %d, want 2", m.Len())
	}
}

// Upserting the same id twice in one batch keeps the last.
func TestMemoryUpsertDuplicateInBatch(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	memUpsert(t, m, sparseDoc("a", 1), sparseDoc("a", 2))
	if got := memSearch(t, m, sparseQuery(1)); len(got) != 0 {
		t.Errorf("the first copy still matches: %v", got)
	}
	if got := hitIDs(memSearch(t, m, sparseQuery(2))); !slices.Equal(got, []string{"a"}) || m.Len() != 1 {
		t.Errorf("search = %v, Len = %d; want [a], 1", got, m.Len())
	}
}

func TestMemoryCompaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemory()
	memUpsert(t, m, sparseDoc("a", 1), sparseDoc("b", 2), sparseDoc("c", 3))
	if err := m.Delete(ctx, []string{"b", "b"}); err != nil {
		t.Fatal(err)
	}
	// Deleting twice must not count the slot dead twice.
	if m.dead != 1 {
		t.Fatalf("dead slots after deleting b twice = %d, want 1", m.dead)
	}
	memUpsert(t, m, sparseDoc("d", 2, 4))
	// w has more distinct values than a posting can code: some are kept
	// apart, by slot, and must follow w to its new slot.
	var wide embed.Sparse
	for i := range 300 {
		wide.Indices = append(wide.Indices, uint32(1000+i))
		wide.Values = append(wide.Values, float32(i+1)/300)
	}
	memUpsert(t, m, Doc{ID: "w", Vectors: map[string]embed.Vector{sparseSpc: {Sparse: wide}}})
	// Replacing a doc kills its old slot; enough dead slots compact the
	// index down to the live docs, renumbered in order.
	for i := range minCompact {
		memUpsert(t, m, sparseDoc("e", 5, uint32(100+i)))
	}
	if len(m.docs) != m.Len() || m.dead != 0 || m.Len() != 5 {
		t.Errorf("after compacting: %d slots, %d dead, Len %d; want 5, 0, 5", len(m.docs), m.dead, m.Len())
	}
	if ss := m.sparse[sparseSpc]; len(ss.terms) != 306 {
		t.Errorf("%d terms held after compacting, want the 306 live ones", len(ss.terms))
	}
	if v := m.Vectors(sparseSpc, []string{"w"})["w"].Sparse; !slices.Equal(v.Indices, wide.Indices) || !slices.Equal(v.Values, wide.Values) {
		t.Errorf("Vectors of w after compacting = %v, want it as upserted", v)
	}
	for q, want := range map[uint32][]string{1: {"a"}, 2: {"d"}, 3: {"c"}, 4: {"d"}, 5: {"e"}, 100: nil, 100 + minCompact - 1: {"e"}} {
		if got := hitIDs(memSearch(t, m, sparseQuery(q))); !slices.Equal(got, want) {
			t.Errorf("search %d = %v, want %v", q, got, want)
		}
	}
	if v := m.Vectors(sparseSpc, []string{"d"}); !slices.Equal(v["d"].Sparse.Indices, []uint32{2, 4}) {
		t.Errorf("Vectors of d after compacting = %v, want [2 4]", v["d"])
	}
}

// Scores use the document frequencies of the index as it is now.
func TestMemoryIDF(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemory()
	w := func(vals ...float32) embed.Vector { // terms 1, 2, 3 with these weights
		return embed.Vector{Sparse: embed.Sparse{Indices: []uint32{1, 2, 3}[:len(vals)], Values: vals}}
	}
	doc := func(id string, v embed.Vector) Doc {
		return Doc{ID: id, Vectors: map[string]embed.Vector{sparseSpc: v}}
	}
	memUpsert(t, m,
		doc("a", w(0.6, 0.8)), // terms 1, 2
		doc("b", embed.Vector{Sparse: embed.Sparse{Indices: []uint32{2}, Values: []float32{1}}}),
		doc("c", embed.Vector{Sparse: embed.Sparse{Indices: []uint32{3}, Values: []float32{1}}}),
	)
	q := Query{Space: sparseSpc, Vector: w(0.5, 0.5, 0.5)}
	score := func(hits []Hit, id string) float64 {
		for _, h := range hits {
			if h.ID == id {
				return h.Score
			}
		}
		return math.NaN()
	}
	check := func(when string, want map[string]float64) {
		t.Helper()
		hits := memSearch(t, m, q)
		if len(hits) != len(want) {
			t.Errorf("%s: hits %v, want %d", when, hits, len(want))
		}
		for id, s := range want {
			if got := score(hits, id); math.Abs(got-s) > 1e-5 {
				t.Errorf("%s: score of %s = %v, want %v", when, id, got, s)
			}
		}
	}
	// 3 docs: term 1 in 1 doc, term 2 in 2, term 3 in 1.
	check("3 docs", map[string]float64{
		"a": 0.5*IDF(3, 1)*0.6 + 0.5*IDF(3, 2)*0.8,
		"b": 0.5 * IDF(3, 2),
		"c": 0.5 * IDF(3, 1),
	})
	memUpsert(t, m, doc("d", embed.Vector{Sparse: embed.Sparse{Indices: []uint32{2, 4}, Values: []float32{0.6, 0.8}}}))
	check("4 docs", map[string]float64{
		"a": 0.5*IDF(4, 1)*0.6 + 0.5*IDF(4, 3)*0.8,
		"b": 0.5 * IDF(4, 3),
		"c": 0.5 * IDF(4, 1),
		"d": 0.5 * IDF(4, 3) * 0.6,
	})
	if err := m.Delete(ctx, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	check("a and b deleted", map[string]float64{
		"c": 0.5 * IDF(2, 1),
		"d": 0.5 * IDF(2, 1) * 0.6,
	})
	// Sanity of IDF itself: rarer is heavier, and never negative.
	if !(IDF(10, 1) > IDF(10, 5) && IDF(10, 5) > IDF(10, 10) && IDF(10, 10) > 0) {
		t.Errorf("IDF(10, 1/5/10) = %v, %v, %v", IDF(10, 1), IDF(10, 5), IDF(10, 10))
	}
}

func TestMemoryMaxDocFreq(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	// 40 docs: term 1 in all, term 2 in d00-d11, term 4 in d12-d16, term 3
	// in d39 only.
	for i := range 40 {
		terms := []uint32{1}
		switch {
		case i < 12:
			terms = append(terms, 2)
		case i < 17:
			terms = append(terms, 4)
		case i == 39:
			terms = append(terms, 3)
		}
		memUpsert(t, m, sparseDoc(fmt.Sprintf("d%02d", i), terms...))
	}
	// Only long queries lose terms: pad with terms no doc has.
	long := []uint32{1, 2, 3, 4}
	for i := range shortQueryTerms {
		long = append(long, uint32(1000+i))
	}
	tests := []struct {
		name  string
		max   float64
		terms []uint32
		want  int
	}{
		{"no limit", 0, long, 40},
		{"df 40 is not above 40", 1, long, 40},
		{"term 1 dropped", 0.9, long, 18},
		{"df 12 is not above 12", 0.3, long, 18},
		{"term 2 dropped too", 0.29, long, 6},
		{"terms in ten docs or fewer kept", 0.01, long, 6},
		{"however small the fraction", 1e-9, long, 6},
		{"negative is no limit", -1, long, 40},
		{"a short query keeps every term", 0.01, long[:shortQueryTerms], 40},
	}
	for _, tt := range tests {
		q := sparseQuery(tt.terms...)
		q.MaxDocFreq = tt.max
		if got := memSearch(t, m, q); len(got) != tt.want {
			t.Errorf("%s: MaxDocFreq %v, %d terms: %d hits, want %d", tt.name, tt.max, len(tt.terms), len(got), tt.want)
		}
	}
}

// Terms keeps the terms whose value times idf is largest, not the largest
// values: a rare term outweighs a common one of a larger value.
func TestMemoryTerms(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	// Term 1 in a, b and c (idf 0.36), term 2 in d alone (idf 1.20): 1 ×
	// 0.36 weighs less than 0.5 × 1.20.
	memUpsert(t, m, sparseDoc("a", 1), sparseDoc("b", 1), sparseDoc("c", 1), sparseDoc("d", 2))
	q := Query{Space: sparseSpc, Vector: embed.Vector{Sparse: embed.Sparse{Indices: []uint32{1, 2}, Values: []float32{1, 0.5}}}}
	tests := []struct {
		terms int
		want  []string
	}{
		{0, []string{"d", "a", "b", "c"}},
		{1, []string{"d"}},
		{2, []string{"d", "a", "b", "c"}},
	}
	for _, tt := range tests {
		q.Terms = tt.terms
		var got []string
		for _, h := range memSearch(t, m, q) {
			got = append(got, h.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Terms %d: %v, want %v", tt.terms, got, tt.want)
		}
	}
}

func TestMemoryFilter(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	for _, d := range []struct{ id, date string }{
		{"jan", "2024-01-15"}, {"feb", "2024-02-01"}, {"mar", "2024-03-31"},
		{"old", "1969-12-31"}, {"undated", ""},
	} {
		doc := sparseDoc(d.id, 1)
		doc.Published = memDay(d.date)
		memUpsert(t, m, doc)
	}
	all := []string{"feb", "jan", "mar", "old", "undated"}
	tests := []struct {
		name   string
		filter Filter
		want   []string
	}{
		{"none", Filter{}, all},
		{"after, inclusive", Filter{After: memDay("2024-02-01")}, []string{"feb", "mar"}},
		{"before, inclusive", Filter{Before: memDay("2024-02-01")}, []string{"feb", "jan", "old"}},
		{"one day", Filter{After: memDay("2024-03-31"), Before: memDay("2024-03-31")}, []string{"mar"}},
		{"before 1970", Filter{Before: memDay("1969-12-31")}, []string{"old"}},
		{"after 1970 keeps it out", Filter{After: memDay("1970-01-01")}, []string{"feb", "jan", "mar"}},
		{"empty range", Filter{After: memDay("2024-03-01"), Before: memDay("2024-02-01")}, nil},
		{"exclude", Filter{Exclude: []string{"jan", "undated", "unknown"}}, []string{"feb", "mar", "old"}},
		{"exclude and date", Filter{After: memDay("2024-01-01"), Exclude: []string{"feb"}}, []string{"jan", "mar"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := sparseQuery(1)
			q.Filter = tt.filter
			got := hitIDs(memSearch(t, m, q))
			slices.Sort(got) // every doc scores alike
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMemoryLimitAndTies(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	// Ten docs tie on term 1; "best" also has term 2. Insert out of id order
	// so a tie broken by slot would show.
	for _, id := range []string{"j", "c", "h", "a", "e", "i", "b", "g", "d", "f"} {
		memUpsert(t, m, sparseDoc(id, 1))
	}
	memUpsert(t, m, sparseDoc("best", 1, 2))
	tests := []struct {
		limit int
		want  []string
	}{
		{1, []string{"best"}},
		{4, []string{"best", "a", "b", "c"}},
		{11, []string{"best", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}},
		{50, []string{"best", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}},
		{-1, nil},
	}
	for _, tt := range tests {
		q := sparseQuery(1, 2)
		q.Limit = tt.limit
		hits, err := m.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if got := hitIDs(hits); !slices.Equal(got, tt.want) {
			t.Errorf("limit %d: %v, want %v", tt.limit, got, tt.want)
		}
	}
}

// A doc is one hit at most, whatever the weights: a zero weight once made
// a doc count as untouched, listed again by the next term.
func TestMemoryHitOnce(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	memUpsert(t, m, Doc{ID: "a", Vectors: map[string]embed.Vector{sparseSpc: {Sparse: embed.Sparse{
		Indices: []uint32{1, 2, 3}, Values: []float32{0, 1, 1},
	}}}}, sparseDoc("b", 2), sparseDoc("c", 4, 5, 6))
	for _, q := range []embed.Sparse{
		{Indices: []uint32{1, 2, 3}, Values: []float32{1, 1, 1}},
		{Indices: []uint32{1, 2, 3}, Values: []float32{1, 0, 1}},
		// Terms 4 and 5 have the same IDF, so c's sum is exactly 0 after
		// them, and term 6 lists c again.
		{Indices: []uint32{4, 5, 6}, Values: []float32{1, -1, 1}},
	} {
		hits := memSearch(t, m, Query{Space: sparseSpc, Vector: embed.Vector{Sparse: q}})
		got := hitIDs(hits)
		slices.Sort(got)
		if len(slices.Compact(got)) != len(hits) {
			t.Errorf("query %v: a doc is listed twice: %v", q, hits)
		}
	}
}

func TestMemoryDense(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemory()
	// Unnormalised on purpose: the index must rank by cosine, not dot.
	memUpsert(t, m, denseDoc("x", 10, 0, 0), denseDoc("xy", 1, 1, 0), denseDoc("y", 0, 0.1, 0), denseDoc("-x", -3, 0, 0))
	hits := memSearch(t, m, Query{Space: denseSpc, Vector: embed.Vector{Dense: []float32{2, 0.5, 0}}})
	if got := hitIDs(hits); !slices.Equal(got, []string{"x", "xy", "y", "-x"}) {
		t.Errorf("ranking %v, want [x xy y -x]", hits)
	}
	q := math.Sqrt(4.25)
	want := []float64{2 / q, 2.5 / q / math.Sqrt2, 0.5 / q, -2 / q}
	for i, h := range hits {
		if math.Abs(h.Score-want[i]) > 1e-5 {
			t.Errorf("score of %s = %v, want cosine %v", h.ID, h.Score, want[i])
		}
	}

	if err := m.Upsert(ctx, []Doc{denseDoc("z", 1, 2)}); err == nil {
		t.Error("upsert of a 2-dimensional vector into a 3-dimensional space succeeded")
	}
	if _, err := m.Search(ctx, Query{Space: denseSpc, Vector: embed.Vector{Dense: []float32{1, 2}}, Limit: 5}); err == nil {
		t.Error("search with a 2-dimensional query in a 3-dimensional space succeeded")
	}
	if m.Len() != 4 {
		t.Errorf("Len = %d after a refused upsert, want 4", m.Len())
	}
}

// Deleting a dense row moves the last row into its place: every doc left
// must still own its own vector.
func TestMemoryDenseSwapRemove(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	const n, dims = 60, 16
	vecs := map[string][]float32{}
	m := NewMemory()
	for i := range n {
		v := make([]float32, dims)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		id := fmt.Sprintf("doc%02d", i)
		vecs[id] = v
		memUpsert(t, m, denseDoc(id, v...))
	}
	// The first row, the last row, runs of neighbours, and some at random.
	gone := []string{"doc00", "doc59", "doc58", "doc30", "doc31", "doc32"}
	for _, i := range r.Perm(n)[:10] {
		gone = append(gone, fmt.Sprintf("doc%02d", i))
	}
	for _, id := range gone {
		if err := m.Delete(ctx, []string{id}); err != nil {
			t.Fatal(err)
		}
		delete(vecs, id)
	}
	// Re-add a few, which appends rows after the moves.
	for _, id := range []string{"doc00", "doc30"} {
		v := make([]float32, dims)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		vecs[id] = v
		memUpsert(t, m, denseDoc(id, v...))
	}
	if m.Len() != len(vecs) {
		t.Fatalf("Len = %d, want %d", m.Len(), len(vecs))
	}
	for id, v := range vecs {
		hits := memSearch(t, m, Query{Space: denseSpc, Vector: embed.Vector{Dense: v}, Limit: n})
		if len(hits) != len(vecs) {
			t.Errorf("%s: %d hits, want %d", id, len(hits), len(vecs))
		}
		if len(hits) == 0 || hits[0].ID != id || math.Abs(hits[0].Score-1) > 1e-5 {
			t.Errorf("%s: best hit %v, want itself with score 1", id, hits[:min(1, len(hits))])
		}
	}
}

// A refused upsert leaves the index exactly as it was, whether the
// conflict is with the index or within the batch itself.
func TestMemoryUpsertRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		batch []Doc
		want  string // in the error
	}{
		{"dense into a sparse space", []Doc{{ID: "n", Vectors: map[string]embed.Vector{sparseSpc: {Dense: []float32{1, 0, 0}}}}}, "mixes"},
		{"sparse into a dense space", []Doc{{ID: "n", Vectors: map[string]embed.Vector{denseSpc: terms(1)}}}, "mixes"},
		{"wrong dimensions", []Doc{denseDoc("n", 1, 2)}, "dimensional"},
		{"no id", []Doc{sparseDoc("", 1)}, "without id"},
		{"good doc then bad doc", []Doc{sparseDoc("n", 1), denseDoc("o", 1)}, "dimensional"},
		{"indices not ascending", []Doc{{ID: "n", Vectors: map[string]embed.Vector{sparseSpc: {Sparse: embed.Sparse{Indices: []uint32{2, 1}, Values: []float32{1, 1}}}}}}, "not ascending"},
		{"an index twice", []Doc{{ID: "n", Vectors: map[string]embed.Vector{sparseSpc: {Sparse: embed.Sparse{Indices: []uint32{1, 1}, Values: []float32{1, 1}}}}}}, "not ascending"},
		{"bad doc replacing a good one", []Doc{denseDoc("a", 1)}, "dimensional"},
		{"new space, sparse then dense", []Doc{
			{ID: "n", Vectors: map[string]embed.Vector{"new": terms(1)}},
			{ID: "o", Vectors: map[string]embed.Vector{"new": {Dense: []float32{1, 0}}}},
		}, "mixes"},
		{"new space, dense then sparse", []Doc{
			{ID: "n", Vectors: map[string]embed.Vector{"new": {Dense: []float32{1, 0}}}},
			{ID: "o", Vectors: map[string]embed.Vector{"new": terms(1)}},
		}, "mixes"},
		{"new space, two dimensions", []Doc{
			{ID: "n", Vectors: map[string]embed.Vector{"new": {Dense: []float32{1, 0}}}},
			{ID: "o", Vectors: map[string]embed.Vector{"new": {Dense: []float32{1, 0, 0}}}},
		}, "dimensional"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMemory()
			a := sparseDoc("a", 1, 2)
			a.Vectors[denseSpc] = embed.Vector{Dense: []float32{1, 0, 0}}
			memUpsert(t, m, a)
			err := m.Upsert(context.Background(), tt.batch)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Upsert = %v, want an error about %q", err, tt.want)
			}
			if m.Len() != 1 {
				t.Errorf("Len = %d, want 1", m.Len())
			}
			if got := hitIDs(memSearch(t, m, sparseQuery(1, 2))); !slices.Equal(got, []string{"a"}) {
				t.Errorf("sparse search = %v, want [a]", got)
			}
			if got := hitIDs(memSearch(t, m, Query{Space: denseSpc, Vector: embed.Vector{Dense: []float32{1, 0, 0}}})); !slices.Equal(got, []string{"a"}) {
				t.Errorf("dense search = %v, want [a]", got)
			}
			if _, ok := m.sparse["new"]; ok {
				t.Error("a sparse space was created by the refused upsert")
			}
			if _, ok := m.dense["new"]; ok {
				t.Error("a dense space was created by the refused upsert")
			}
		})
	}
}

// Run with -race: searches share the scratch pool and read while upserts
// and deletes write.
func TestMemoryConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemory()
	doc := func(i int) Doc {
		d := sparseDoc(fmt.Sprint("d", i%50), uint32(i%7), uint32(i%11), 100)
		d.Vectors[denseSpc] = embed.Vector{Dense: []float32{float32(i % 5), 1, float32(i % 3)}}
		return d
	}
	for i := range 50 {
		memUpsert(t, m, doc(i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 4 {
		wg.Go(func() {
			for i := range 300 {
				q := Query{Space: sparseSpc, Vector: terms(uint32(i%7), 100), Limit: 5}
				if w%2 == 1 {
					q = Query{Space: denseSpc, Vector: embed.Vector{Dense: []float32{1, 1, 1}}, Limit: 5}
				}
				hits, err := m.Search(ctx, q)
				if err != nil {
					errs <- err
					return
				}
				for j := 1; j < len(hits); j++ {
					if hits[j].ID == hits[j-1].ID {
						errs <- fmt.Errorf("doc %s listed twice", hits[j].ID)
						return
					}
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 600 {
			var err error
			if i%5 == 0 {
				err = m.Delete(ctx, []string{fmt.Sprint("d", i%50)})
			} else {
				err = m.Upsert(ctx, []Doc{doc(i)})
			}
			if err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Vectors hands back what was upserted (dense rows normalised), for the
// ids and the space asked, after deletes have moved rows and freed slots.
func TestMemoryVectors(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	memUpsert(t, m,
		Doc{ID: "a", Vectors: map[string]embed.Vector{sparseSpc: {Sparse: embed.Sparse{Indices: []uint32{1, 7}, Values: []float32{0.6, 0.8}}}, denseSpc: {Dense: []float32{3, 4}}}},
		Doc{ID: "b", Vectors: map[string]embed.Vector{denseSpc: {Dense: []float32{1, 0}}}},
		Doc{ID: "c", Vectors: map[string]embed.Vector{sparseSpc: {Sparse: embed.Sparse{Indices: []uint32{2}, Values: []float32{1}}}, denseSpc: {Dense: []float32{0, 2}}}},
	)
	// Deleting a moves c's dense row into a's place and frees a's slot.
	if err := m.Delete(context.Background(), []string{"a"}); err != nil {
		t.Fatal(err)
	}
	memUpsert(t, m, sparseDoc("d", 5))

	got := m.Vectors(denseSpc, []string{"a", "b", "c", "d", "nobody"})
	want := map[string][]float32{"b": {1, 0}, "c": {0, 1}}
	if len(got) != len(want) {
		t.Fatalf("dense Vectors = %v, want %v", got, want)
	}
	for id, w := range want {
		if !slices.Equal(got[id].Dense, w) {
			t.Errorf("dense %s = %v, want %v", id, got[id].Dense, w)
		}
	}
	sparse := m.Vectors(sparseSpc, []string{"a", "b", "c", "d"})
	if len(sparse) != 2 || !slices.Equal(sparse["c"].Sparse.Values, []float32{1}) ||
		!slices.Equal(sparse["d"].Sparse.Indices, []uint32{5}) {
		t.Errorf("sparse Vectors = %v, want c and d as upserted", sparse)
	}
	if v := m.Vectors("no-such-space", []string{"b"}); len(v) != 0 {
		t.Errorf("Vectors of an unknown space = %v, want none", v)
	}
}

// The flat copy of the vectors is kept in chunks of 2^20 entries: a vector
// across two comes back whole, and is searched as any other.
func TestMemoryVectorsAcrossChunks(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	// The third doc straddles the first chunk's end (checked below: these
	// docs take 2 bytes a term). The docs share their terms but the
	// third's last, so that few terms are made.
	const size = 200_000
	var docs []Doc
	for d := range 3 {
		var v embed.Sparse
		for i := range size {
			v.Indices = append(v.Indices, uint32(i))
			v.Values = append(v.Values, float32(1+(i+d)%3))
		}
		if d == 2 {
			v.Indices[size-1] = size
		}
		docs = append(docs, Doc{ID: fmt.Sprint("d", d), Vectors: map[string]embed.Vector{sparseSpc: {Sparse: v}}})
	}
	memUpsert(t, m, docs...)
	if ss := m.sparse[sparseSpc]; ss.off[2]>>chunkBits == (ss.off[3]-1)>>chunkBits {
		t.Fatalf("the third doc, bytes %d to %d, lies in one chunk", ss.off[2], ss.off[3])
	}
	got := m.Vectors(sparseSpc, []string{"d0", "d1", "d2"})
	for _, d := range docs {
		want := d.Vectors[sparseSpc].Sparse
		if v := got[d.ID].Sparse; !slices.Equal(v.Indices, want.Indices) || !slices.Equal(v.Values, want.Values) {
			t.Errorf("Vectors of %s differ from what was upserted", d.ID)
		}
	}
	if got := hitIDs(memSearch(t, m, sparseQuery(size))); !slices.Equal(got, []string{"d2"}) {
		t.Errorf("search = %v, want [d2]", got)
	}
}

// The postings added since the last pack stay under a quarter of the
// packed array, and every list reads the same packed, grown in place or
// loose: here one paper at a time adds to the common term 1 and to a term
// of its own, and each tenth paper is deleted.
func TestMemoryPacksLists(t *testing.T) {
	m := NewMemory()
	ss := func() *sparseSpace { return m.sparse[sparseSpc] }
	want := map[string]bool{}
	for i := range 200 {
		id := fmt.Sprint("p", i)
		memUpsert(t, m, sparseDoc(id, 1, uint32(1000+i)))
		want[id] = true
		if i%10 == 9 {
			gone := fmt.Sprint("p", i-5)
			if err := m.Delete(context.Background(), []string{gone}); err != nil {
				t.Fatal(err)
			}
			delete(want, gone)
		}
		if s := ss(); 4*s.added > len(s.packed) {
			t.Fatalf("after paper %d: %d postings added since the last pack, %d packed", i, s.added, len(s.packed))
		}
		if got := memSearch(t, m, Query{Space: sparseSpc, Vector: terms(1), Limit: 1000}); len(got) != len(want) {
			t.Fatalf("after paper %d: term 1 finds %d papers, want %d", i, len(got), len(want))
		}
	}
	if len(ss().loose) == 0 {
		t.Fatal("no list was loose: the test no longer appends to packed lists")
	}
	var buf bytes.Buffer
	if err := m.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	read := NewMemory()
	if err := read.ReadSnapshot(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
		t.Fatal(err)
	}
	if s := read.sparse[sparseSpc]; len(s.loose) != 0 {
		t.Errorf("read from a snapshot, %d lists are loose", len(s.loose))
	}
	for i := range 200 {
		id := fmt.Sprint("p", i)
		got := hitIDs(memSearch(t, read, Query{Space: sparseSpc, Vector: terms(uint32(1000 + i))}))
		if want[id] != (len(got) == 1 && got[0] == id) {
			t.Errorf("term %d finds %v; %s live: %v", 1000+i, got, id, want[id])
		}
	}
}

// A space's last docs may have no vector in it (here the newest doc has
// only a dense one): a query that reads more postings than there are docs
// is summed in blocks, and its scan must stop where the space's docs do.
func TestMemorySearchSpaceEndsBeforeDocs(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	memUpsert(t, m, sparseDoc("a", 1, 2, 3), sparseDoc("b", 1, 2), denseDoc("c", 1, 0))
	hits := memSearch(t, m, sparseQuery(1, 2, 3))
	if got := hitIDs(hits); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("got %v, want [a b]", got)
	}
}

// Ranks hands back each held doc's Rank as last upserted, through deletes
// and the compaction they bring.
func TestMemoryRanks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemory()
	rank := func(i int) Rank { return Rank{Upvotes: int32(i), Title: uint64(i) << 40} }
	var ids []string
	for i := range 3 * minCompact {
		d := sparseDoc(fmt.Sprint("d", i), 1, uint32(i))
		d.Rank = rank(i)
		memUpsert(t, m, d)
		ids = append(ids, d.ID)
	}
	again := sparseDoc("d1", 2)
	again.Rank = rank(1000)
	memUpsert(t, m, again)
	// Two thirds deleted: the index compacts.
	if err := m.Delete(ctx, ids[minCompact:]); err != nil {
		t.Fatal(err)
	}
	if m.dead != 0 {
		t.Fatalf("%d dead slots: no compaction", m.dead)
	}
	want := map[string]Rank{}
	for i := range minCompact {
		want[ids[i]] = rank(i)
	}
	want["d1"] = rank(1000)
	if got := m.Ranks(append(ids, "nobody")); !maps.Equal(got, want) {
		t.Errorf("Ranks = %v, want %v", got, want)
	}
}
