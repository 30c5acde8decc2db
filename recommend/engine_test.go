package recommend_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/embed/embedtest"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/ingest"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

// countingEmbedder counts what reaches the embedder it wraps, and fails
// while fail is set.
type countingEmbedder struct {
	recommend.Embedder
	mu    sync.Mutex
	calls int
	texts int
	fail  error
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([]embed.Vector, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return nil, c.fail
	}
	c.calls++
	c.texts += len(texts)
	return c.Embedder.Embed(ctx, texts)
}

func (c *countingEmbedder) counted() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.texts
}

func (c *countingEmbedder) failWith(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail = err
}

// testEngine is an engine on the lexical channels with counted embedders.
type testEngine struct {
	*recommend.Engine
	idx          *index.Memory
	words, chars *countingEmbedder
}

func newTestEngine(st *schema.Store) *testEngine {
	te := &testEngine{
		idx:   index.NewMemory(),
		words: &countingEmbedder{Embedder: embed.Words{}},
		chars: &countingEmbedder{Embedder: embed.Chars{}},
	}
	channels := recommend.LexicalChannels() // keep its weights and cut-offs
	channels[0].Embedder, channels[1].Embedder = te.words, te.chars
	te.Engine = recommend.New(st, te.idx, channels, nil)
	return te
}

// embedded is how many texts both embedders have seen.
func (te *testEngine) embedded() (words, chars int) {
	return te.words.counted(), te.chars.counted()
}

func mustIngest(t *testing.T, e *recommend.Engine, papers []paperhound.Paper, want recommend.IngestStats) {
	t.Helper()
	got, err := e.Ingest(context.Background(), papers)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Ingest = %+v, want %+v", got, want)
	}
}

// samplePapers is the 38 real papers shipped with the command.
func samplePapers(t testing.TB) []paperhound.Paper {
	t.Helper()
	papers, err := ingest.SamplePapers()
	if err != nil {
		t.Fatal(err)
	}
	return papers
}

func withID(papers []paperhound.Paper, id string) (int, paperhound.Paper) {
	for i, p := range papers {
		if p.ID == id {
			return i, p
		}
	}
	panic("no sample paper " + id)
}

func resultIDs(rs []recommend.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Paper.ID
	}
	return out
}

// An engine without an index (ingest and sync, whose papers servers index
// from the store) embeds no text in the offline spaces, as nothing would
// keep their vectors, yet stores the remote space's; a server on that store
// finds the papers.
func TestIngestWithoutIndex(t *testing.T) {
	ctx := context.Background()
	papers := samplePapers(t)
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			te := newTestEngine(b.Store)
			srv := embedtest.Start(t, embedtest.Options{})
			ep := fakeEndpoint(t, srv)
			channels := recommend.LexicalChannels()
			channels[0].Embedder, channels[1].Embedder = te.words, te.chars
			channels = append(channels, recommend.Channel{Embedder: ep, Weight: 1, Remote: true})
			mustIngest(t, recommend.New(b.Store, nil, channels, nil), papers, recommend.IngestStats{Added: len(papers)})
			if w, c := te.embedded(); w != 0 || c != 0 {
				t.Errorf("ingest without an index embedded %d, %d texts in the offline spaces, want none", w, c)
			}
			hashes := make([]string, len(papers))
			for i, p := range papers {
				hashes[i] = p.TextHash()
			}
			if stored, err := b.Store.Vectors(ctx, ep.Space(), hashes); err != nil || len(stored) != len(papers) {
				t.Errorf("%d remote vectors stored (%v), want %d", len(stored), err, len(papers))
			}
			if _, err := te.Load(ctx); err != nil {
				t.Fatal(err)
			}
			if res, err := te.Search(ctx, "speculative decoding", recommend.Options{Limit: 5}); err != nil || len(res) != 5 {
				t.Errorf("search on a server over the store = %v, %v; want 5 papers", resultIDs(res), err)
			}
		})
	}
}

// The KV-cache papers of the sample, besides 2407.18121 itself.
var kvCache = ingest.SampleKVCache[1:]

func TestIngestCounts(t *testing.T) {
	ctx := context.Background()
	papers := samplePapers(t)
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			te := newTestEngine(b.Store)
			mustIngest(t, te.Engine, papers, recommend.IngestStats{Added: 38})
			if w, c := te.embedded(); w != 38 || c != 38 {
				t.Errorf("first ingest embedded %d, %d texts; want 38 in each space", w, c)
			}
			if n, err := b.Store.CountPapers(ctx); err != nil || n != 38 {
				t.Fatalf("CountPapers = %d, %v", n, err)
			}

			mustIngest(t, te.Engine, papers, recommend.IngestStats{Unchanged: 38})
			if w, c := te.embedded(); w != 38 || c != 38 {
				t.Errorf("re-ingesting unchanged papers embedded %d, %d texts", w-38, c-38)
			}

			// A new abstract is a new text: embedded once per space and
			// searchable at once. The offline spaces' vectors are never
			// stored: loading embeds the text again.
			changed := slices.Clone(papers)
			i, old := withID(changed, "2407.18121")
			changed[i].Abstract += " We also evaluate on zebrafish imaging."
			mustIngest(t, te.Engine, changed, recommend.IngestStats{Updated: 1, Unchanged: 37})
			if w, c := te.embedded(); w != 39 || c != 39 {
				t.Errorf("a changed abstract embedded %d, %d texts; want 1 in each space", w-38, c-38)
			}
			for _, space := range []string{embed.WordsSpace, embed.CharsSpace} {
				vecs, err := b.Store.Vectors(ctx, space, []string{old.TextHash(), changed[i].TextHash()})
				if err != nil || len(vecs) != 0 {
					t.Errorf("%s: %d vectors stored (%v), want none", space, len(vecs), err)
				}
			}
			res, err := te.Search(ctx, "zebrafish", recommend.Options{Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) == 0 || res[0].Paper.ID != "2407.18121" {
				t.Errorf("search for a word of the new abstract = %v", resultIDs(res))
			}

			// A paper updated is indexed again, its text embedded again:
			// micro-seconds, against a vector written and read back.
			j, _ := withID(changed, "2407.01955")
			changed[j].Upvotes = 99
			w0, c0 := te.embedded() // the search embedded its query
			mustIngest(t, te.Engine, changed, recommend.IngestStats{Updated: 1, Unchanged: 37})
			if w, c := te.embedded(); w != w0+1 || c != c0+1 {
				t.Errorf("a change of upvotes embedded %d, %d texts; want 1 in each space", w-w0, c-c0)
			}
			res, err = te.Search(ctx, "sorted speculative decoding nested models", recommend.Options{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 || res[0].Paper.ID != "2407.01955" || res[0].Paper.Upvotes != 99 {
				t.Errorf("search = %+v, want 2407.01955 with 99 upvotes", res)
			}
		})
	}
}

func TestIngestDuplicateIDs(t *testing.T) {
	ctx := context.Background()
	v1 := paperhound.Paper{ID: "dup", Title: "Speculative decoding with draft models"}
	v2 := paperhound.Paper{ID: "dup", Title: "Paged attention for KV cache serving"}
	tests := []struct {
		name   string
		stored []paperhound.Paper // ingested first
		batch  []paperhound.Paper
		want   recommend.IngestStats
		title  string // stored afterwards
	}{
		{"new, twice the same", nil, []paperhound.Paper{v1, v1}, recommend.IngestStats{Added: 1, Unchanged: 1}, v1.Title},
		{"new, two versions", nil, []paperhound.Paper{v1, v2}, recommend.IngestStats{Added: 1, Unchanged: 1}, v2.Title},
		{"stored, then a new version last", []paperhound.Paper{v1}, []paperhound.Paper{v1, v2}, recommend.IngestStats{Updated: 1, Unchanged: 1}, v2.Title},
		{"stored, the stored version last", []paperhound.Paper{v1}, []paperhound.Paper{v2, v1}, recommend.IngestStats{Unchanged: 2}, v1.Title},
		{"new, three copies", nil, []paperhound.Paper{v2, v1, v2}, recommend.IngestStats{Added: 1, Unchanged: 2}, v2.Title},
	}
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			for k, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					// One store for every case: each case gets its own id.
					id := fmt.Sprint("dup", k)
					rename := func(ps []paperhound.Paper) []paperhound.Paper {
						ps = slices.Clone(ps)
						for i := range ps {
							ps[i].ID = id
						}
						return ps
					}
					te := newTestEngine(b.Store)
					if tt.stored != nil {
						mustIngest(t, te.Engine, rename(tt.stored), recommend.IngestStats{Added: len(tt.stored)})
					}
					mustIngest(t, te.Engine, rename(tt.batch), tt.want)
					p, err := b.Store.Paper(ctx, id)
					if err != nil {
						t.Fatalf("after ingest: %v", err)
					}
					if p.Title != tt.title {
						t.Errorf("stored title %q, want %q", p.Title, tt.title)
					}
					// The index agrees with the store: the stored title finds it.
					res, err := te.Search(ctx, tt.title, recommend.Options{Limit: 1})
					if err != nil || len(res) != 1 || res[0].Paper.ID != id {
						t.Errorf("search for the stored title = %v, %v", res, err)
					}
				})
			}
		})
	}
}

// A paper is stored with its vectors or not at all.
func TestIngestEmbedFailure(t *testing.T) {
	ctx := context.Background()
	papers := samplePapers(t)[:5]
	down := errors.New("embeddings endpoint down")
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			te := newTestEngine(b.Store)
			te.chars.failWith(down) // the second space fails, after the first embedded
			if _, err := te.Ingest(ctx, papers); !errors.Is(err, down) {
				t.Fatalf("Ingest = %v, want %v", err, down)
			}
			if n, err := b.Store.CountPapers(ctx); err != nil || n != 0 {
				t.Errorf("%d papers stored after a failed embedding (%v)", n, err)
			}
			hashes := make([]string, len(papers))
			for i, p := range papers {
				hashes[i] = p.TextHash()
			}
			if vecs, err := b.Store.Vectors(ctx, embed.WordsSpace, hashes); err != nil || len(vecs) != 0 {
				t.Errorf("%d word vectors stored after a failed embedding (%v)", len(vecs), err)
			}
			if te.idx.Len() != 0 {
				t.Errorf("%d docs indexed after a failed embedding", te.idx.Len())
			}

			// An update that fails keeps the old version, and is not
			// mistaken for unchanged once the embedder is back.
			te.chars.failWith(nil)
			mustIngest(t, te.Engine, papers, recommend.IngestStats{Added: 5})
			changed := slices.Clone(papers)
			changed[0].Abstract = "A different abstract about zebrafish."
			te.chars.failWith(down)
			if _, err := te.Ingest(ctx, changed); !errors.Is(err, down) {
				t.Fatalf("Ingest = %v, want %v", err, down)
			}
			if p, err := b.Store.Paper(ctx, papers[0].ID); err != nil || p.Abstract != papers[0].Abstract {
				t.Errorf("after a failed update the stored abstract is %.40q (%v), want the old one", p.Abstract, err)
			}
			te.chars.failWith(nil)
			mustIngest(t, te.Engine, changed, recommend.IngestStats{Updated: 1, Unchanged: 4})
		})
	}
}

// sampleEngine is an engine with the sample papers ingested.
func sampleEngine(t *testing.T, st *schema.Store) (*testEngine, []paperhound.Paper) {
	t.Helper()
	papers := samplePapers(t)
	te := newTestEngine(st)
	mustIngest(t, te.Engine, papers, recommend.IngestStats{Added: len(papers)})
	return te, papers
}

func TestSimilar(t *testing.T) {
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			te, papers := sampleEngine(t, b.Store)

			res, err := te.Similar(ctx, "2407.18121", recommend.Options{Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			top := resultIDs(res)
			kv := 0
			for _, id := range top {
				if slices.Contains(kvCache, id) {
					kv++
				}
			}
			// Elastic Cache is about merging KV caches: its neighbours are
			// the other KV-cache papers, not the tokenizer ones.
			if len(top) != 5 || !slices.Contains(kvCache, top[0]) || kv < 4 {
				t.Errorf("similar to 2407.18121: %v, %d of them KV-cache papers; want 5, the first and at least 4 about KV caches", top, kv)
			}

			for _, p := range papers {
				res, err := te.Similar(ctx, p.ID, recommend.Options{Limit: 50})
				if err != nil {
					t.Fatal(err)
				}
				if slices.Contains(resultIDs(res), p.ID) {
					t.Errorf("similar to %s includes itself", p.ID)
				}
				checkRanked(t, "similar to "+p.ID, res)
			}

			if _, err := te.Similar(ctx, "9999.99999", recommend.Options{Limit: 5}); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("Similar of an unknown id = %v, want ErrNotFound", err)
			}
			if _, err := te.Similar(ctx, "2407.18121", recommend.Options{}); !errors.Is(err, paperhound.ErrInvalid) {
				t.Errorf("Similar with no limit = %v, want ErrInvalid", err)
			}
		})
	}
}

// checkRanked checks that scores descend and every paper is listed once.
func checkRanked(t *testing.T, what string, res []recommend.Result) {
	t.Helper()
	seen := map[string]bool{}
	for i, r := range res {
		if seen[r.Paper.ID] {
			t.Errorf("%s: %s listed twice", what, r.Paper.ID)
		}
		seen[r.Paper.ID] = true
		if i > 0 && r.Score > res[i-1].Score {
			t.Errorf("%s: score %v at %d follows %v", what, r.Score, i, res[i-1].Score)
		}
	}
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			te, papers := sampleEngine(t, b.Store)

			res, err := te.Search(ctx, "speculative decoding", recommend.Options{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) == 0 || res[0].Paper.ID != "2407.01955" && res[0].Paper.ID != "2512.05033" {
				t.Errorf("search for speculative decoding: %v, want 2407.01955 or 2512.05033 first", resultIDs(res))
			}
			checkRanked(t, "speculative decoding", res)

			// A whole abstract finds its own paper first: Search excludes nothing.
			_, elastic := withID(papers, "2407.18121")
			res, err = te.Search(ctx, elastic.Abstract, recommend.Options{Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) == 0 || res[0].Paper.ID != "2407.18121" {
				t.Errorf("search for the abstract of 2407.18121: %v", resultIDs(res))
			}

			// Results carry the paper as stored, every field.
			byID := map[string]paperhound.Paper{}
			for _, p := range papers {
				byID[p.ID] = p
			}
			_, turkish := withID(papers, "2502.07057")
			res, err = te.Search(ctx, turkish.Abstract, recommend.Options{Limit: 20})
			if err != nil || len(res) < 10 {
				t.Fatalf("search for the abstract of 2502.07057: %d results, %v", len(res), err)
			}
			for _, r := range res {
				stored, err := b.Store.Paper(ctx, r.Paper.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(r.Paper, stored) {
					t.Errorf("result %+v\nstored %+v", r.Paper, stored)
				}
				want := byID[r.Paper.ID]
				want.CreatedAt, want.UpdatedAt = r.Paper.CreatedAt, r.Paper.UpdatedAt
				if !reflect.DeepEqual(r.Paper, want) || r.Paper.CreatedAt.IsZero() {
					t.Errorf("result %+v\ningested %+v", r.Paper, want)
				}
			}

			for _, q := range []string{"", "   ", "the of and which", "42 3.14 §"} {
				if _, err := te.Search(ctx, q, recommend.Options{Limit: 5}); !errors.Is(err, paperhound.ErrInvalid) {
					t.Errorf("Search(%q) = %v, want ErrInvalid", q, err)
				}
			}
			if _, err := te.Search(ctx, "cache", recommend.Options{Limit: 0}); !errors.Is(err, paperhound.ErrInvalid) {
				t.Errorf("Search with limit 0 = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestFiltersPassThrough(t *testing.T) {
	ctx := context.Background()
	after, before := day("2025-01-01"), day("2025-06-30")
	tests := []struct {
		name   string
		filter index.Filter
		ok     func(paperhound.Paper) bool
	}{
		{"after", index.Filter{After: after}, func(p paperhound.Paper) bool {
			return !p.Published.IsZero() && !p.Published.Before(after.Time)
		}},
		{"before", index.Filter{Before: before}, func(p paperhound.Paper) bool {
			return !p.Published.IsZero() && !p.Published.After(before.Time)
		}},
		{"exclude", index.Filter{Exclude: kvCache}, func(p paperhound.Paper) bool {
			return !slices.Contains(kvCache, p.ID)
		}},
	}
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			te, papers := sampleEngine(t, b.Store)
			_, elastic := withID(papers, "2407.18121")
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					exclude := slices.Clone(tt.filter.Exclude)
					opts := recommend.Options{Limit: 38, Filter: tt.filter}
					similar, err := te.Similar(ctx, "2407.18121", opts)
					if err != nil {
						t.Fatal(err)
					}
					search, err := te.Search(ctx, elastic.Abstract, opts)
					if err != nil {
						t.Fatal(err)
					}
					for what, res := range map[string][]recommend.Result{"similar": similar, "search": search} {
						if len(res) < 3 {
							t.Errorf("%s: only %d results", what, len(res))
						}
						for _, r := range res {
							if !tt.ok(r.Paper) {
								t.Errorf("%s: %s (%s) does not pass the filter", what, r.Paper.ID, r.Paper.Published)
							}
						}
					}
					// Similar adds the paper itself to the exclusions on its
					// own copy, not on the caller's.
					if !slices.Equal(tt.filter.Exclude, exclude) {
						t.Errorf("the caller's Exclude became %v", tt.filter.Exclude)
					}
				})
			}
		})
	}
}

func day(s string) paperhound.Date {
	d, err := paperhound.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// rankings is every ranking the tests compare: similar for each paper and
// a few searches.
func rankings(t *testing.T, e *recommend.Engine, papers []paperhound.Paper) map[string][]recommend.Result {
	t.Helper()
	ctx := context.Background()
	out := map[string][]recommend.Result{}
	for _, p := range papers {
		res, err := e.Similar(ctx, p.ID, recommend.Options{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		out["similar "+p.ID] = res
	}
	for _, q := range []string{"speculative decoding", "KV cache compression", "tokenization of code", papers[0].Abstract} {
		res, err := e.Search(ctx, q, recommend.Options{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		out["search "+q[:min(len(q), 30)]] = res
	}
	return out
}

func sameRankings(t *testing.T, got, want map[string][]recommend.Result) {
	t.Helper()
	for k, w := range want {
		g := got[k]
		if len(g) != len(w) {
			t.Errorf("%s: %d results, want %d", k, len(g), len(w))
			continue
		}
		for i := range w {
			if g[i].Paper.ID != w[i].Paper.ID || g[i].Score != w[i].Score {
				t.Errorf("%s: %v\nwant %v", k, resultIDs(g), resultIDs(w))
				break
			}
		}
	}
}

// After a restart, Load from the store gives the rankings the live index
// gave, each paper's text embedded once per offline space.
func TestLoadRebuildsRankings(t *testing.T) {
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			live, papers := sampleEngine(t, b.Store)
			want := rankings(t, live.Engine, papers)

			restarted := newTestEngine(b.Store)
			n, err := restarted.Load(ctx)
			if err != nil || n != len(papers) {
				t.Fatalf("Load = %d, %v; want %d", n, err, len(papers))
			}
			if w, c := restarted.embedded(); w != len(papers) || c != len(papers) {
				t.Errorf("Load embedded %d, %d texts; want %d", w, c, len(papers))
			}
			if restarted.idx.Len() != len(papers) {
				t.Errorf("idx holds %d docs, want %d", restarted.idx.Len(), len(papers))
			}
			sameRankings(t, rankings(t, restarted.Engine, papers), want)
		})
	}
}

// A new offline channel ranks every paper from the next start: Load embeds
// every paper's text in each offline space, stores none of their vectors,
// and each start after ranks alike.
func TestLoadEmbedsOfflineSpaces(t *testing.T) {
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			papers := samplePapers(t)
			wordsOnly := recommend.New(b.Store, index.NewMemory(),
				[]recommend.Channel{{Embedder: embed.Words{}, Weight: 1, MaxDocFreq: 0.3}}, nil)
			mustIngest(t, wordsOnly, papers, recommend.IngestStats{Added: len(papers)})

			upgraded := newTestEngine(b.Store)
			n, err := upgraded.Load(ctx)
			if err != nil || n != len(papers) {
				t.Fatalf("Load = %d, %v; want %d", n, err, len(papers))
			}
			if w, c := upgraded.embedded(); w != len(papers) || c != len(papers) {
				t.Errorf("Load embedded %d word and %d char texts; want %d of each", w, c, len(papers))
			}
			hashes := make([]string, len(papers))
			for i, p := range papers {
				hashes[i] = p.TextHash()
			}
			for _, space := range []string{embed.WordsSpace, embed.CharsSpace} {
				if vecs, err := b.Store.Vectors(ctx, space, hashes); err != nil || len(vecs) != 0 {
					t.Errorf("%s: %d vectors stored (%v), want none", space, len(vecs), err)
				}
			}

			next := newTestEngine(b.Store)
			if n, err := next.Load(ctx); err != nil || n != len(papers) {
				t.Fatalf("second Load = %d, %v", n, err)
			}
			sameRankings(t, rankings(t, next.Engine, papers), rankings(t, upgraded.Engine, papers))

			// And a paper ingested by the upgraded engine is unchanged for
			// it: Load wrote nothing that looks like an edit.
			mustIngest(t, upgraded.Engine, papers, recommend.IngestStats{Unchanged: len(papers)})
		})
	}
}

// The character channel re-ranks what the words channel finds and finds
// nothing of its own: a paper that shares only character grams with the
// query ("zorblaxian" beside "zorblax") is not a candidate, though the
// same channel searching the whole index ranks it.
func TestRerankChannelFindsNothingOfItsOwn(t *testing.T) {
	ctx := context.Background()
	papers := []paperhound.Paper{
		{ID: "q", Title: "Zorblax gadgets", Abstract: "We study zorblax gadgets."},
		{ID: "shares-a-word", Title: "Zorblax spindles", Abstract: "Spindles turn."},
		{ID: "shares-grams", Title: "Zorblaxian quux", Abstract: "Zorblaxian quux."},
	}
	for _, rerank := range []bool{true, false} {
		t.Run(fmt.Sprint("rerank=", rerank), func(t *testing.T) {
			channels := recommend.LexicalChannels()
			channels[1].Rerank = rerank
			e := recommend.New(schematest.Open(t, "sqlite"), index.NewMemory(), channels, nil)
			mustIngest(t, e, papers, recommend.IngestStats{Added: len(papers)})
			res, err := e.Similar(ctx, "q", recommend.Options{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"shares-a-word"}
			if !rerank {
				want = append(want, "shares-grams")
			}
			if got := resultIDs(res); !slices.Equal(slices.Sorted(slices.Values(got)), want) {
				t.Errorf("similar to q = %v, want %v in some order", got, want)
			}
		})
	}
}
