package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paperhound/paperhound/embed/embedtest"
)

// BenchmarkIngestEndpoint is the real ingest path ("paperhound ingest" into
// a fresh SQLite file) with a dense channel from a fake endpoint that
// answers each request after 50 ms: 2,000 sample-like papers, 16 texts a
// request, 1 or 8 requests in flight; "lexical" is the same run without
// an endpoint. Run with:
//
//	go test -run '^$' -bench IngestEndpoint -benchtime 3x ./cmd/paperhound
func BenchmarkIngestEndpoint(b *testing.B) {
	const n = 2000
	file := filepath.Join(b.TempDir(), "synth.jsonl")
	if err := os.WriteFile(file, synthPapers(n, 100), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, conc := range []int{0, 1, 8} {
		name := fmt.Sprintf("concurrency=%d", conc)
		if conc == 0 {
			name = "lexical"
		}
		b.Run(name, func(b *testing.B) {
			srv := embedtest.Start(b, embedtest.Options{Latency: 50 * time.Millisecond})
			for b.Loop() {
				args := []string{"ingest", "--db", filepath.Join(b.TempDir(), "x.db")}
				if conc > 0 {
					args = append(args, "--embed-url", srv.URL, "--embed-model", "fake-embed",
						"--embed-batch", "16", "--embed-concurrency", fmt.Sprint(conc))
				}
				var stdout, stderr bytes.Buffer
				if err := run(context.Background(), append(args, file), &stdout, &stderr); err != nil {
					b.Fatalf("ingest: %v; %s", err, stderr.String())
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "papers/s")
		})
	}
}
