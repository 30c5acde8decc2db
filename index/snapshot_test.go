package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paperhound/paperhound/embed"
)

const (
	scoredSpc = "test-scored" // kept score-only
	tokenSpc  = "test-tokens" // kept score-only, by its docs' tokens
)

func snapshotIndex() *Memory {
	m := NewMemory()
	m.ScoreOnly(scoredSpc)
	m.ScoreOnly(tokenSpc)
	return m
}

// randomDoc has vectors in the three test spaces, some of over 255
// distinct values (kept apart, in wide), half its sparse ones lexical.
func randomDoc(r *rand.Rand, id string) Doc {
	size := 1 + r.IntN(40)
	if r.IntN(10) == 0 {
		size = 300 + r.IntN(100)
	}
	d := Doc{ID: id, Vectors: map[string]embed.Vector{
		sparseSpc: {Sparse: randomSparse(r, size, 500, false)},
		scoredSpc: {Sparse: randomSparse(r, size, 500, true)},
		tokenSpc:  charsVector(randomText(r)),
	}}
	if r.IntN(2) == 0 {
		d.Vectors[sparseSpc], _ = randomLexical(r, size, 500)
	}
	if r.IntN(2) == 0 {
		d.Vectors[denseSpc] = embed.Vector{Dense: []float32{r.Float32(), r.Float32() - 0.5, r.Float32()}}
	}
	if r.IntN(2) == 0 {
		d.Published = memDay("2024-02-01")
	}
	if r.IntN(2) == 0 {
		d.Rank = Rank{Upvotes: r.Int32N(1000), Title: r.Uint64()}
	}
	return d
}

// sameAnswers checks that a and b answer random queries alike, in every
// space, hand back the same vectors, and hold the same docs.
func sameAnswers(t *testing.T, r *rand.Rand, a, b *Memory) {
	t.Helper()
	ctx := context.Background()
	if a.Len() != b.Len() {
		t.Fatalf("Len = %d and %d", a.Len(), b.Len())
	}
	ids := make([]string, 0, 200)
	for i := range 200 {
		ids = append(ids, fmt.Sprint("d", i))
	}
	for _, space := range []string{sparseSpc, scoredSpc, tokenSpc, denseSpc} {
		if got, want := b.Vectors(space, ids), a.Vectors(space, ids); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: vectors differ", space)
		}
	}
	if got, want := b.Ranks(ids), a.Ranks(ids); !maps.Equal(got, want) {
		t.Fatalf("ranks differ: %v and %v", got, want)
	}
	for range 30 {
		qs := []Query{
			{Space: sparseSpc, Vector: embed.Vector{Sparse: randomSparse(r, 1+r.IntN(80), 500, false)}, Limit: 20, MaxDocFreq: 0.3},
			{Space: scoredSpc, Vector: embed.Vector{Sparse: randomSparse(r, 1+r.IntN(80), 500, true)}, Limit: 20,
				Filter: Filter{Only: ids[:r.IntN(len(ids))]}},
			{Space: tokenSpc, Vector: embed.Vector{Sparse: embed.Chars{}.Vector(randomText(r))}, Limit: 20,
				Filter: Filter{Only: ids[:r.IntN(len(ids))]}},
			{Space: denseSpc, Vector: embed.Vector{Dense: []float32{1, r.Float32(), -1}}, Limit: 20,
				Filter: Filter{After: memDay("2024-01-01")}},
		}
		for _, q := range qs {
			want, err := a.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := b.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: got %v, want %v", q.Space, got, want)
			}
		}
	}
}

// An index read back from its snapshot answers as the index did, and
// keeps answering alike as both take the same upserts and deletes.
func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 3))
			a := snapshotIndex()
			for range 300 {
				id := fmt.Sprint("d", r.IntN(200))
				if r.IntN(5) == 0 {
					if err := a.Delete(ctx, []string{id}); err != nil {
						t.Fatal(err)
					}
					continue
				}
				memUpsert(t, a, randomDoc(r, id))
			}
			var buf bytes.Buffer
			if err := a.WriteSnapshot(&buf); err != nil {
				t.Fatal(err)
			}
			b := snapshotIndex()
			memUpsert(t, b, randomDoc(r, "replaced by the snapshot"))
			if err := b.ReadSnapshot(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
				t.Fatal(err)
			}
			sameAnswers(t, r, a, b)
			for range 200 {
				id := fmt.Sprint("d", r.IntN(200))
				if r.IntN(4) == 0 {
					for _, m := range []*Memory{a, b} {
						if err := m.Delete(ctx, []string{id}); err != nil {
							t.Fatal(err)
						}
					}
					continue
				}
				d := randomDoc(r, id)
				memUpsert(t, a, d)
				memUpsert(t, b, d)
			}
			sameAnswers(t, r, a, b)
		})
	}
}

// A snapshot that is damaged, cut short, of another kind, or made with
// other spaces score-only is refused, and the index is left as it was.
func TestSnapshotRefused(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	a := snapshotIndex()
	for i := range 50 {
		memUpsert(t, a, randomDoc(r, fmt.Sprint("d", i)))
	}
	var buf bytes.Buffer
	if err := a.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flipped := slices.Clone(good)
	flipped[len(flipped)/2] ^= 0x10
	tests := []struct {
		name string
		data []byte
		into *Memory
	}{
		{"a flipped bit", flipped, snapshotIndex()},
		{"cut short", good[:len(good)-100], snapshotIndex()},
		{"cut in its header", good[:10], snapshotIndex()},
		{"empty", nil, snapshotIndex()},
		{"not a snapshot", []byte("SQLite format 3\x00 and then some more bytes"), snapshotIndex()},
		{"another space score-only", good, NewMemory()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			memUpsert(t, tt.into, sparseDoc("kept", 1, 2))
			err := tt.into.ReadSnapshot(bytes.NewReader(tt.data), int64(len(tt.data)))
			if !errors.Is(err, ErrSnapshot) {
				t.Fatalf("ReadSnapshot = %v, want ErrSnapshot", err)
			}
			if tt.into.Len() != 1 || len(memSearch(t, tt.into, sparseQuery(1))) != 1 {
				t.Errorf("a refused snapshot changed the index: %d docs", tt.into.Len())
			}
		})
	}
}
