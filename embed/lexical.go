package embed

import (
	"context"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

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
func (Words) Embed(_ context.Context, texts []string) ([]Vector, error) {
	return embedAll(texts, func(lx *lexer, text string) Vector {
		v, scale := lx.words(text)
		return Vector{Sparse: v, Scale: scale}
	}), nil
}

// Embed sets each vector's Tokens too (empty, not nil, for a text without
// any): an index may keep them instead of the vector (see Vector).
func (Chars) Embed(_ context.Context, texts []string) ([]Vector, error) {
	return embedAll(texts, func(lx *lexer, text string) Vector {
		tokens := Tokens(text)
		if tokens == nil {
			tokens = []string{}
		}
		v, scale := lx.charsOf(tokens)
		return Vector{Sparse: v, Tokens: tokens, Scale: scale}
	}), nil
}

// Vector embeds one text.
func (Words) Vector(text string) Sparse {
	var lx lexer
	v, _ := lx.words(text)
	return v
}

func (Chars) Vector(text string) Sparse {
	var lx lexer
	v, _ := lx.charsOf(Tokens(text))
	return v
}

// textsPerWorker is the fewest texts worth a goroutine of their own: a
// query's one text is embedded where it is asked for.
const textsPerWorker = 16

// embedAll embeds texts on up to GOMAXPROCS goroutines, each with its own
// lexer: a vector depends on its text alone, and ingest embeds hundreds
// of texts at a time.
func embedAll(texts []string, vector func(*lexer, string) Vector) []Vector {
	out := make([]Vector, len(texts))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(texts)/textsPerWorker))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var lx lexer
			for i := w; i < len(texts); i += workers {
				out[i] = vector(&lx, texts[i])
			}
		})
	}
	wg.Wait()
	return out
}

// lexer is one goroutine's scratch space, reused from text to text so
// that a vector costs little more than its own two slices.
type lexer struct {
	stems  map[string]string // token -> Snowball stem: words repeat across texts
	terms  []uint32          // the term ids of one text, a term once per occurrence
	sorted []uint32          // radix sort's other buffer
	gram   []byte            // "<" token ">" as UTF-8
	starts []int             // the byte offset in gram of each rune, and len(gram)
}

func (lx *lexer) words(text string) (Sparse, float32) {
	lx.terms = lx.terms[:0]
	var prev uint32
	for i, t := range Tokens(text) {
		stem := lx.stem(t)
		h := fnvAdd(fnvOffset, stem)
		lx.terms = append(lx.terms, h)
		if i > 0 {
			// FNV-1a's state is the hash so far: the bigram "prev stem"
			// continues from prev's hash.
			lx.terms = append(lx.terms, fnvAdd(fnvAddByte(prev, ' '), stem))
		}
		prev = h
	}
	return lx.sublinearScale()
}

func (lx *lexer) stem(token string) string {
	if stem, ok := lx.stems[token]; ok {
		return stem
	}
	if lx.stems == nil {
		lx.stems = map[string]string{}
	}
	stem := english.Stem(token, false)
	lx.stems[token] = stem
	return stem
}

func (lx *lexer) charsOf(tokens []string) (Sparse, float32) {
	lx.terms = lx.terms[:0]
	for _, t := range tokens {
		lx.terms = lx.charGrams(lx.terms, t)
	}
	return lx.sublinearScale()
}

// CharGrams appends the character grams of token, one of Tokens', to dst:
// a gram once per occurrence, as Chars counts them.
func CharGrams(dst []uint32, token string) []uint32 {
	var lx lexer
	return lx.charGrams(dst, token)
}

func (lx *lexer) charGrams(dst []uint32, token string) []uint32 {
	// A gram is hashed as string([]rune(...)) spells it: each rune
	// re-encoded, so an invalid byte counts as U+FFFD.
	lx.gram, lx.starts = append(lx.gram[:0], '<'), append(lx.starts[:0], 0)
	for _, r := range token {
		lx.starts = append(lx.starts, len(lx.gram))
		lx.gram = utf8.AppendRune(lx.gram, r)
	}
	lx.starts = append(lx.starts, len(lx.gram))
	lx.gram = append(lx.gram, '>')
	lx.starts = append(lx.starts, len(lx.gram))
	runes := len(lx.starts) - 1
	// The 3-, 4- and 5-gram at i share their prefix: hash it once.
	for i := 0; i+3 <= runes; i++ {
		h := fnvAdd(fnvOffset, lx.gram[lx.starts[i]:lx.starts[i+2]])
		for end := i + 3; end <= min(i+5, runes); end++ {
			h = fnvAdd(h, lx.gram[lx.starts[end-1]:lx.starts[end]])
			dst = append(dst, h)
		}
	}
	return dst
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
		first, _ := utf8.DecodeRuneInString(f)
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

// Term ids are 32-bit FNV-1a hashes, written out so that a term is
// hashed in place, and a longer term continues from its prefix's hash.
const (
	fnvOffset uint32 = 2166136261
	fnvPrime  uint32 = 16777619
)

func fnvAdd[T string | []byte](h uint32, b T) uint32 {
	for i := range len(b) {
		h = fnvAddByte(h, b[i])
	}
	return h
}

func fnvAddByte(h uint32, b byte) uint32 { return (h ^ uint32(b)) * fnvPrime }

// Sublinear is the vector Words and Chars make of terms, a term id per
// occurrence (sorted in place): L2-normalised 1 + ln(tf), sorted by index.
// scale is what each TFWeight was multiplied by, so that an index keeping a
// doc's terms rather than its vector can compute any one of its values
// exactly: TFWeight(tf) * scale.
func Sublinear(terms []uint32) (v Sparse, scale float32) {
	lx := lexer{terms: terms}
	return lx.sublinearScale()
}

// TFWeight is the weight of a term found tf times, before scaling.
func TFWeight(tf int) float32 { return float32(1 + logTF(tf)) }

// sublinearScale turns lx.terms, a term id per occurrence, into an
// L2-normalised 1 + ln(tf) vector sorted by index, and its scale.
func (lx *lexer) sublinearScale() (Sparse, float32) {
	lx.sortTerms()
	terms := lx.terms
	distinct := 0
	for i := range terms {
		if i == 0 || terms[i] != terms[i-1] {
			distinct++
		}
	}
	s := Sparse{Indices: make([]uint32, 0, distinct), Values: make([]float32, 0, distinct)}
	var norm float64
	for i := 0; i < len(terms); {
		j := i + 1
		for j < len(terms) && terms[j] == terms[i] {
			j++
		}
		w := 1 + logTF(j-i)
		s.Indices = append(s.Indices, terms[i])
		s.Values = append(s.Values, float32(w))
		norm += w * w
		i = j
	}
	if norm == 0 {
		return s, 0
	}
	inv := float32(1 / math.Sqrt(norm))
	for i := range s.Values {
		s.Values[i] *= inv
	}
	return s, inv
}

// smallLogs holds ln n for the term frequencies most terms have, so
// that a vector costs no logarithm per term; the values are math.Log's.
var smallLogs = func() (logs [64]float64) {
	for n := 1; n < len(logs); n++ {
		logs[n] = math.Log(float64(n))
	}
	return logs
}()

// logTF is ln tf.
func logTF(tf int) float64 {
	if tf < len(smallLogs) {
		return smallLogs[tf]
	}
	return math.Log(float64(tf))
}

// sortTerms sorts lx.terms. A text's character grams run to thousands, a
// radix sort's four passes over them beat a comparison sort's log2(n).
func (lx *lexer) sortTerms() {
	if len(lx.terms) < 256 {
		slices.Sort(lx.terms)
		return
	}
	var counts [4][256]int
	for _, t := range lx.terms {
		counts[0][t&0xff]++
		counts[1][t>>8&0xff]++
		counts[2][t>>16&0xff]++
		counts[3][t>>24]++
	}
	lx.sorted = slices.Grow(lx.sorted[:0], len(lx.terms))[:len(lx.terms)]
	// Least significant byte first; after the fourth pass src is lx.terms.
	src, dst := lx.terms, lx.sorted
	for pass := range counts {
		shift := 8 * pass
		var next [256]int
		sum := 0
		for b, c := range counts[pass] {
			next[b] = sum
			sum += c
		}
		for _, t := range src {
			b := t >> shift & 0xff
			dst[next[b]] = t
			next[b]++
		}
		src, dst = dst, src
	}
}
