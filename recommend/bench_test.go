package recommend_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema/schematest"
)

// Run with: go test -run '^$' -bench . -benchtime 20x ./recommend
// The 100k corpus takes a minute or two to embed and holds about 600 MB;
// -short stops at 10k. Run the sizes in separate processes
// (-bench /papers=10k, then /papers=100k) for clean 10k latencies: the
// shared 100k index, once built, makes every GC cycle of the process slow.

const benchSeed = 42

// BenchmarkIngest is the whole ingest path, 500 papers a batch: record
// hashes, one transaction, and with index=memory (a server's POST
// /v1/papers) both lexical embedders and the index. The ingest command
// runs it with index=none: nothing reads an index in that process, so
// nothing embeds for one.
func BenchmarkIngest(b *testing.B) {
	ctx := context.Background()
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, idx := range []string{"none", "memory"} {
			b.Run("store="+dialect+"/index="+idx, func(b *testing.B) {
				st := schematest.Open(b, dialect)
				var x recommend.Index // none: New's nil
				if idx == "memory" {
					x = index.NewMemory()
				}
				e := recommend.New(st, x, recommend.LexicalChannels(), nil)
				corpus := newSynthCorpus(benchSeed)
				const batch = 500
				n := 0
				for b.Loop() {
					b.StopTimer()
					papers := corpus.papers(n, batch)
					b.StartTimer()
					stats, err := e.Ingest(ctx, papers)
					if err != nil || stats.Added != batch {
						b.Fatalf("Ingest = %+v, %v", stats, err)
					}
					n += batch
				}
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "papers/s")
			})
		}
	}
}

// benchIndex is a Memory index filled with the first size papers of the
// corpus, built once per size and shared by the benchmarks.
type benchIndex struct {
	size   int
	corpus *synthCorpus
	idx    *index.Memory
	heap   uint64 // live heap the idx added
}

var benchIndexes = struct {
	sync.Mutex
	m map[int]*benchIndex
}{m: map[int]*benchIndex{}}

func sizes(b *testing.B) []int {
	if testing.Short() {
		return []int{10_000}
	}
	return []int{10_000, 100_000}
}

func sizeName(n int) string { return fmt.Sprintf("papers=%dk", n/1000) }

// embedDocs embeds papers as the engine does when it loads them (vectors
// with their scales and tokens), the two channels side by side.
func embedDocs(b *testing.B, papers []paperhound.Paper) []index.Doc {
	texts := make([]string, len(papers))
	for i, p := range papers {
		texts[i] = p.Text()
	}
	channels := recommend.LexicalChannels()
	vecs := make([][]embed.Vector, len(channels))
	errs := make([]error, len(channels))
	var wg sync.WaitGroup
	for i, c := range channels {
		wg.Go(func() { vecs[i], errs[i] = c.Embedder.Embed(context.Background(), texts) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
	docs := make([]index.Doc, len(papers))
	for i, p := range papers {
		docs[i] = index.Doc{ID: p.ID, Published: p.Published, Categories: p.Categories, Vectors: map[string]embed.Vector{}}
		for ci, c := range channels {
			docs[i].Vectors[c.Embedder.Space()] = vecs[ci][i]
		}
	}
	return docs
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// indexOf returns the shared index of size papers, building it straight
// from embedder output: the store plays no part in its memory or its build.
func indexOf(b *testing.B, size int) *benchIndex {
	b.Helper()
	benchIndexes.Lock()
	defer benchIndexes.Unlock()
	if bi := benchIndexes.m[size]; bi != nil {
		return bi
	}
	corpus := newSynthCorpus(benchSeed)
	start := time.Now()
	before := heapInUse()
	idx := index.NewMemory()
	// Kept as the engine keeps them: a re-ranking channel without lists.
	for _, c := range recommend.LexicalChannels() {
		if c.Rerank {
			idx.ScoreOnly(c.Embedder.Space())
		}
	}
	for from := 0; from < size; from += 1000 {
		// Each batch's docs are dropped after the upsert, as in Load: the
		// heap then holds only what the index keeps.
		docs := embedDocs(b, corpus.papers(from, min(1000, size-from)))
		if err := idx.Upsert(context.Background(), docs); err != nil {
			b.Fatal(err)
		}
	}
	after := heapInUse()
	bi := &benchIndex{size: size, corpus: corpus, idx: idx, heap: after - before}
	b.Logf("embedded and indexed %d papers in %v", size, time.Since(start).Round(time.Second))
	benchIndexes.m[size] = bi
	return bi
}

// benchQueries is how many distinct queries the latency benchmarks cycle
// through.
const benchQueries = 200

// queryID is the i-th paper asked for its similar papers, spread over the
// corpus.
func (bi *benchIndex) queryID(i int) int { return (i % benchQueries) * (bi.size / benchQueries) }

// engine returns an engine on bi's index over a temporary SQLite store
// holding every paper.
func (bi *benchIndex) engine(b *testing.B) *recommend.Engine {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	st := schematest.Open(b, "sqlite")
	for from := 0; from < bi.size; from += 1000 {
		papers := bi.corpus.papers(from, min(1000, bi.size-from))
		if err := st.SavePapers(ctx, papers); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("stored %d papers in %v", bi.size, time.Since(start).Round(time.Second))
	return recommend.New(st, bi.idx, recommend.LexicalChannels(), nil)
}

func checkTen(b *testing.B, res []recommend.Result, err error) {
	if err != nil {
		b.Fatal(err)
	}
	if len(res) != 10 {
		b.Fatalf("%d results, want 10", len(res))
	}
}

// BenchmarkSimilar is one similar-papers request through the engine: the
// paper's two vectors taken from the Memory index, both channels searched
// there, blended, the ten papers read back from SQLite.
func BenchmarkSimilar(b *testing.B) {
	for _, size := range sizes(b) {
		b.Run(sizeName(size), func(b *testing.B) {
			bi := indexOf(b, size)
			similarLoop(b, bi, bi.engine(b))
		})
	}
}

// similarLoop asks e for the similar papers of bi's queried papers in turn.
func similarLoop(b *testing.B, bi *benchIndex, e *recommend.Engine) {
	i := 0
	for b.Loop() {
		id := fmt.Sprintf("syn.%07d", bi.queryID(i))
		res, err := e.Similar(b.Context(), id, recommend.Options{Limit: 10})
		checkTen(b, res, err)
		i++
	}
}

// BenchmarkSimilarWithVotes is BenchmarkSimilar once readers have
// upvoted: every queried paper has co-upvotes, so the co-upvote channel and
// its feedback round (similar.go) run as well. Each queried paper has 20
// readers, each with a library of 30: the paper, 14 papers after it and 15
// spread over the corpus, some 120,000 votes in all, the size of
// citeulike-a's 205,000.
func BenchmarkSimilarWithVotes(b *testing.B) {
	ctx := context.Background()
	for _, size := range sizes(b) {
		b.Run(sizeName(size), func(b *testing.B) {
			bi := indexOf(b, size)
			e := bi.engine(b)
			rng := rand.New(rand.NewPCG(benchSeed, 0))
			var votes []paperhound.Vote
			for q := range benchQueries {
				for r := range 20 {
					user := fmt.Sprintf("reader%d.%d", q, r)
					library := map[int]bool{bi.queryID(q): true}
					for len(library) < 15 {
						library[(bi.queryID(q)+1+rng.IntN(14))%size] = true
					}
					for len(library) < 30 {
						library[rng.IntN(size)] = true
					}
					for p := range library {
						votes = append(votes, paperhound.Vote{User: user, Paper: fmt.Sprintf("syn.%07d", p), Value: 1})
					}
				}
			}
			if _, unknown, err := e.ImportVotes(ctx, votes); err != nil || len(unknown) > 0 {
				b.Fatalf("ImportVotes: %v, %d unknown", err, len(unknown))
			}
			similarLoop(b, bi, e)
		})
	}
}

// BenchmarkSearch is one search request through the engine, for a query
// of two or three words and for a whole abstract (a draft's related work):
// the text embedded in both spaces, searched, blended, papers read back.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	for _, size := range sizes(b) {
		b.Run(sizeName(size), func(b *testing.B) {
			bi := indexOf(b, size)
			e := bi.engine(b)
			queries := map[string]func(i int) string{
				"short": bi.corpus.shortQuery,
				// Papers past the end of the corpus: drafts it has not seen.
				"abstract": func(i int) string { return bi.corpus.paper(bi.size + i%benchQueries).Abstract },
			}
			for _, kind := range []string{"short", "abstract"} {
				b.Run("query="+kind, func(b *testing.B) {
					texts := make([]string, benchQueries)
					for i := range texts {
						texts[i] = queries[kind](i)
					}
					i := 0
					for b.Loop() {
						res, err := e.Search(ctx, texts[i%len(texts)], recommend.Options{Limit: 10})
						checkTen(b, res, err)
						i++
					}
				})
			}
		})
	}
}

// BenchmarkMemorySearch is the index alone: each channel's search for a
// whole abstract, with the engine's pool of 100 and its cut-off, no store.
func BenchmarkMemorySearch(b *testing.B) {
	ctx := context.Background()
	for _, size := range sizes(b) {
		b.Run(sizeName(size), func(b *testing.B) {
			bi := indexOf(b, size)
			// A re-ranking channel scores what the others found, as in the
			// engine: here the words channel's 100 for the same text.
			var found [][]string
			for _, c := range recommend.LexicalChannels() {
				queries := make([]index.Query, benchQueries)
				for i := range queries {
					v, err := c.Embedder.Embed(ctx, []string{bi.corpus.paper(bi.size + i).Text()})
					if err != nil {
						b.Fatal(err)
					}
					queries[i] = index.Query{Space: c.Embedder.Space(), Vector: v[0], Limit: 100, MaxDocFreq: c.MaxDocFreq, CandidateDocFreq: c.CandidateDocFreq}
					if c.Rerank {
						queries[i].Filter.Only = found[i]
					}
				}
				search := func(b *testing.B, i int) []index.Hit {
					hits, err := bi.idx.Search(ctx, queries[i%len(queries)])
					if err != nil || len(hits) != 100 {
						b.Fatalf("%d hits, %v", len(hits), err)
					}
					return hits
				}
				if found == nil {
					found = make([][]string, len(queries))
					for i := range queries {
						for _, h := range search(b, i) {
							found[i] = append(found[i], h.ID)
						}
					}
				}
				b.Run("space="+c.Embedder.Space(), func(b *testing.B) {
					i := 0
					for b.Loop() {
						search(b, i)
						i++
					}
				})
			}
		})
	}
}

// BenchmarkMemoryPerPaper reports the live heap a filled Memory index
// holds per paper (both lexical spaces), measured after a GC before and
// after filling it. Its ns/op is suppressed: there is nothing to time.
func BenchmarkMemoryPerPaper(b *testing.B) {
	for _, size := range sizes(b) {
		b.Run(sizeName(size), func(b *testing.B) {
			bi := indexOf(b, size)
			for b.Loop() {
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(bi.heap)/float64(size), "bytes/paper")
			b.ReportMetric(float64(bi.heap)/(1<<20), "MiB")
		})
	}
}

// BenchmarkRefreshIdle is one Refresh of a server with nothing new to read,
// just after another engine ingested 5,000 papers into the same SQLite
// store: what `serve` pays every --refresh when idle.
func BenchmarkRefreshIdle(b *testing.B) {
	ctx := context.Background()
	st := schematest.Open(b, "sqlite")
	writer := recommend.New(st, index.NewMemory(), recommend.LexicalChannels(), nil)
	const size = 5000
	if _, err := writer.Ingest(ctx, newSynthCorpus(benchSeed).papers(0, size)); err != nil {
		b.Fatal(err)
	}
	server := recommend.New(st, index.NewMemory(), recommend.LexicalChannels(), nil)
	if _, err := server.Load(ctx); err != nil {
		b.Fatal(err)
	}
	upserted := 0
	for b.Loop() {
		n, err := server.Refresh(ctx)
		if err != nil {
			b.Fatal(err)
		}
		upserted += n
	}
	b.ReportMetric(float64(upserted)/float64(b.N), "papers/op")
}
