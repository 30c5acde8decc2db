package recommend_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
)

// synthCorpus makes deterministic fake papers for benchmarks: abstracts of
// about 150 words drawn from a Zipf-distributed vocabulary of made-up words,
// plus words of the paper's topic so that papers cluster as real ones do.
// Paper i is the same on every run and can be made without the others.
type synthCorpus struct {
	seed   uint64
	vocab  []string   // by Zipf rank, most frequent first
	topics [][]string // each topic's own words
	glue   []string   // stop words, removed by the embedders but paid for
}

const (
	synthVocab      = 30000
	synthTopics     = 400
	synthTopicWords = 25
	synthTopicShare = 0.25 // of an abstract's words
)

func newSynthCorpus(seed uint64) *synthCorpus {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	words := madeUpWords(r, synthVocab+synthTopics*synthTopicWords)
	c := &synthCorpus{
		seed:  seed,
		vocab: words[:synthVocab],
		glue:  strings.Fields("the of and in to we a for is that on with by this our are as from which"),
	}
	rest := words[synthVocab:]
	for t := range synthTopics {
		c.topics = append(c.topics, rest[t*synthTopicWords:(t+1)*synthTopicWords])
	}
	return c
}

// madeUpWords returns n distinct pronounceable words of two to four
// syllables, each a token the embedders keep.
func madeUpWords(r *rand.Rand, n int) []string {
	const consonants, vowels = "bcdfghklmnprstvz", "aeiou"
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	var sb strings.Builder
	for len(out) < n {
		sb.Reset()
		for range 2 + r.IntN(3) {
			sb.WriteByte(consonants[r.IntN(len(consonants))])
			sb.WriteByte(vowels[r.IntN(len(vowels))])
			if r.IntN(4) == 0 {
				sb.WriteByte(consonants[r.IntN(len(consonants))])
			}
		}
		w := sb.String()
		if seen[w] || len(embed.Tokens(w)) != 1 {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

// topicOf is paper i's topic.
func (c *synthCorpus) topicOf(r *rand.Rand) []string {
	return c.topics[r.IntN(len(c.topics))]
}

// paper is paper i of the corpus.
func (c *synthCorpus) paper(i int) paperhound.Paper {
	r := rand.New(rand.NewPCG(c.seed, uint64(i)))
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(c.vocab)-1))
	topic := c.topicOf(r)
	word := func(topicShare float64) string {
		if r.Float64() < topicShare {
			return topic[r.IntN(len(topic))]
		}
		return c.vocab[zipf.Uint64()]
	}
	text := func(n int, topicShare float64) string {
		var sb strings.Builder
		for k := range n {
			if k > 0 {
				sb.WriteByte(' ')
			}
			if r.IntN(3) == 0 {
				sb.WriteString(c.glue[r.IntN(len(c.glue))])
				sb.WriteByte(' ')
			}
			sb.WriteString(word(topicShare))
			if r.IntN(12) == 0 {
				sb.WriteByte('.')
			}
		}
		return sb.String()
	}
	return paperhound.Paper{
		ID:         fmt.Sprintf("syn.%07d", i),
		Title:      text(7+r.IntN(7), 0.5),
		Abstract:   text(120+r.IntN(61), synthTopicShare),
		Authors:    paperhound.Strings{"Ada Lovelace", "Alan Turing"},
		Published:  paperhound.Date{Time: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(3650))},
		URL:        fmt.Sprintf("https://example.org/syn.%07d", i),
		Categories: paperhound.Strings{fmt.Sprintf("cs.%02d", r.IntN(40))},
	}
}

// papers is papers [from, from+n).
func (c *synthCorpus) papers(from, n int) []paperhound.Paper {
	out := make([]paperhound.Paper, n)
	for i := range out {
		out[i] = c.paper(from + i)
	}
	return out
}

// shortQuery is a two- or three-word query on some topic, as a person
// would type it.
func (c *synthCorpus) shortQuery(i int) string {
	r := rand.New(rand.NewPCG(c.seed^0xabcdef, uint64(i)))
	topic := c.topicOf(r)
	words := make([]string, 2+r.IntN(2))
	for k := range words {
		words[k] = topic[r.IntN(len(topic))]
	}
	return strings.Join(words, " ")
}
