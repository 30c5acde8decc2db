package schema_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

// batch makes n papers from start.
func batch(start, n int) []paperhound.Paper {
	papers := make([]paperhound.Paper, n)
	for i := range n {
		p := paperhound.Paper{
			ID:         fmt.Sprintf("2401.%06d", start+i),
			Title:      fmt.Sprint("A study of thing ", start+i),
			Abstract:   "We study things at some length, and find that they are, on the whole, things.",
			Authors:    paperhound.Strings{"Ada Lovelace", "Alan Turing"},
			Categories: paperhound.Strings{"cs.LG"},
			Published:  date("2024-01-15"),
		}
		papers[i] = p
	}
	return papers
}

func BenchmarkSavePapers(b *testing.B) {
	for _, be := range schematest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				if err := be.Store.SavePapers(context.Background(), batch(n, 1000)); err != nil {
					b.Fatal(err)
				}
				n += 1000
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "papers/s")
		})
	}
}

func BenchmarkScanIndex(b *testing.B) {
	const total = 20000
	for _, be := range schematest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			for start := 0; start < total; start += 1000 {
				if err := be.Store.SavePapers(context.Background(), batch(start, 1000)); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				n := 0
				err := be.Store.ScanIndexAfter(context.Background(), 0, 2000, func(schema.IndexRow) error {
					n++
					return nil
				})
				if err != nil || n != total {
					b.Fatalf("ScanIndex: %d papers, %v", n, err)
				}
			}
			b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "papers/s")
		})
	}
}
