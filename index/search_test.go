package index

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paperhound/paperhound/embed"
)

// bruteSearch scores q against every live doc of docs, posting by posting
// in query order, straight from the docs: the reference the index's
// compact layout must match to the last bit. A lexical doc (its term
// frequencies in tfs) scores its scale times the sum of the query's
// weights times TFWeight(tf); any other, the sum of weights times values.
func bruteSearch(docs map[string]Doc, tfs map[string]map[uint32]int, q Query) []Hit {
	// Query.CandidateDocFreq: the candidates its terms find, ranked by all.
	if q.CandidateDocFreq > 0 && (q.MaxDocFreq == 0 || q.CandidateDocFreq < q.MaxDocFreq) && q.Filter.Only == nil {
		cq := q
		cq.MaxDocFreq, cq.CandidateDocFreq, cq.Limit = q.CandidateDocFreq, 0, 3*q.Limit
		if cut, all := len(bruteTerms(docs, cq)), len(bruteTerms(docs, q)); cut > 0 && cut < all {
			q.Filter.Only = []string{}
			for _, h := range bruteSearch(docs, tfs, cq) {
				q.Filter.Only = append(q.Filter.Only, h.ID)
			}
		}
		q.CandidateDocFreq = 0
	}
	terms := bruteTerms(docs, q)
	scores := map[string]float32{}
	for _, k := range terms {
		t, w := k.t, k.w
		for id, d := range docs {
			v := d.Vectors[q.Space].Sparse
			for j, u := range v.Indices {
				switch {
				case u != t:
				case tfs[id] != nil:
					scores[id] += w * embed.TFWeight(tfs[id][t])
				default:
					scores[id] += w * v.Values[j]
				}
			}
		}
	}
	var hits []Hit
	for id, s := range scores {
		d := docs[id]
		if tfs[id] != nil {
			s *= d.Vectors[q.Space].Scale
		}
		dated := !q.Filter.After.IsZero() || !q.Filter.Before.IsZero()
		switch {
		case s == 0, slices.Contains(q.Filter.Exclude, id),
			q.Filter.Only != nil && !slices.Contains(q.Filter.Only, id),
			dated && d.Published.IsZero(),
			!q.Filter.After.IsZero() && d.Published.Before(q.Filter.After.Time),
			!q.Filter.Before.IsZero() && d.Published.After(q.Filter.Before.Time):
			continue
		}
		hits = append(hits, Hit{ID: id, Score: float64(s)})
	}
	SortHits(hits)
	return hits[:min(len(hits), q.Limit)]
}

type bruteTerm struct {
	t uint32
	w float32
}

// bruteTerms are the terms of q that score, with their weights, in query
// order.
func bruteTerms(docs map[string]Doc, q Query) []bruteTerm {
	n := 0
	df := map[uint32]int{}
	for _, d := range docs {
		v, ok := d.Vectors[q.Space]
		if !ok {
			continue
		}
		n++
		for _, t := range v.Sparse.Indices {
			df[t]++
		}
	}
	drop := q.MaxDocFreq > 0 && len(q.Vector.Sparse.Indices) > shortQueryTerms
	var terms []bruteTerm
	for i, t := range q.Vector.Sparse.Indices {
		f := float64(df[t])
		if f == 0 || drop && f > q.MaxDocFreq*float64(n) && f > minDroppedDocFreq {
			continue
		}
		terms = append(terms, bruteTerm{t, float32(float64(q.Vector.Sparse.Values[i]) * IDF(float64(n), f))})
	}
	if q.Terms > 0 && len(terms) > q.Terms {
		// The heaviest, ties to the lower term, scored in query order.
		byWeight := slices.Clone(terms)
		slices.SortStableFunc(byWeight, func(a, b bruteTerm) int { return cmp.Compare(b.w, a.w) })
		kept := map[uint32]bool{}
		for _, k := range byWeight[:q.Terms] {
			kept[k.t] = true
		}
		terms = slices.DeleteFunc(terms, func(k bruteTerm) bool { return !kept[k.t] })
	}
	return terms
}

// randomSparse is a vector over terms [0, universe), ascending: its values
// drawn from a few (ties, as lexical vectors have) or from many (past 255
// distinct values a doc keeps some apart), some negative.
func randomSparse(r *rand.Rand, size, universe int, negative bool) embed.Sparse {
	var v embed.Sparse
	few := r.IntN(4) > 0
	for range size {
		t := uint32(r.IntN(universe))
		x := float32(r.IntN(4)+1) / 4
		if !few {
			x = r.Float32()
		}
		if negative && r.IntN(5) == 0 {
			x = -x
		}
		v.Indices = append(v.Indices, t)
		v.Values = append(v.Values, x)
	}
	slices.Sort(v.Indices)
	v.Indices = slices.Compact(v.Indices)
	v.Values = v.Values[:len(v.Indices)]
	return v
}

// randomLexical is a lexical vector (embed.Sublinear) of size occurrences
// of terms in [0, universe), one in ten with a term found over 255 times,
// and its term frequencies.
func randomLexical(r *rand.Rand, size, universe int) (embed.Vector, map[uint32]int) {
	var terms []uint32
	for range size {
		terms = append(terms, uint32(r.IntN(universe)))
	}
	if r.IntN(10) == 0 {
		for range 256 + r.IntN(50) {
			terms = append(terms, terms[0])
		}
	}
	tfs := map[uint32]int{}
	for _, t := range terms {
		tfs[t]++
	}
	v, scale := embed.Sublinear(terms)
	return embed.Vector{Sparse: v, Scale: scale}, tfs
}

// Random corpora of lexical docs and others (some with a Scale their
// values do not bear out), updated and deleted into (tombstones, pruned
// lists, compaction, docs of over 255 distinct values), answer random queries
// exactly as the brute-force scorer does: from inverted lists, from docs
// named by Filter.Only, and from a score-only space (made so from the
// start, or once it holds docs).
func TestMemorySearchIsExact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	days := []string{"2024-01-01", "2024-02-01", "2024-03-01", ""}
	for seed := range uint64(30) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 9))
			universe := 20 + r.IntN(300)
			negative := seed%3 == 0
			m, scored := NewMemory(), NewMemory()
			if seed%2 == 0 {
				scored.ScoreOnly(sparseSpc)
			}
			model, tfs := map[string]Doc{}, map[string]map[uint32]int{}
			for op := range 400 {
				if op == 100 {
					scored.ScoreOnly(sparseSpc)
				}
				id := fmt.Sprint("d", r.IntN(120))
				if r.IntN(4) == 0 {
					for _, idx := range []*Memory{m, scored} {
						if err := idx.Delete(ctx, []string{id}); err != nil {
							t.Fatal(err)
						}
					}
					delete(model, id)
					delete(tfs, id)
				} else {
					size := 1 + r.IntN(40)
					if r.IntN(20) == 0 {
						size = 300 + r.IntN(200)
					}
					v := embed.Vector{Sparse: randomSparse(r, size, max(universe, size), negative)}
					delete(tfs, id)
					switch r.IntN(4) {
					case 0:
						v.Scale = 0.5 // not what its values were scaled by
					case 1, 2:
						v, tfs[id] = randomLexical(r, size, universe)
					}
					d := Doc{ID: id, Vectors: map[string]embed.Vector{sparseSpc: v}}
					if day := days[r.IntN(len(days))]; day != "" {
						d.Published = memDay(day)
					}
					memUpsert(t, m, d)
					memUpsert(t, scored, d)
					model[id] = d
				}
				if op%25 != 24 {
					continue
				}
				ids := slices.Collect(maps.Keys(model))
				for name, idx := range map[string]*Memory{"lists": m, "score-only": scored} {
					got := idx.Vectors(sparseSpc, ids)
					for _, id := range ids {
						want := model[id].Vectors[sparseSpc].Sparse
						if v := got[id].Sparse; !slices.Equal(v.Indices, want.Indices) || !slices.Equal(v.Values, want.Values) {
							t.Fatalf("%s, op %d: vector of %s is %v, upserted %v", name, op, id, v, want)
						}
					}
				}
				for range 10 {
					size := 1 + r.IntN(8)
					if r.IntN(3) == 0 {
						size = 65 + r.IntN(100)
					}
					q := Query{
						Space: sparseSpc, Limit: 1 + r.IntN(25),
						Vector: embed.Vector{Sparse: randomSparse(r, size, universe, negative || r.IntN(4) == 0)},
					}
					if r.IntN(2) == 0 {
						q.MaxDocFreq = 0.3
					}
					if r.IntN(3) == 0 {
						q.Terms = 1 + r.IntN(size)
					}
					if r.IntN(3) == 0 {
						q.CandidateDocFreq = []float64{0.05, 0.1, 0.3, 0.5}[r.IntN(4)]
					}
					if r.IntN(3) == 0 {
						q.Filter.Exclude = []string{fmt.Sprint("d", r.IntN(120)), fmt.Sprint("d", r.IntN(120))}
					}
					if r.IntN(3) == 0 {
						q.Filter.After = memDay(days[r.IntN(3)])
					}
					if r.IntN(4) == 0 {
						q.Filter.Before = memDay(days[r.IntN(3)])
					}
					if r.IntN(3) == 0 {
						// Some unknown, some twice.
						q.Filter.Only = []string{}
						for range r.IntN(40) {
							q.Filter.Only = append(q.Filter.Only, fmt.Sprint("d", r.IntN(130)))
						}
					}
					want := bruteSearch(model, tfs, q)
					for name, idx := range map[string]*Memory{"lists": m, "score-only": scored} {
						got, err := idx.Search(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						if !slices.Equal(got, want) {
							t.Fatalf("%s, op %d: %+v\n got %v\nwant %v", name, op, q, got, want)
						}
					}
				}
			}
		})
	}
}

// Summed in blocks of any size, a query's sums are those of one block,
// to the bit, each slot's flushed once, and the scores are left zeroed.
func TestScoreBlocked(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	m := NewMemory()
	for i := range 500 {
		v, _ := randomLexical(r, 1+r.IntN(60), 200)
		memUpsert(t, m, Doc{ID: fmt.Sprint("d", i), Vectors: map[string]embed.Vector{sparseSpc: v}})
	}
	ss := m.sparse[sparseSpc]
	for q := range 20 {
		terms := ss.queryTerms(randomSparse(r, 20+r.IntN(100), 200, q%2 == 0), 0, 0)
		want := blockSums(t, m, terms, len(m.docs))
		if len(want) != len(m.docs) {
			t.Fatalf("one block flushed %d slots of %d", len(want), len(m.docs))
		}
		for _, block := range []int{1, 7, 64, len(m.docs) - 1} {
			for _, cut := range []bool{false, true} {
				// Every list cut at the block's boundaries, or none.
				ss.cutBlock, ss.cutMin, ss.cuts = block, 1, nil
				if cut {
					ss.cutLists()
				}
				if got := blockSums(t, m, terms, block); !maps.Equal(got, want) {
					t.Fatalf("query %d, blocks of %d, cut %v: sums differ from one block's", q, block, cut)
				}
			}
		}
	}
}

// blockSums is each slot's sum for terms in m's test space, summed in
// blocks of block slots, checking that each slot is flushed once and the
// scores are left zeroed.
func blockSums(t *testing.T, m *Memory, terms []queryTerm, block int) map[int32]float32 {
	t.Helper()
	scores := make([]float32, len(m.docs))
	out := map[int32]float32{}
	m.sparse[sparseSpc].scoreBlocked(terms, scores, block, func(start int, sums []float32) {
		for i, sum := range sums {
			slot := int32(start + i)
			if _, ok := out[slot]; ok {
				t.Fatalf("block %d: slot %d flushed twice", block, slot)
			}
			out[slot] = sum
		}
	})
	if slices.ContainsFunc(scores, func(x float32) bool { return x != 0 }) {
		t.Fatalf("block %d: scores left set", block)
	}
	return out
}

// A list's block cuts stay right through the writes after they were made:
// deletes that prune lists, adds that grow them past the last boundary
// cut, and the packs those adds set off.
func TestBlockCutsSurviveWrites(t *testing.T) {
	for _, block := range []int{1, 7, 64} {
		r := rand.New(rand.NewPCG(5, uint64(block)))
		m := NewMemory()
		held := map[string]map[uint32]int{}
		add := func(from, to int) {
			for i := from; i < to; i++ {
				v, tfs := randomLexical(r, 1+r.IntN(60), 200)
				held[fmt.Sprint("d", i)] = tfs
				memUpsert(t, m, Doc{ID: fmt.Sprint("d", i), Vectors: map[string]embed.Vector{sparseSpc: v}})
			}
		}
		add(0, 400)
		ss := m.sparse[sparseSpc]
		ss.cutBlock, ss.cutMin = block, 1
		ss.cutLists()
		// Most docs holding terms 0-2 go, so that their lists are pruned
		// and keep a few live postings, but not so many that the index
		// compacts (which makes every cut afresh).
		var gone []string
		for id, tfs := range held {
			if tfs[0]+tfs[1]+tfs[2] > 0 && r.IntN(5) > 0 {
				gone = append(gone, id)
			}
		}
		slots := len(m.docs)
		check := func(after string) {
			t.Helper()
			if len(m.docs) < slots {
				t.Fatal("the index compacted: the test no longer checks cuts kept through writes")
			}
			for q := range 10 {
				// Terms 0-2 in every query, then others.
				query := embed.Sparse{Indices: []uint32{0, 1, 2}, Values: []float32{1, 1, 1}}
				more := randomSparse(r, 20+r.IntN(100), 197, q%2 == 0)
				for i, h := range more.Indices {
					query.Indices = append(query.Indices, h+3)
					query.Values = append(query.Values, more.Values[i])
				}
				terms := ss.queryTerms(query, 0, 0)
				want := blockSums(t, m, terms, len(m.docs))
				if got := blockSums(t, m, terms, block); !maps.Equal(got, want) {
					t.Fatalf("blocks of %d, after %s, query %d: sums differ from one block's", block, after, q)
				}
			}
		}
		if err := m.Delete(context.Background(), gone); err != nil {
			t.Fatal(err)
		}
		check("deletes")
		add(400, 600)
		check("adds")
	}
}
