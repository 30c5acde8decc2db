package ingest

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
)

// BenchmarkReadPapers measures throughput on arXiv snapshot records, the
// biggest file we expect (about 4 GB).
func BenchmarkReadPapersArxiv(b *testing.B) {
	data := []byte(strings.Repeat(arxivSample+"\n", 2000))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		n := 0
		err := ReadPapers(context.Background(), bytes.NewReader(data), "bench",
			func(int, paperhound.Paper) error { n++; return nil }, nil)
		if err != nil || n != 2000 {
			b.Fatalf("read %d papers: %v", n, err)
		}
	}
}
