package recommend_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/embed/embedtest"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/index/qdranttest"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema/schematest"
)

// BenchmarkQueryBackends is one similar-papers and one search request
// through the engine with the production channels (both lexical ones and a
// dense one from a fake endpoint answering at once, 64 dimensions), on the
// embedded index and on the Qdrant backend. The Qdrant server is the
// in-process fake (qdranttest) over real gRPC: the figures are the
// backend's own cost, three gRPC round trips and protobuf encoding, not
// the speed of a real Qdrant. 5,000 synthetic papers (1,000 with -short):
//
//	go test -run '^$' -bench QueryBackends ./recommend
func BenchmarkQueryBackends(b *testing.B) {
	ctx := context.Background()
	n := 5000
	if testing.Short() {
		n = 1000
	}
	st := schematest.Open(b, "sqlite")
	ep := fakeEndpoint(b, embedtest.Start(b, embedtest.Options{}))
	mem := recommend.New(st, index.NewMemory(), hybrid(ep), nil)
	corpus := newSynthCorpus(benchSeed)
	for from := 0; from < n; from += 500 {
		if _, err := mem.Ingest(ctx, corpus.papers(from, 500)); err != nil {
			b.Fatal(err)
		}
	}
	q := qdranttest.Open(b, qdranttest.Start(b).URL, "", func(c *index.QdrantConfig) {
		c.Sparse = []string{embed.WordsSpace, embed.CharsSpace}
		c.Dense = map[string]int{ep.Space(): 64}
	})
	qd := recommend.New(st, q, hybrid(ep), nil)
	if got, err := qd.LoadIndex(ctx); err != nil || got != n {
		b.Fatalf("LoadIndex = %d, %v", got, err)
	}
	for _, be := range []struct {
		name   string
		engine *recommend.Engine
	}{{"memory", mem}, {"qdrant", qd}} {
		b.Run("index="+be.name+"/similar", func(b *testing.B) {
			i := 0
			for b.Loop() {
				res, err := be.engine.Similar(ctx, fmt.Sprintf("syn.%07d", (i*97)%n), recommend.Options{Limit: 10})
				checkTen(b, res, err)
				i++
			}
		})
		b.Run("index="+be.name+"/search", func(b *testing.B) {
			i := 0
			for b.Loop() {
				// Some of the synthetic topics' word pairs are in fewer than
				// ten of these few papers: only none is wrong.
				res, err := be.engine.Search(ctx, corpus.shortQuery(i%benchQueries), recommend.Options{Limit: 10})
				if err != nil || len(res) == 0 {
					b.Fatalf("%d results, %v", len(res), err)
				}
				i++
			}
		})
	}
}
