//go:build linux

package index_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paperhound/paperhound/bench"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/evaluate"
	"github.com/paperhound/paperhound/index"
)

// The benchmarks index papers made of citeulike-a's real titles and
// sentences (as "paperhound bench" does) with the offline channels.
// PAPERHOUND_CITEULIKE names the data set's directory.
var benchEnv = struct {
	once   sync.Once
	corpus *bench.Corpus
	err    error
	built  map[int]*index.Memory
}{built: map[int]*index.Memory{}}

func benchCorpus(b *testing.B) *bench.Corpus {
	b.Helper()
	dir := os.Getenv("PAPERHOUND_CITEULIKE")
	if dir == "" {
		dir = "../../shared/data/citeulike-a"
	}
	benchEnv.once.Do(func() {
		d, err := evaluate.LoadCiteULike(dir)
		if err != nil {
			benchEnv.err = err
			return
		}
		benchEnv.corpus, benchEnv.err = bench.NewCorpus(d, 1)
	})
	if benchEnv.err != nil {
		b.Skipf("no citeulike-a data set (PAPERHOUND_CITEULIKE): %v", benchEnv.err)
	}
	return benchEnv.corpus
}

var benchSpaces = []interface {
	Space() string
	Embed(context.Context, []string) ([]embed.Vector, error)
}{embed.Words{}, embed.Chars{}}

// benchDocs embeds papers [from, to) in both spaces.
func benchDocs(b *testing.B, c *bench.Corpus, from, to int) []index.Doc {
	b.Helper()
	texts := make([]string, 0, to-from)
	docs := make([]index.Doc, 0, to-from)
	for i := from; i < to; i++ {
		p := c.Paper(i)
		texts = append(texts, p.Text())
		docs = append(docs, index.Doc{ID: p.ID, Published: p.Published, Vectors: map[string]embed.Vector{}})
	}
	for _, s := range benchSpaces {
		vecs, err := s.Embed(context.Background(), texts)
		if err != nil {
			b.Fatal(err)
		}
		for i, v := range vecs {
			docs[i].Vectors[s.Space()] = v
		}
	}
	return docs
}

// rusageThread is Linux's RUSAGE_THREAD: the machine is shared, so the
// benchmarks report the CPU time of the thread doing the work beside the
// wall time.
const rusageThread = 1

// threadCPU is the CPU time this goroutine's thread has used; the caller
// holds it on its thread with runtime.LockOSThread.
func threadCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// benchLoad indexes n papers in batches of 1,000, as start-up does, and
// reports the upsert rate (embedding not counted) and the live heap the
// index holds per paper.
func benchLoad(b *testing.B, n int) *index.Memory {
	c := benchCorpus(b)
	before := heapAlloc()
	m := index.NewMemory()
	m.ScoreOnly(embed.CharsSpace) // as the engine keeps it
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var spent, cpu time.Duration
	for from := 0; from < n; from += 1000 {
		docs := benchDocs(b, c, from, min(n, from+1000))
		start, startCPU := time.Now(), threadCPU(b)
		if err := m.Upsert(context.Background(), docs); err != nil {
			b.Fatal(err)
		}
		spent += time.Since(start)
		cpu += threadCPU(b) - startCPU
	}
	b.ReportMetric(float64(n)/spent.Seconds(), "docs/s")
	b.ReportMetric(float64(n)/cpu.Seconds(), "docs/cpu-s")
	b.ReportMetric(float64(heapAlloc()-before)/float64(n), "heap-B/doc")
	return m
}

// benchIndex is an index of n papers, built once.
func benchIndex(b *testing.B, n int) *index.Memory {
	if m := benchEnv.built[n]; m != nil {
		return m
	}
	b.StopTimer()
	defer b.StartTimer()
	benchCorpus(b)
	m := benchLoad(b, n)
	benchEnv.built[n] = m
	return m
}

// benchSearch asks the words space for the 100 nearest of each query and
// the character space to score them, as a similar-papers request does.
func benchSearch(b *testing.B, m *index.Memory, queries []index.Doc) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	start := threadCPU(b)
	for i := range b.N {
		q := queries[i%len(queries)]
		found := []string{} // not nil: Only names no doc rather than all
		for _, s := range benchSpaces {
			query := index.Query{Space: s.Space(), Vector: q.Vectors[s.Space()], Limit: 100, MaxDocFreq: 0.3}
			if s.Space() == embed.CharsSpace {
				query.Filter.Only, query.Limit = found, max(1, len(found))
			}
			hits, err := m.Search(context.Background(), query)
			if err != nil {
				b.Fatal(err)
			}
			for _, h := range hits {
				found = append(found, h.ID)
			}
		}
	}
	b.ReportMetric(float64(threadCPU(b)-start)/float64(b.N), "cpu-ns/op")
}

func BenchmarkMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint("docs=", n), func(b *testing.B) {
			b.Run("load", func(b *testing.B) {
				for range b.N {
					benchEnv.built[n] = benchLoad(b, n)
				}
			})
			c := benchCorpus(b)
			// Queries are papers the index does not hold.
			papers := benchDocs(b, c, n, n+50)
			b.Run("whole-paper", func(b *testing.B) {
				benchSearch(b, benchIndex(b, n), papers)
			})
			words := make([]index.Doc, 50)
			for i := range words {
				title := strings.Fields(c.Paper(n + i).Title)
				words[i] = index.Doc{Vectors: map[string]embed.Vector{
					embed.WordsSpace: {Sparse: embed.Words{}.Vector(strings.Join(title[:min(3, len(title))], " "))},
					embed.CharsSpace: {Sparse: embed.Chars{}.Vector(strings.Join(title[:min(3, len(title))], " "))},
				}}
			}
			b.Run("three-words", func(b *testing.B) {
				benchSearch(b, benchIndex(b, n), words)
			})
		})
	}
}
