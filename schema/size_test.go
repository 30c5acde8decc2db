package schema_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema/schematest"
)

// DiskBytes counts what papers add, the write-ahead log's share included
// on SQLite (folded into the file by its checkpoint).
func TestDiskBytes(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			empty, err := b.Store.DiskBytes(ctx)
			if err != nil || empty <= 0 {
				t.Fatalf("DiskBytes of an empty store = %d, %v; want the schema's size", empty, err)
			}
			const n, abstract = 200, 10_000
			// Random text, which PostgreSQL's TOAST cannot compress away.
			r := rand.New(rand.NewPCG(1, 2))
			papers := make([]paperhound.Paper, n)
			for i := range papers {
				raw := make([]byte, abstract/2)
				for k := range raw {
					raw[k] = byte(r.Uint32())
				}
				papers[i] = paperhound.Paper{ID: fmt.Sprint(i), Title: "paper", Abstract: hex.EncodeToString(raw)}
			}
			mustSave(t, b.Store, papers, nil)
			full, err := b.Store.DiskBytes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if grew := full - empty; grew < n*abstract*9/10 {
				t.Errorf("DiskBytes grew by %d bytes for %d abstracts of %d bytes", grew, n, abstract)
			}
		})
	}
}
