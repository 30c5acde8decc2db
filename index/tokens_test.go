package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paperhound/paperhound/embed"
)

// words for random texts: shared stems, repeats, accents, a long word.
var textWords = strings.Fields("token tokenizer tokenization cache caches caching decoding speculative " +
	"attention transformer transformers naïve café résumé graph graphs neural network networks " +
	"retrieval augmented generation quantization pneumonoultramicroscopicsilicovolcanoconiosis kv")

// randomText is up to 40 words, now and then none.
func randomText(r *rand.Rand) string {
	words := make([]string, r.IntN(41))
	for i := range words {
		words[i] = textWords[r.IntN(len(textWords))]
	}
	return strings.Join(words, " ")
}

// charsVector is text's vector as the engine's character channel embeds it,
// tokens included.
func charsVector(text string) embed.Vector {
	vs, err := embed.Chars{}.Embed(context.Background(), []string{text})
	if err != nil {
		panic(err)
	}
	return vs[0]
}

// A space kept by its docs' tokens answers every query, and gives back
// every vector, bit for bit as a space keeping the vectors does, through
// upserts, deletes and compactions.
func TestTokenSpaceMatchesVectors(t *testing.T) {
	t.Parallel()
	const byVectors = "test-vectors"
	ctx := context.Background()
	r := rand.New(rand.NewPCG(5, 9))
	m := NewMemory()
	m.ScoreOnly(tokenSpc)
	m.ScoreOnly(byVectors)
	texts := map[string]string{}
	ids := make([]string, 0, 150)
	for i := range 150 {
		ids = append(ids, fmt.Sprint("d", i))
	}
	for round := range 600 {
		id := ids[r.IntN(len(ids))]
		if r.IntN(3) == 0 {
			if err := m.Delete(ctx, []string{id}); err != nil {
				t.Fatal(err)
			}
			delete(texts, id)
		} else {
			text := randomText(r)
			v := charsVector(text)
			memUpsert(t, m, Doc{ID: id, Vectors: map[string]embed.Vector{tokenSpc: v, byVectors: {Sparse: v.Sparse}}})
			texts[id] = text
		}
		if round%100 != 99 {
			continue
		}
		if m.sparse[tokenSpc].toks == nil || m.sparse[byVectors].toks != nil {
			t.Fatal("the spaces do not keep their docs as meant")
		}
		got, want := m.Vectors(tokenSpc, ids), m.Vectors(byVectors, ids)
		if len(got) != len(texts) || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("round %d: %d vectors by tokens, %d by vectors, %d docs: they differ", round, len(got), len(want), len(texts))
		}
		for id, text := range texts {
			v := embed.Chars{}.Vector(text)
			if !slices.Equal(got[id].Sparse.Indices, v.Indices) || !slices.Equal(got[id].Sparse.Values, v.Values) {
				t.Fatalf("round %d: %s's vector is not the one embedded", round, id)
			}
		}
		for range 20 {
			q := embed.Vector{Sparse: embed.Chars{}.Vector(randomText(r))}
			var only []string
			if r.IntN(4) > 0 {
				only = ids[:r.IntN(len(ids))]
			}
			var answers [2][]Hit
			for i, space := range []string{tokenSpc, byVectors} {
				answers[i] = memSearch(t, m, Query{Space: space, Vector: q, Limit: 30, MaxDocFreq: 0.3, Filter: Filter{Only: only}})
			}
			if !slices.Equal(answers[0], answers[1]) {
				t.Fatalf("round %d: by tokens %v, by vectors %v", round, answers[0], answers[1])
			}
		}
	}
}

// A token space refuses a doc without tokens, and the index is left as it
// was.
func TestTokenSpaceRefusesVectorsAlone(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	m.ScoreOnly(tokenSpc)
	memUpsert(t, m, Doc{ID: "a", Vectors: map[string]embed.Vector{tokenSpc: charsVector("speculative decoding")}})
	v := charsVector("kv cache")
	err := m.Upsert(context.Background(), []Doc{
		{ID: "b", Vectors: map[string]embed.Vector{tokenSpc: v}},
		{ID: "c", Vectors: map[string]embed.Vector{tokenSpc: {Sparse: v.Sparse}}},
	})
	if err == nil || !strings.Contains(err.Error(), "by their tokens") {
		t.Fatalf("Upsert = %v, want a refusal", err)
	}
	if m.Len() != 1 {
		t.Errorf("the refused batch changed the index: %d docs", m.Len())
	}
}
