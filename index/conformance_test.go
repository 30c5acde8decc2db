package index_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/index/qdranttest"
	"github.com/paperhound/paperhound/ingest"
)

// The conformance suite: the same cases against every Index, so that the
// embedded index and the Qdrant backend answer alike. The Qdrant backend
// runs against the in-process fake (TestQdrantConformance) and, when
// QDRANT_URL is set, against a real Qdrant (TestQdrantLiveConformance).

// Spaces named like the real ones, "/" included.
const (
	confSparse = "test-lexical/v1"
	confDense  = "test-endpoint/model"
)

// confOpen returns an empty index for one case; it is cleaned up with t.
// backend is what the suite tests: the methods recommend needs.
type backend interface {
	Upsert(ctx context.Context, docs []index.Doc) error
	Delete(ctx context.Context, ids []string) error
	Search(ctx context.Context, q index.Query) ([]index.Hit, error)
}

type confOpen func(t *testing.T) backend

func TestMemoryConformance(t *testing.T) {
	runConformance(t, func(*testing.T) backend { return index.NewMemory() })
}

// A score-only space ranks as the inverted lists do.
func TestMemoryScoreOnlyConformance(t *testing.T) {
	runConformance(t, func(*testing.T) backend {
		m := index.NewMemory()
		m.ScoreOnly(confSparse)
		return m
	})
}

func TestQdrantConformance(t *testing.T) {
	srv := qdranttest.Start(t)
	runConformance(t, func(t *testing.T) backend { return qdranttest.Open(t, srv.URL, "") })
}

func TestQdrantLiveConformance(t *testing.T) {
	url := confLiveURL(t)
	runConformance(t, func(t *testing.T) backend { return qdranttest.Open(t, url, os.Getenv("QDRANT_API_KEY")) })
}

// confLiveURL is the real Qdrant to test against, or skips the test.
func confLiveURL(t *testing.T) string {
	url := os.Getenv("QDRANT_URL")
	if url == "" {
		t.Skip("QDRANT_URL not set: skipping the live Qdrant suite")
	}
	return url
}

// confStep is one step of a case: an upsert, a delete, or a search and
// what it must answer (the hits, scores within 1e-5, or an error).
type confStep struct {
	upsert  []index.Doc
	delete  []string
	search  *index.Query
	want    []index.Hit
	wantErr string // in the error of the step
}

type confCase struct {
	name  string
	steps []confStep
}

func confDay(s string) paperhound.Date {
	d, err := paperhound.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// confVec is a sparse vector from term -> weight.
func confVec(terms map[uint32]float32) embed.Vector {
	var v embed.Vector
	for _, t := range slices.Sorted(maps.Keys(terms)) {
		v.Sparse.Indices = append(v.Sparse.Indices, t)
		v.Sparse.Values = append(v.Sparse.Values, terms[t])
	}
	return v
}

func confDoc(id, date string, terms map[uint32]float32, dense ...float32) index.Doc {
	d := index.Doc{ID: id, Vectors: map[string]embed.Vector{confSparse: confVec(terms)}}
	if date != "" {
		d.Published = confDay(date)
	}
	if dense != nil {
		d.Vectors[confDense] = embed.Vector{Dense: dense}
	}
	return d
}

// confBase is four docs with both spaces; d has no date.
func confBase() []index.Doc {
	return []index.Doc{
		confDoc("a", "2024-01-10", map[uint32]float32{1: 1, 2: 0.5}, 1, 0),
		confDoc("b", "2024-02-10", map[uint32]float32{1: 0.5, 3: 1}, 0, 1),
		confDoc("c", "2024-03-10", map[uint32]float32{2: 1, 3: 0.5}, 1, 1),
		confDoc("d", "", map[uint32]float32{4: 1}, -1, 0),
	}
}

func confSparseQ(terms map[uint32]float32, limit int, f index.Filter) *index.Query {
	return &index.Query{Space: confSparse, Vector: confVec(terms), Limit: limit, Filter: f}
}

func confDenseQ(limit int, f index.Filter, v ...float32) *index.Query {
	return &index.Query{Space: confDense, Vector: embed.Vector{Dense: v}, Limit: limit, Filter: f}
}

// idf is the weight of a term in df of n docs.
func confIDF(n, df float64) float64 { return index.IDF(n, df) }

var (
	confNoFilter = index.Filter{}
	confSqrtHalf = math.Sqrt(0.5)
)

func confCases() []confCase {
	base := confStep{upsert: confBase()}
	return []confCase{
		{"empty index", []confStep{
			{search: confSparseQ(map[uint32]float32{1: 1}, 10, confNoFilter)},
			{search: confDenseQ(10, confNoFilter, 1, 0)},
		}},
		{"sparse search weighs terms by idf", []confStep{base,
			// n=4; terms 1 and 2 are in two docs each.
			{search: confSparseQ(map[uint32]float32{1: 1, 2: 1}, 10, confNoFilter), want: []index.Hit{
				{"a", 1.5 * confIDF(4, 2)}, {"c", confIDF(4, 2)}, {"b", 0.5 * confIDF(4, 2)},
			}},
			// Term 4 is in one doc: rarer, so weightier.
			{search: confSparseQ(map[uint32]float32{3: 1, 4: 1}, 10, confNoFilter), want: []index.Hit{
				{"d", confIDF(4, 1)}, {"b", confIDF(4, 2)}, {"c", 0.5 * confIDF(4, 2)},
			}},
			// Query weights scale; an unknown term adds nothing.
			{search: confSparseQ(map[uint32]float32{4: 2, 99: 1}, 10, confNoFilter), want: []index.Hit{{"d", 2 * confIDF(4, 1)}}},
			{search: confSparseQ(map[uint32]float32{99: 1}, 10, confNoFilter)},
			{search: confSparseQ(nil, 10, confNoFilter)},
		}},
		{"terms: the query's heaviest only", []confStep{base,
			// Both terms are in two docs: the heavier is term 1.
			{search: &index.Query{Space: confSparse, Vector: confVec(map[uint32]float32{1: 2, 3: 1}), Limit: 10, Terms: 1}, want: []index.Hit{
				{"a", 2 * confIDF(4, 2)}, {"b", confIDF(4, 2)},
			}},
			{search: &index.Query{Space: confSparse, Vector: confVec(map[uint32]float32{1: 2, 3: 1}), Limit: 10, Terms: 2}, want: []index.Hit{
				{"a", 2 * confIDF(4, 2)}, {"b", confIDF(4, 2) + confIDF(4, 2)}, {"c", 0.5 * confIDF(4, 2)},
			}},
		}},
		{"dense search is cosine", []confStep{base,
			{search: confDenseQ(10, confNoFilter, 2, 0), want: []index.Hit{{"a", 1}, {"c", confSqrtHalf}, {"b", 0}, {"d", -1}}},
			{search: confDenseQ(10, confNoFilter, -3, -3), want: []index.Hit{{"d", confSqrtHalf}, {"a", -confSqrtHalf}, {"b", -confSqrtHalf}, {"c", -1}}},
		}},
		{"limits", []confStep{base,
			{search: confDenseQ(2, confNoFilter, 1, 0), want: []index.Hit{{"a", 1}, {"c", confSqrtHalf}}},
			{search: confDenseQ(1, confNoFilter, 1, 0), want: []index.Hit{{"a", 1}}},
			{search: confDenseQ(0, confNoFilter, 1, 0)},
			{search: confSparseQ(map[uint32]float32{1: 1, 2: 1}, 1, confNoFilter), want: []index.Hit{{"a", 1.5 * confIDF(4, 2)}}},
			{search: confSparseQ(map[uint32]float32{1: 1, 2: 1}, 100, confNoFilter), want: []index.Hit{
				{"a", 1.5 * confIDF(4, 2)}, {"c", confIDF(4, 2)}, {"b", 0.5 * confIDF(4, 2)},
			}},
		}},
		{"date filters are inclusive and drop undated docs", []confStep{base,
			{search: confDenseQ(10, index.Filter{After: confDay("2024-02-10")}, 1, 0), want: []index.Hit{{"c", confSqrtHalf}, {"b", 0}}},
			{search: confDenseQ(10, index.Filter{Before: confDay("2024-02-10")}, 1, 0), want: []index.Hit{{"a", 1}, {"b", 0}}},
			{search: confDenseQ(10, index.Filter{After: confDay("2024-02-10"), Before: confDay("2024-02-10")}, 1, 0), want: []index.Hit{{"b", 0}}},
			{search: confDenseQ(10, index.Filter{After: confDay("2024-02-11"), Before: confDay("2024-03-09")}, 1, 0)},
			{search: confDenseQ(10, index.Filter{After: confDay("2024-03-01"), Before: confDay("2024-01-01")}, 1, 0)},
			// The undated doc is found without a date filter.
			{search: confSparseQ(map[uint32]float32{4: 1}, 10, confNoFilter), want: []index.Hit{{"d", confIDF(4, 1)}}},
			{search: confSparseQ(map[uint32]float32{4: 1}, 10, index.Filter{Before: confDay("2030-01-01")})},
		}},
		{"exclude", []confStep{base,
			{search: confDenseQ(10, index.Filter{Exclude: []string{"a", "not-there"}}, 1, 0), want: []index.Hit{{"c", confSqrtHalf}, {"b", 0}, {"d", -1}}},
			{search: confSparseQ(map[uint32]float32{1: 1, 2: 1}, 10, index.Filter{Exclude: []string{"c"}, After: confDay("2024-01-11")}), want: []index.Hit{
				{"b", 0.5 * confIDF(4, 2)},
			}},
		}},
		{"only the docs named", []confStep{base,
			// Scores and idf are those of the whole index; unknown and
			// repeated ids add nothing; an empty list names no doc.
			{search: confSparseQ(map[uint32]float32{1: 1, 2: 1}, 10, index.Filter{Only: []string{"b", "c", "c", "not-there"}}), want: []index.Hit{
				{"c", confIDF(4, 2)}, {"b", 0.5 * confIDF(4, 2)},
			}},
			{search: confSparseQ(map[uint32]float32{1: 1, 2: 1}, 1, index.Filter{Only: []string{"a", "b", "c"}, Exclude: []string{"a"}}), want: []index.Hit{{"c", confIDF(4, 2)}}},
			{search: confSparseQ(map[uint32]float32{1: 1}, 10, index.Filter{Only: []string{"c", "d"}})},
			{search: confSparseQ(map[uint32]float32{1: 1}, 10, index.Filter{Only: []string{}})},
			{search: confDenseQ(10, index.Filter{Only: []string{"d", "b"}, After: confDay("2024-01-01")}, 1, 0), want: []index.Hit{{"b", 0}}},
		}},
		{"upsert replaces a doc whole", []confStep{base,
			{upsert: []index.Doc{confDoc("a", "2024-05-01", map[uint32]float32{4: 1}, 0, -1)}},
			// a's old terms are gone, its new one counts in df; n is still 4.
			{search: confSparseQ(map[uint32]float32{1: 1, 2: 1}, 10, confNoFilter), want: []index.Hit{
				{"c", confIDF(4, 1)}, {"b", 0.5 * confIDF(4, 1)},
			}},
			{search: confSparseQ(map[uint32]float32{4: 1}, 10, confNoFilter), want: []index.Hit{{"a", confIDF(4, 2)}, {"d", confIDF(4, 2)}}},
			{search: confDenseQ(10, confNoFilter, 0, -1), want: []index.Hit{{"a", 1}, {"d", 0}, {"c", -confSqrtHalf}, {"b", -1}}},
			{search: confDenseQ(10, index.Filter{After: confDay("2024-04-01")}, 0, -1), want: []index.Hit{{"a", 1}}},
			// Without its dense vector now, a leaves the dense space.
			{upsert: []index.Doc{confDoc("a", "", map[uint32]float32{4: 1})}},
			{search: confDenseQ(10, confNoFilter, 1, 0), want: []index.Hit{{"c", confSqrtHalf}, {"b", 0}, {"d", -1}}},
			{search: confSparseQ(map[uint32]float32{4: 1}, 10, index.Filter{After: confDay("2024-04-01")})},
		}},
		{"delete", []confStep{base,
			{delete: []string{"b", "not-there"}},
			// n=3: term 1 is in a only, term 2 in a and c.
			{search: confSparseQ(map[uint32]float32{1: 1, 2: 1}, 10, confNoFilter), want: []index.Hit{
				{"a", confIDF(3, 1) + 0.5*confIDF(3, 2)}, {"c", confIDF(3, 2)},
			}},
			{search: confDenseQ(10, confNoFilter, 0, 1), want: []index.Hit{{"c", confSqrtHalf}, {"a", 0}, {"d", 0}}},
			{delete: []string{"a", "c", "d"}},
			{search: confDenseQ(10, confNoFilter, 0, 1)},
			{upsert: []index.Doc{confDoc("b", "2024-02-10", map[uint32]float32{1: 1}, 0, 1)}},
			{search: confDenseQ(10, confNoFilter, 0, 1), want: []index.Hit{{"b", 1}}},
			{delete: nil},
		}},
		{"ties rank by id", []confStep{
			{upsert: confTied()},
			{search: confSparseQ(map[uint32]float32{7: 1}, 3, confNoFilter), want: confTiedHits(3, confIDF(12, 12))},
			{search: confDenseQ(5, confNoFilter, 1, 1), want: confTiedHits(5, 1)},
			{search: confDenseQ(4, index.Filter{Exclude: []string{"tie-00"}}, 1, 1), want: confTiedHits(5, 1)[1:]},
			{search: confDenseQ(20, confNoFilter, 1, 1), want: confTiedHits(12, 1)},
		}},
		{"unknown space answers nothing", []confStep{base,
			{search: &index.Query{Space: "nope/v1", Vector: confVec(map[uint32]float32{1: 1}), Limit: 10}},
			{search: &index.Query{Space: "nope/v2", Vector: embed.Vector{Dense: []float32{1, 0}}, Limit: 10}},
			// A dense query on a sparse space, or the reverse, finds nothing.
			{search: &index.Query{Space: confSparse, Vector: embed.Vector{Dense: []float32{1, 0}}, Limit: 10}},
			{search: &index.Query{Space: confDense, Vector: confVec(map[uint32]float32{1: 1}), Limit: 10}},
		}},
		{"refused", []confStep{base,
			{search: confDenseQ(10, confNoFilter, 1, 0, 0), wantErr: "dimensions"},
			{upsert: []index.Doc{confDoc("e", "", nil, 1, 0, 0)}, wantErr: "dimensional"},
			{upsert: []index.Doc{{ID: "e", Vectors: map[string]embed.Vector{confSparse: {Dense: []float32{1, 0}}}}}, wantErr: "mixes"},
			{upsert: []index.Doc{{ID: "e", Vectors: map[string]embed.Vector{confDense: confVec(map[uint32]float32{1: 1})}}}, wantErr: "mixes"},
			{upsert: []index.Doc{confDoc("", "", map[uint32]float32{1: 1})}, wantErr: "without id"},
			// A bad doc in a batch refuses the batch whole.
			{upsert: []index.Doc{confDoc("e", "", map[uint32]float32{1: 1}, 5, 5), confDoc("f", "", nil, 1)}, wantErr: "dimensional"},
			{search: confDenseQ(10, confNoFilter, 1, 0), want: []index.Hit{{"a", 1}, {"c", confSqrtHalf}, {"b", 0}, {"d", -1}}},
		}},
	}
}

// confTied is twelve docs with the same vectors, so that every query ties
// them all. Their point ids order them otherwise than their ids do.
func confTied() []index.Doc {
	var docs []index.Doc
	for i := 11; i >= 0; i-- {
		docs = append(docs, confDoc(fmt.Sprintf("tie-%02d", i), "2024-01-01", map[uint32]float32{7: 1}, 2, 2))
	}
	return docs
}

func confTiedHits(n int, score float64) []index.Hit {
	hits := make([]index.Hit, n)
	for i := range hits {
		hits[i] = index.Hit{ID: fmt.Sprintf("tie-%02d", i), Score: score}
	}
	return hits
}

func runConformance(t *testing.T, open confOpen) {
	for _, c := range confCases() {
		t.Run(c.name, func(t *testing.T) {
			idx := open(t)
			ctx := context.Background()
			for i, s := range c.steps {
				var err error
				var hits []index.Hit
				switch {
				case s.upsert != nil:
					err = idx.Upsert(ctx, s.upsert)
				case s.search != nil:
					hits, err = idx.Search(ctx, *s.search)
				default:
					err = idx.Delete(ctx, s.delete)
				}
				if s.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), s.wantErr) {
						t.Fatalf("step %d: err = %v, want one about %q", i, err, s.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if s.search != nil {
					if diff := confDiff(hits, s.want); diff != "" {
						t.Errorf("step %d: %+v: %s", i, *s.search, diff)
					}
				}
			}
		})
	}
	t.Run("sample corpus ranks as the embedded index does", func(t *testing.T) {
		confCompareCorpus(t, open(t))
	})
}

// confDiff says how got differs from want: the same ids in the same order,
// scores within 1e-5 (relative above 1).
func confDiff(got, want []index.Hit) string {
	if len(got) != len(want) {
		return fmt.Sprintf("got %d hits %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range got {
		if got[i].ID != want[i].ID || math.Abs(got[i].Score-want[i].Score) > 1e-5*max(1, math.Abs(want[i].Score)) {
			return fmt.Sprintf("hit %d is %v, want %v\n got %v\nwant %v", i, got[i], want[i], got, want)
		}
	}
	return ""
}

// confCorpus is the sample papers as docs: words, character n-grams, and a
// deterministic 16-dimensional stand-in for a dense embedding.
func confCorpus(t testing.TB) []index.Doc {
	t.Helper()
	papers, err := ingest.SamplePapers()
	if err != nil {
		t.Fatal(err)
	}
	var docs []index.Doc
	for _, p := range papers {
		docs = append(docs, index.Doc{
			ID: p.ID, Published: p.Published, Categories: p.Categories,
			Vectors: map[string]embed.Vector{
				embed.WordsSpace: {Sparse: embed.Words{}.Vector(p.Text())},
				embed.CharsSpace: {Sparse: embed.Chars{}.Vector(p.Text())},
				confDense:        {Dense: confHashDense(p.Text())},
			},
		})
	}
	if len(docs) < 30 {
		t.Fatalf("only %d sample papers", len(docs))
	}
	return docs
}

// confHashDense folds the text's tokens into 16 signed buckets.
func confHashDense(text string) []float32 {
	v := make([]float32, 16)
	for _, tok := range embed.Tokens(text) {
		h := fnv.New32a()
		h.Write([]byte(tok))
		x := h.Sum32()
		if x&16 != 0 {
			v[x%16]--
		} else {
			v[x%16]++
		}
	}
	return v
}

// confCompareCorpus loads the sample corpus into idx and into a Memory and
// checks that every paper's vectors, as queries, rank alike in both, with
// and without filters.
func confCompareCorpus(t *testing.T, idx backend) {
	ctx := context.Background()
	docs := confCorpus(t)
	ref := index.NewMemory()
	for _, ix := range []backend{ref, idx} {
		if err := ix.Upsert(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	// Deleting and re-adding some keeps both honest about df bookkeeping.
	gone := []string{docs[0].ID, docs[5].ID, docs[9].ID}
	for _, ix := range []backend{ref, idx} {
		if err := ix.Delete(ctx, gone); err != nil {
			t.Fatal(err)
		}
		if err := ix.Upsert(ctx, docs[5:6]); err != nil {
			t.Fatal(err)
		}
	}
	filters := []index.Filter{
		{},
		{After: confDay("2025-01-01")},
		{Before: confDay("2024-12-31"), Exclude: []string{docs[3].ID, docs[4].ID}},
		{After: confDay("2024-06-01"), Before: confDay("2025-06-30")},
	}
	queries := 0
	for i, d := range docs {
		for _, space := range []string{embed.WordsSpace, embed.CharsSpace, confDense} {
			q := index.Query{Space: space, Vector: d.Vectors[space], Limit: 5 + i%12, Filter: filters[i%len(filters)]}
			want, err := ref.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := idx.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if diff := confDiff(got, want); diff != "" {
				t.Errorf("paper %s, space %s, filter %+v: %s", d.ID, space, q.Filter, diff)
			}
			queries++
		}
	}
	t.Logf("%d queries over %d papers rank alike", queries, len(docs))
}
