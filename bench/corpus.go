// Package bench measures paperhound at a given size, for "paperhound
// bench": a synthetic corpus made of real titles and sentences, the
// resources of a server process read from /proc, and request latencies
// and throughput. It knows nothing of the server it measures but what
// /proc says and the function it is given to call; research data is read
// from disk at run time, never shipped in the binary.
package bench

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/evaluate"
)

// SentencesPerPaper is how many sentences make an abstract: about the
// length of a real one.
const SentencesPerPaper = 6

// Corpus makes papers of any number from a data set's real titles and
// abstract sentences, recombined: paper i is always the same paper for the
// same seed, so a run can be repeated and a query text made that is not
// stored (an index past the corpus's size).
type Corpus struct {
	seed      uint64
	titles    []string
	sentences []string
}

// NewCorpus splits the abstracts of d into sentences.
func NewCorpus(d *evaluate.CiteULike, seed uint64) (*Corpus, error) {
	c := &Corpus{seed: seed, titles: d.Titles}
	for _, a := range d.Abstracts {
		c.sentences = append(c.sentences, Sentences(a)...)
	}
	if len(c.titles) == 0 || len(c.sentences) == 0 {
		return nil, errors.New("the data set has no titles or no abstracts to make papers of")
	}
	// Map order is random: sorting by nothing but the data keeps paper i
	// the same from run to run.
	slices.Sort(c.sentences)
	return c, nil
}

// newest is the publication day of the newest generated papers: fixed, so
// that a corpus is the same whatever day it is made.
var newest = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

// Paper is paper i: a title, SentencesPerPaper sentences and a
// publication day within the three years up to newest, so that trending
// and date filters have something to work on.
func (c *Corpus) Paper(i int) paperhound.Paper {
	r := rand.New(rand.NewPCG(c.seed, uint64(i)))
	s := make([]string, SentencesPerPaper)
	for k := range s {
		s[k] = c.sentences[r.IntN(len(c.sentences))]
	}
	return paperhound.Paper{ID: ID(i), Title: c.titles[r.IntN(len(c.titles))], Abstract: strings.Join(s, " "),
		Published: paperhound.Date{Time: newest.AddDate(0, 0, -r.IntN(3*365))}}
}

// ID is the id of paper i.
func ID(i int) string { return fmt.Sprintf("bench.%07d", i) }

// Sentences splits text after '.', '!' or '?' followed by a space and a
// capital letter, which keeps "e.g. the" and "Fig. 3" whole; pieces
// shorter than 20 bytes (headings, stray initials) are dropped.
func Sentences(text string) []string {
	var out []string
	start := 0
	keep := func(end int) {
		if s := strings.TrimSpace(text[start:end]); len(s) >= 20 {
			out = append(out, s)
		}
		start = end
	}
	for i := 0; i+2 < len(text); i++ {
		if strings.IndexByte(".!?", text[i]) >= 0 && text[i+1] == ' ' && unicode.IsUpper(rune(text[i+2])) {
			keep(i + 1)
		}
	}
	keep(len(text))
	return out
}
