package index

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paperhound/paperhound/embed"
)

// Centroid is, to the bit, the weighted sum of what Vectors hands back,
// added in the order of the ids, in every kind of space: kept by tokens,
// by lexical vectors (values over 255 occurrences included), by any other
// sparse vectors, and dense; through upserts, deletes and compactions.
// Centroids of few terms and of tens of thousands alternate.
func TestMemoryCentroid(t *testing.T) {
	t.Parallel()
	const lexical, other = "test-lexical", "test-other"
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 14))
	m := NewMemory()
	m.ScoreOnly(tokenSpc)
	ids := make([]string, 0, 120)
	for i := range 120 {
		ids = append(ids, fmt.Sprint("d", i))
	}
	for round := range 200 {
		id := ids[r.IntN(len(ids))]
		switch r.IntN(4) {
		case 0:
			if err := m.Delete(ctx, []string{id}); err != nil {
				t.Fatal(err)
			}
		default:
			vs := map[string]embed.Vector{tokenSpc: charsVector(randomText(r)), denseSpc: {Dense: []float32{r.Float32(), r.Float32() - 0.5, 1}}}
			if r.IntN(5) > 0 {
				vs[lexical], _ = randomLexical(r, 1+r.IntN(60), 300)
			}
			if r.IntN(5) > 0 {
				// Of a large vocabulary: the sums' table grows, more than once.
				vs[other] = embed.Vector{Sparse: randomSparse(r, 1+r.IntN(400), 50_000, true)}
			}
			memUpsert(t, m, Doc{ID: id, Vectors: vs})
		}
		if round%50 != 49 {
			continue
		}
		for range 5 {
			// Distinct ids, some held nowhere, in a random order.
			asked := append(slices.Clone(ids), "nobody")
			r.Shuffle(len(asked), func(i, j int) { asked[i], asked[j] = asked[j], asked[i] })
			asked = asked[:r.IntN(len(asked))]
			weights := make([]float64, len(asked))
			for i := range weights {
				weights[i] = r.Float64()
			}
			for _, space := range []string{tokenSpc, lexical, other, denseSpc} {
				got, missing := m.Centroid(space, asked, weights)
				want, wantMissing := centroidOfVectors(m, space, asked, weights)
				if !slices.Equal(missing, wantMissing) {
					t.Fatalf("round %d, %s: missing %v, want %v", round, space, missing, wantMissing)
				}
				if fmt.Sprint(bitsOf(got)) != fmt.Sprint(bitsOf(want)) {
					t.Fatalf("round %d, %s, %d ids: centroid\n%v, want\n%v", round, space, len(asked), got, want)
				}
			}
		}
	}
}

// centroidOfVectors adds Vectors' vectors in the order of ids, term by term
// into a map (sparse) or element by element (dense).
func centroidOfVectors(m *Memory, space string, ids []string, weights []float64) (embed.Vector, []string) {
	vecs := m.Vectors(space, ids)
	var out embed.Vector
	acc := map[uint32]float32{}
	var missing []string
	for i, id := range ids {
		v, ok := vecs[id]
		switch {
		case !ok:
			missing = append(missing, id)
		case v.Dense != nil:
			if out.Dense == nil {
				out.Dense = make([]float32, len(v.Dense))
			}
			for j, x := range v.Dense {
				out.Dense[j] += float32(weights[i]) * x
			}
		default:
			for j, term := range v.Sparse.Indices {
				acc[term] += float32(weights[i]) * v.Sparse.Values[j]
			}
		}
	}
	if out.Dense == nil && len(acc) > 0 {
		out.Sparse.Indices = slices.Sorted(maps.Keys(acc))
		for _, term := range out.Sparse.Indices {
			out.Sparse.Values = append(out.Sparse.Values, acc[term])
		}
	}
	return out, missing
}

// bitsOf is v's entries with their values' bits, to compare exactly.
func bitsOf(v embed.Vector) []string {
	var out []string
	for i, term := range v.Sparse.Indices {
		out = append(out, fmt.Sprintf("%d:%#x", term, math.Float32bits(v.Sparse.Values[i])))
	}
	for _, x := range v.Dense {
		out = append(out, fmt.Sprintf("%#x", math.Float32bits(x)))
	}
	return out
}
