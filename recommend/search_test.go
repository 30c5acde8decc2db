package recommend_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/ingest"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema/schematest"
)

// A query made only of words most papers share still finds them: frequent
// terms are dropped from long queries only.
func TestSearchForACommonTopic(t *testing.T) {
	ctx := context.Background()
	store := schematest.Open(t, "sqlite")
	engine := recommend.New(store, index.NewMemory(), recommend.LexicalChannels(), nil)
	var papers []paperhound.Paper
	for i := range 30 {
		title := fmt.Sprintf("Paper %d about graph coloring", i)
		if i%2 == 0 {
			title = fmt.Sprintf("A tokenizer for language %d", i)
		}
		papers = append(papers, paperhound.Paper{ID: fmt.Sprint(i), Title: title})
	}
	if _, err := engine.Ingest(ctx, papers); err != nil {
		t.Fatal(err)
	}
	res, err := engine.Search(ctx, "tokenizer", recommend.Options{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) < 15 {
		t.Fatalf("search for a word in half the papers found %d papers, want at least 15", len(res))
	}
	for _, r := range res[:15] {
		if r.Paper.Title[:11] != "A tokenizer" {
			t.Errorf("top 15 has %q, want only the tokenizer papers", r.Paper.Title)
		}
	}
}

// Search returns only papers that share enough of the query's words
// (MinCoverage): a nonsense word gets nothing, though one of its character
// trigrams ("kv>") is in the KV-cache papers, while typical queries and a
// pasted abstract still find their papers.
func TestSearchRelevanceFloor(t *testing.T) {
	ctx := context.Background()
	store := schematest.Open(t, "sqlite")
	engine := recommend.New(store, index.NewMemory(), recommend.LexicalChannels(), nil)
	papers, err := ingest.SamplePapers()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Ingest(ctx, papers); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		query   string
		atLeast int
		topWord string // in the top paper's title, lowercased
	}{
		{"zzqxjkv", 0, ""},
		{"quantum chromodynamics", 0, ""},
		{"speculative decoding", 5, "speculative"},
		{"kv cache", 5, "cache"},
		{"tokenizer", 5, "tokeniz"},
		{"retrieval augmented generation", 2, "retrieval"},
		{papers[3].Abstract, 8, strings.ToLower(papers[3].Title)},
	} {
		res, err := engine.Search(ctx, c.query, recommend.Options{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if c.atLeast == 0 && len(res) > 0 {
			t.Errorf("%.30q: %d papers, first %q; want none", c.query, len(res), res[0].Paper.Title)
		}
		if c.atLeast > 0 && (len(res) < c.atLeast || !strings.Contains(strings.ToLower(res[0].Paper.Title), c.topWord)) {
			t.Errorf("%.30q: %d papers, want %d or more, the first with %q in its title", c.query, len(res), c.atLeast, c.topWord)
		}
	}
}

// recordingIndex keeps the queries asked of it.
type recordingIndex struct {
	*index.Memory
	queries []index.Query
}

func (r *recordingIndex) Search(ctx context.Context, q index.Query) ([]index.Hit, error) {
	r.queries = append(r.queries, q)
	return r.Memory.Search(ctx, q)
}

// Similar papers and search find the words channel's candidates with its
// rarer terms (Channel.CandidateDocFreq); the re-ranking channel scores
// the docs it is given; and a feed's centroid is cut at 10% of papers
// already (FeedWeights.MaxDocFreq), so its candidates are no narrower.
func TestCandidateDocFreqReachesTheIndex(t *testing.T) {
	ctx := context.Background()
	papers := samplePapers(t)
	rec := &recordingIndex{Memory: index.NewMemory()}
	e := recommend.New(schematest.Open(t, "sqlite"), rec, recommend.LexicalChannels(), nil)
	mustIngest(t, e, papers, recommend.IngestStats{Added: len(papers)})
	if _, _, err := e.ImportVotes(ctx, []paperhound.Vote{{User: "ann", Paper: papers[0].ID, Value: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := e.LoadVotes(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		query    func() error
		narrowed bool // the words channel's candidates found with its rarer terms
	}{
		{"similar", func() error { _, err := e.Similar(ctx, papers[1].ID, recommend.Options{Limit: 10}); return err }, true},
		{"search", func() error { _, err := e.Search(ctx, papers[2].Abstract, recommend.Options{Limit: 10}); return err }, true},
		{"feed", func() error { _, err := e.Feed(ctx, "ann", recommend.FeedOptions{Limit: 10}); return err }, false},
	} {
		rec.queries = nil
		if err := tt.query(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var words, chars int
		for _, q := range rec.queries {
			switch {
			case q.Space == embed.WordsSpace && q.Filter.Only == nil:
				words++
				if narrowed := q.CandidateDocFreq > 0 && q.CandidateDocFreq < q.MaxDocFreq; narrowed != tt.narrowed {
					t.Errorf("%s: words search with CandidateDocFreq %v and MaxDocFreq %v, want narrowed %v", tt.name, q.CandidateDocFreq, q.MaxDocFreq, tt.narrowed)
				}
			case q.Space == embed.CharsSpace:
				chars++
				if q.CandidateDocFreq != 0 {
					t.Errorf("%s: character re-rank with CandidateDocFreq %v, want 0", tt.name, q.CandidateDocFreq)
				}
			}
		}
		if words == 0 || chars == 0 {
			t.Errorf("%s: %d words and %d character queries, want both", tt.name, words, chars)
		}
	}
}
