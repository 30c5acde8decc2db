package embed_test

import (
	"context"
	"hash/fnv"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/paperhound/paperhound/embed"
)

// abstract is a real one (arXiv 2407.18121), for properties that must hold
// on ordinary text.
const abstract = `In the field of instruction-following large vision-language models
(LVLMs), the efficient deployment of these models faces challenges, notably due
to the high memory demands of their key-value (KV) caches. Conventional cache
management strategies for LLMs focus on cache eviction, which often fails to
address the specific needs of multimodal instruction-following models.`

func TestTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"lowercased", "Attention Transformer GPU", []string{"attention", "transformer", "gpu"}},
		{"accents stripped", "Café über Naïve ÉLAN Gödel", []string{"cafe", "uber", "naive", "elan", "godel"}},
		{"stop words removed", "Attention is all you need", []string{"attention", "need"}},
		{"starts with a letter", "4bit 2x GPT4 fp16 3.5", []string{"gpt4", "fp16"}},
		{"single letters dropped", "a b x Y z ab", []string{"ab"}},
		{"punctuation splits", "key-value (KV) caches; long/short-context, LLM's", []string{"key", "value", "kv", "caches", "long", "short", "context", "llm"}},
		{"underscores split", "snake_case", []string{"snake", "case"}},
		{"whitespace of every kind", "deep\tlearning\nmodels\u00a0work", []string{"deep", "learning", "models", "work"}},
		{"empty", "", nil},
		{"only stop words", "The of and which", nil},
		{"only numbers and symbols", "42 3.14 -- §", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := embed.Tokens(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func fnv32a(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

func norm(s embed.Sparse) float64 {
	var sum float64
	for _, v := range s.Values {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum)
}

func weights(s embed.Sparse) map[uint32]float32 {
	m := make(map[uint32]float32, s.Len())
	for i, idx := range s.Indices {
		m[idx] = s.Values[i]
	}
	return m
}

func checkWellFormed(t *testing.T, text string, s embed.Sparse) {
	t.Helper()
	if len(s.Indices) != len(s.Values) {
		t.Fatalf("%q: %d indices, %d values", text, len(s.Indices), len(s.Values))
	}
	for i := 1; i < len(s.Indices); i++ {
		if s.Indices[i] <= s.Indices[i-1] {
			t.Fatalf("%q: indices not strictly ascending at %d: %d then %d", text, i, s.Indices[i-1], s.Indices[i])
		}
	}
	for i, v := range s.Values {
		if !(v > 0) {
			t.Errorf("%q: value %d is %v, want positive", text, i, v)
		}
	}
	if s.Len() > 0 && math.Abs(norm(s)-1) > 1e-6 {
		t.Errorf("%q: L2 norm %v, want 1", text, norm(s))
	}
}

// Word ids are stored and compared across processes and releases: a
// change of hash or stemmer must show here, not as silently worse rankings.
func TestWordsGolden(t *testing.T) {
	t.Parallel()
	// FNV-1a 32 of the stem "cach", computed outside Go.
	const cach = 3053343682
	for _, text := range []string{"cache", "Caches", "caching", "the cache"} {
		got := embed.Words{}.Vector(text)
		want := embed.Sparse{Indices: []uint32{cach}, Values: []float32{1}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Words.Vector(%q) = %+v, want %+v", text, got, want)
		}
	}
	a, b := embed.Words{}.Vector(abstract), embed.Words{}.Vector(abstract)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same text gave two different vectors")
	}
}

func TestWordsTerms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []string // the stems and bigrams of text, each once
	}{
		{"one word", "memory", []string{"memori"}},
		{"bigram", "key value", []string{"key", "valu", "key valu"}},
		{"stemmed bigram", "caches evicted", []string{"cach", "evict", "cach evict"}},
		// Stop words go before pairing, so the bigram spans "of the".
		{"bigram over stop words", "eviction of the caches", []string{"evict", "cach", "evict cach"}},
		{"no bigram across dropped tokens", "KV 4bit", []string{"kv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := embed.Words{}.Vector(tt.text)
			checkWellFormed(t, tt.text, got)
			var want []uint32
			for _, term := range tt.want {
				want = append(want, fnv32a(term))
			}
			slices.Sort(want)
			if !slices.Equal(got.Indices, want) {
				t.Errorf("Words.Vector(%q) has ids %v, want %v (%q)", tt.text, got.Indices, want, tt.want)
			}
		})
	}
}

func TestWordsStemming(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{{"caches", "cache"}, {"models", "model"}, {"decoding", "decoded"}, {"Quantization", "quantized"}}
	for _, p := range pairs {
		a, b := embed.Words{}.Vector(p[0]), embed.Words{}.Vector(p[1])
		if a.Len() != 1 || !slices.Equal(a.Indices, b.Indices) {
			t.Errorf("%q has ids %v, %q has %v: want one shared id", p[0], a.Indices, p[1], b.Indices)
		}
	}
}

// A term seen tf times weighs 1 + ln tf before normalising: three mentions
// count more than one, but far less than three times as much.
func TestWordsSublinear(t *testing.T) {
	t.Parallel()
	// "cache cache cache": the stem three times, the bigram "cach cach" twice.
	got := weights(embed.Words{}.Vector("cache cache cache"))
	w3, w2 := 1+math.Log(3), 1+math.Log(2)
	n := math.Hypot(w3, w2)
	want := map[uint32]float64{fnv32a("cach"): w3 / n, fnv32a("cach cach"): w2 / n}
	if len(got) != len(want) {
		t.Fatalf("got %d terms, want %d: %v", len(got), len(want), got)
	}
	for idx, w := range want {
		if math.Abs(float64(got[idx])-w) > 1e-6 {
			t.Errorf("term %d weighs %v, want %v", idx, got[idx], w)
		}
	}
}

func TestWordsWellFormed(t *testing.T) {
	t.Parallel()
	for _, text := range []string{abstract, "transformer", "cache cache cache cache cache cache", "Über café"} {
		v := embed.Words{}.Vector(text)
		checkWellFormed(t, text, v)
		if v.Len() == 0 {
			t.Errorf("%q gave an empty vector", text)
		}
	}
}

func TestEmptyText(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"", "   ", "the of and", "42 a b"} {
		if v := (embed.Words{}).Vector(text); v.Len() != 0 || len(v.Values) != 0 {
			t.Errorf("Words.Vector(%q) = %+v, want empty", text, v)
		}
		if v := (embed.Chars{}).Vector(text); v.Len() != 0 || len(v.Values) != 0 {
			t.Errorf("Chars.Vector(%q) = %+v, want empty", text, v)
		}
	}
}

func TestCharsNgrams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"two letters", "KV", []string{"<kv", "kv>", "<kv>"}},
		{"word", "cache", []string{
			"<ca", "cac", "ach", "che", "he>",
			"<cac", "cach", "ache", "che>",
			"<cach", "cache", "ache>",
		}},
		// Grams never cross words, and a gram seen in both words counts once.
		{"two words", "kv kv", []string{"<kv", "kv>", "<kv>"}},
		{"stop words and numbers dropped", "the 42 kv", []string{"<kv", "kv>", "<kv>"}},
		// Runes, not bytes: "λογος" is five letters.
		{"non-ascii letters", "λόγος", []string{
			"<λο", "λογ", "ογο", "γος", "ος>",
			"<λογ", "λογο", "ογος", "γος>",
			"<λογο", "λογος", "ογος>",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := embed.Chars{}.Vector(tt.text)
			checkWellFormed(t, tt.text, got)
			var want []uint32
			for _, g := range tt.want {
				want = append(want, fnv32a(g))
			}
			slices.Sort(want)
			if !slices.Equal(got.Indices, want) {
				t.Errorf("Chars.Vector(%q) has %d ids %v, want %d %v (%q)", tt.text, got.Len(), got.Indices, len(want), want, tt.want)
			}
		})
	}
}

func cosine(a, b embed.Sparse) float64 {
	wb := weights(b)
	var dot float64
	for i, idx := range a.Indices {
		dot += float64(a.Values[i]) * float64(wb[idx])
	}
	return dot / (norm(a) * norm(b))
}

// Character n-grams exist to match what stemming would not: inflections
// and compounds keep most of their grams.
func TestCharsShareGrams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		min  float64
	}{
		{"tokenizer", "tokenizers", 0.7},
		{"quantization", "quantizations", 0.7},
		{"tokenizer", "tokenization", 0.4},
	}
	for _, tt := range tests {
		a, b := embed.Chars{}.Vector(tt.a), embed.Chars{}.Vector(tt.b)
		if c := cosine(a, b); c < tt.min {
			t.Errorf("cosine(%q, %q) = %.3f, want at least %.2f", tt.a, tt.b, c, tt.min)
		}
	}
	// And unrelated words share next to nothing.
	if c := cosine(embed.Chars{}.Vector("tokenizer"), embed.Chars{}.Vector("eviction")); c > 0.1 {
		t.Errorf("cosine(tokenizer, eviction) = %.3f, want near 0", c)
	}
	checkWellFormed(t, abstract, embed.Chars{}.Vector(abstract))
}

func TestEmbed(t *testing.T) {
	t.Parallel()
	texts := []string{abstract, "", "key value caches"}
	tests := []struct {
		e interface {
			Space() string
			Embed(context.Context, []string) ([]embed.Vector, error)
		}
		space  string
		vector func(string) embed.Sparse
	}{
		{embed.Words{}, embed.WordsSpace, embed.Words{}.Vector},
		{embed.Chars{}, embed.CharsSpace, embed.Chars{}.Vector},
	}
	for _, tt := range tests {
		if got := tt.e.Space(); got != tt.space {
			t.Errorf("Space() = %q, want %q", got, tt.space)
		}
		got, err := tt.e.Embed(context.Background(), texts)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(texts) {
			t.Fatalf("%s: %d vectors for %d texts", tt.space, len(got), len(texts))
		}
		for i, text := range texts {
			if got[i].Dense != nil || !reflect.DeepEqual(got[i].Sparse, tt.vector(text)) {
				t.Errorf("%s: vector %d differs from Vector(%q)", tt.space, i, text)
			}
		}
	}
}
