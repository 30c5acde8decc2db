package embed_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paperhound/paperhound/embed"
)

// goldenTexts are texts that exercise every path of the lexical
// embedders: ASCII and not, accents, scripts without case, invalid UTF-8,
// stop words, digits, repeats, long words; then enough generated ones to
// fill a batch many times over.
func goldenTexts() []string {
	texts := []string{
		abstract, "", " ", "the of and", "KV", "kv kv kv", "cache caches caching cached",
		"Café über Naïve ÉLAN Gödel", "λόγος Λόγος ΛΌΓΟΣ", "深度学习 模型", "İstanbul straße STRASSE ﬁne",
		"e\u0301te\u0301 a\u0308b", "bad \xff\xfe utf8 c\xc3 a\xe2\x82", "x\xffy \xffab ab\xff",
		"supercalifragilisticexpialidocious antidisestablishmentarianism",
		"GPT-4 fp16 4bit 2x 3.5 llama-3.1-8B", "snake_case key-value (KV) caches; LLM's",
		strings.Repeat("cache ", 63), strings.Repeat("kv cache ", 64), strings.Repeat("Caching KV ", 1000),
	}
	frags := strings.Fields(`the of and a tokenizer tokenization tokenizers Quantization quantized
		KV cache caches décodage naïve ÜBER λόγος 深度 x2 4bit fp16 attention is all you need model models
		retrieval-augmented speculative decoding LLM's ab Ab AB ß`)
	frags = append(frags, "\xff", "e\u0301", "a\xc3", "İ")
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var sb strings.Builder
		for k := range r.IntN(200) {
			if k > 0 {
				sb.WriteString([]string{" ", ", ", ". ", "\n", "-", "/"}[r.IntN(6)])
			}
			sb.WriteString(frags[r.IntN(len(frags))])
		}
		texts = append(texts, sb.String())
	}
	return texts
}

// The vectors of the lexical embedders are stored and compared across
// processes and releases: a faster implementation must give the very same
// vectors. The digests were taken from the first, plain implementation,
// over the first storage layout (fixed-width index/value pairs), which
// fixedWidth writes here so that a new storage layout keeps them.
func TestLexicalVectorsUnchanged(t *testing.T) {
	t.Parallel()
	texts := goldenTexts()
	tests := []struct {
		e interface {
			Embed(context.Context, []string) ([]embed.Vector, error)
		}
		want string
	}{
		{embed.Words{}, "87f985c91dbcafcfdf658c32b6e979a1c42027ba06cf31e7ddd32acea8da4ccd"},
		{embed.Chars{}, "1f21a4ad4b5d0ea956edcf62929e612b1896fcba27b272853fbf45f36c46d066"},
	}
	for _, tt := range tests {
		vecs, err := tt.e.Embed(context.Background(), texts)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		for _, v := range vecs {
			data := fixedWidth(v.Sparse)
			h.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(data))))
			h.Write(data)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != tt.want {
			t.Errorf("%T: the vectors of %d texts hash to %s, want %s", tt.e, len(texts), got, tt.want)
		}
	}
}

// fixedWidth is the first storage layout of a sparse vector: 's', then
// little-endian uint32 index and float32 value pairs.
func fixedWidth(s embed.Sparse) []byte {
	b := []byte{'s'}
	for i, idx := range s.Indices {
		b = binary.LittleEndian.AppendUint32(b, idx)
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(s.Values[i]))
	}
	return b
}
