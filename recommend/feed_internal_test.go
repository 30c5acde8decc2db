package recommend

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/schema/schematest"
)

// Only the same title posted twice is folded: numbers and versions tell
// papers apart.
func TestWithoutDuplicates(t *testing.T) {
	tests := []struct {
		name   string
		titles []string
		want   []string
	}{
		{"model versions", []string{"Gemma 2 Technical Report", "Gemma 3 Technical Report", "Qwen2 Technical Report", "Qwen2.5 Technical Report", "Phi-3 Technical Report", "Phi-4 Technical Report"},
			[]string{"Gemma 2 Technical Report", "Gemma 3 Technical Report", "Qwen2 Technical Report", "Qwen2.5 Technical Report", "Phi-3 Technical Report", "Phi-4 Technical Report"}},
		{"digits run together are another number", []string{"Qwen2.5", "Qwen25", "Qwen2-5"}, []string{"Qwen2.5", "Qwen25"}},
		{"stop words and short words count", []string{"A Survey of Agents", "Survey of Agents", "The Survey of Agents"}, []string{"A Survey of Agents", "Survey of Agents", "The Survey of Agents"}},
		{"case, accents, punctuation and spacing are folded", []string{"Attention Is All You Need", "attention is all you need.", "  Attention   is all  you need!", "Attention: Is All You Need", "Élan vital", "elan  vital"},
			[]string{"Attention Is All You Need", "Élan vital"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var results []Result
			for i, title := range tt.titles {
				results = append(results, Result{Paper: paperhound.Paper{ID: string(rune('a' + i)), Title: title}})
			}
			var got []string
			for _, r := range withoutDuplicates(results, paperTitle) {
				got = append(got, r.Paper.Title)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("kept %q, want %q", got, tt.want)
			}
		})
	}
}

// Feeds are ranked concurrently (one request each): folding a title must
// share no state. A shared transform.Transformer panicked here under the
// feed evaluation's parallel users.
func TestTitleKeyConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 2000 {
				if got := titleKey("Élastic Caché for Gemma 2"); got != "elastic cache for gemma 2" {
					t.Errorf("titleKey = %q", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// A paper with more than maxUpvoters upvoters is judged by an even sample
// of them, each standing for stride people, so one upvote's work in the
// collaborative channel stays bounded however popular the paper.
func TestSimilarToSamplesUpvoters(t *testing.T) {
	g := newVoteGraph()
	n := 2 * maxUpvoters
	for k := range n {
		user := fmt.Sprintf("u%04d", k)
		g.set(paperhound.Vote{User: user, Paper: "seed", Value: 1})
		// Every other upvoter also upvoted "even"; the rest "odd".
		other := map[bool]string{true: "even", false: "odd"}[k%2 == 0]
		g.set(paperhound.Vote{User: user, Paper: other, Value: 1})
	}
	sims := map[int32]float64{}
	g.similarTo(g.paperIdx["seed"], -1, 0.5, sims)
	even, odd := sims[g.paperIdx["even"]], sims[g.paperIdx["odd"]]
	// The sample reads upvoters 0, 2, 4...: all of "even"'s, none of "odd"'s,
	// each counted twice, as if all n had been read.
	want := float64(n) / math.Sqrt(2) / math.Sqrt(float64(n)) / math.Sqrt(float64(n/2))
	if odd != 0 || math.Abs(even-want) > 1e-9 {
		t.Errorf("even %.4f, odd %.4f; want %.4f and 0", even, odd, want)
	}
}

// similarities gives cosine's values to the bit, for sparse and dense
// vectors, and 0 for an upvote without a vector.
func TestSimilaritiesAreCosines(t *testing.T) {
	words := embed.Words{}
	texts := []string{"speculative decoding for large language models", "decoding with draft models",
		"language models decode tokens", "graph neural networks", "models of language and decoding speed"}
	upVecs := map[string]embed.Vector{}
	ups := []string{"missing"}
	for i, text := range texts[:4] {
		id := fmt.Sprint("up", i)
		ups = append(ups, id)
		upVecs[id] = embed.Vector{Sparse: words.Vector(text)}
	}
	dense := map[string]embed.Vector{"a": {Dense: []float32{0.6, 0.8}}, "b": {Dense: []float32{1, 0}}}
	tests := []struct {
		name string
		ups  []string
		vecs map[string]embed.Vector
		v    embed.Vector
	}{
		{"sparse", ups, upVecs, embed.Vector{Sparse: words.Vector(texts[4])}},
		{"sparse, an upvote itself", ups, upVecs, upVecs["up1"]},
		{"dense", []string{"a", "missing", "b"}, dense, embed.Vector{Dense: []float32{0.8, 0.6}}},
	}
	for _, tt := range tests {
		got := similarities(tt.ups, tt.vecs)(tt.v)
		var shared int
		for i, id := range tt.ups {
			want := 0.0
			if u, ok := tt.vecs[id]; ok {
				want = cosine(tt.v, u)
			}
			if got[i] != want {
				t.Errorf("%s: similarity with %s = %v, want %v", tt.name, id, got[i], want)
			}
			if want > 0 {
				shared++
			}
		}
		if shared < 2 {
			t.Errorf("%s: only %d upvotes share anything with the vector: the case tests little", tt.name, shared)
		}
	}
}

// The table of damped upvoter counts gives math.Pow's values to the bit,
// so rankings do not move by a rounding.
func TestDampedIsPow(t *testing.T) {
	for _, tt := range []struct {
		n       int
		damping float64
	}{{0, candidateDamping}, {1, candidateDamping}, {7, candidateDamping}, {1023, candidateDamping},
		{1024, candidateDamping}, {50000, candidateDamping}, {7, 0.5}, {7, 0}} {
		if got, want := damped(tt.n, tt.damping), math.Pow(float64(tt.n), tt.damping); got != want {
			t.Errorf("damped(%d, %v) = %v, want %v", tt.n, tt.damping, got, want)
		}
	}
}

// A sparse sum is, to the bit, what adding each part's weighted values
// into a map term by term in the parts' order gives: terms shared by many
// parts, terms whose every byte differs, negative weights, empty parts.
func TestSumSparse(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	randomPart := func(size int) weighted {
		terms := map[uint32]bool{}
		for range size {
			// Half from a small set, so that parts share terms.
			if r.IntN(2) == 0 {
				terms[uint32(r.IntN(50))<<24|uint32(r.IntN(3))] = true
			} else {
				terms[r.Uint32()] = true
			}
		}
		var v embed.Sparse
		v.Indices = slices.Sorted(maps.Keys(terms))
		for range v.Indices {
			v.Values = append(v.Values, r.Float32()*2-1)
		}
		return weighted{embed.Vector{Sparse: v}, r.Float64()*4 - 1}
	}
	tests := []struct {
		name  string
		sizes []int
	}{
		{"none", nil},
		{"one empty part", []int{0}},
		{"one part", []int{30}},
		{"many parts", []int{5, 0, 200, 1, 64, 64, 300}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var parts []weighted
			for _, n := range tt.sizes {
				parts = append(parts, randomPart(n))
			}
			acc := map[uint32]float32{}
			for _, p := range parts {
				for i, term := range p.v.Sparse.Indices {
					acc[term] += float32(p.w) * p.v.Sparse.Values[i]
				}
			}
			got := sumSparse(parts)
			if !slices.IsSorted(got.Indices) || len(got.Indices) != len(acc) || len(got.Values) != len(acc) {
				t.Fatalf("got %d terms, %d values (sorted: %v), want %d", len(got.Indices), len(got.Values), slices.IsSorted(got.Indices), len(acc))
			}
			for i, term := range got.Indices {
				if want, ok := acc[term]; !ok || math.Float32bits(got.Values[i]) != math.Float32bits(want) {
					t.Fatalf("term %#x: got %v, want %v (held: %v)", term, got.Values[i], want, ok)
				}
			}
		})
	}
}

// A feed's centroid, which the embedded index sums itself, is the sum of
// the papers' vectors, each times its weight: a paper the index lacks is
// embedded again from the store, or taken from the vectors read already,
// and added; one stored nowhere adds nothing.
func TestCentroid(t *testing.T) {
	ctx := context.Background()
	m := index.NewMemory()
	e := New(schematest.Open(t, "sqlite"), m, LexicalChannels(), nil)
	papers := []paperhound.Paper{
		{ID: "a", Title: "Speculative decoding", Abstract: "Draft tokens are verified by the target model in one pass."},
		{ID: "b", Title: "KV cache eviction", Abstract: "Evicting cached keys and values keeps long contexts in memory."},
		{ID: "c", Title: "Cache-aware speculative decoding", Abstract: "Drafts reuse the target model's KV cache."},
	}
	if _, err := e.Ingest(ctx, papers); err != nil {
		t.Fatal(err)
	}
	ids, weights := []string{"a", "b", "c", "nobody"}, []float64{0.5, 1, 0.25, 2}
	for _, lacked := range []string{"", "c"} {
		if lacked != "" {
			if err := m.Delete(ctx, []string{lacked}); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range e.channels {
			vecs, err := e.vectors(ctx, c, ids)
			if err != nil {
				t.Fatal(err)
			}
			if len(vecs) != 3 {
				t.Fatalf("%d vectors of a, b and c, want 3", len(vecs))
			}
			want := map[uint32]float32{}
			for i, id := range ids {
				for j, term := range vecs[id].Sparse.Indices {
					want[term] += float32(weights[i]) * vecs[id].Sparse.Values[j]
				}
			}
			// The vectors read already, when given, add only what the
			// index did not sum.
			for _, read := range []map[string]embed.Vector{nil, vecs} {
				got, err := e.centroid(ctx, c, ids, weights, read)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got.Sparse.Indices, slices.Sorted(maps.Keys(want))) {
					t.Fatalf("index lacking %q, %s, read %v: centroid of %d terms, want %d", lacked, c.Embedder.Space(), read != nil, got.Sparse.Len(), len(want))
				}
				for i, x := range got.Sparse.Values {
					if term := got.Sparse.Indices[i]; math.Abs(float64(x-want[term])) > 1e-6 {
						t.Fatalf("index lacking %q, %s, read %v: term %d is %v, want %v", lacked, c.Embedder.Space(), read != nil, term, x, want[term])
					}
				}
			}
		}
	}
}
