package embed

import (
	"context"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// The lexical spaces. The version is part of the name: a change to the
// recipe must change the name, so stored vectors of the old recipe are never
// mixed with new ones.
const (
	WordsSpace = "lexical-words/v1"
	CharsSpace = "lexical-chars/v1"
)

// Words embeds text as its words and word bigrams: lowercased, accents
// stripped, English stop words removed, tokens starting with a letter,
// Snowball-stemmed ("caches" meets "cache"), hashed to stable uint32 ids, weighted by sublinear term frequency
// (1 + ln tf) and L2-normalised. No corpus statistics go in, so a stored
// vector never changes as the corpus grows; IDF is applied at query time.
type Words struct{}

// Chars embeds text as the character 3- to 5-grams inside each word (with
// word boundaries marked), weighted like Words. It catches what exact words
// miss: plurals, inflections, compounds ("tokenizer", "tokenization").
type Chars struct{}

func (Words) Space() string { return WordsSpace }
func (Chars) Space() string { return CharsSpace }

// Embed never fails; it has the signature every embedder shares.
func (w Words) Embed(_ context.Context, texts []string) ([]Vector, error) {
	out := make([]Vector, len(texts))
	for i, t := range texts {
		out[i] = Vector{Sparse: w.Vector(t)}
	}
	return out, nil
}

func (c Chars) Embed(_ context.Context, texts []string) ([]Vector, error) {
	out := make([]Vector, len(texts))
	for i, t := range texts {
		out[i] = Vector{Sparse: c.Vector(t)}
	}
	return out, nil
}

// Vector embeds one text.
func (Words) Vector(text string) Sparse {
	toks := Tokens(text)
	for i, t := range toks {
		toks[i] = english.Stem(t, false)
	}
	counts := make(map[uint32]float32, 2*len(toks))
	for i, t := range toks {
		counts[hashTerm(t)]++
		if i > 0 {
			counts[hashTerm(toks[i-1]+" "+t)]++
		}
	}
	return sublinear(counts)
}

func (Chars) Vector(text string) Sparse {
	toks := Tokens(text)
	counts := make(map[uint32]float32, 8*len(toks))
	for _, t := range toks {
		w := []rune("<" + t + ">")
		for n := 3; n <= 5; n++ {
			for i := 0; i+n <= len(w); i++ {
				counts[hashTerm(string(w[i:i+n]))]++
			}
		}
	}
	return sublinear(counts)
}

// Tokens splits text into the terms the lexical embedders count: lowercase,
// no accents, starting with a letter, at least two characters, stop words
// removed.
func Tokens(text string) []string {
	text = FoldAccents(strings.ToLower(text))
	var toks []string
	for _, f := range strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		first := []rune(f)[0]
		if len(f) < 2 || !unicode.IsLetter(first) || stopWords[f] {
			continue
		}
		toks = append(toks, f)
	}
	return toks
}

// FoldAccents strips accents ("é" becomes "e"). It shares no state, so
// concurrent callers are safe: a transform.Transformer is not.
func FoldAccents(s string) string {
	for _, r := range s {
		if r >= 0x80 {
			t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
			out, _, err := transform.String(t, s)
			if err != nil {
				return s
			}
			return out
		}
	}
	return s
}

func hashTerm(t string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(t))
	return h.Sum32()
}

// sublinear turns raw counts into an L2-normalised 1 + ln(tf) vector sorted
// by index.
func sublinear(counts map[uint32]float32) Sparse {
	s := Sparse{Indices: make([]uint32, 0, len(counts))}
	for idx := range counts {
		s.Indices = append(s.Indices, idx)
	}
	slices.Sort(s.Indices)
	s.Values = make([]float32, len(s.Indices))
	var norm float64
	for i, idx := range s.Indices {
		w := 1 + math.Log(float64(counts[idx]))
		s.Values[i] = float32(w)
		norm += w * w
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for i := range s.Values {
			s.Values[i] *= inv
		}
	}
	return s
}
