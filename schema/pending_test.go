package schema_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

// Pending papers are those without a vector in a space; storing one (even
// before its paper, or for another paper with the same text) clears them.
func TestPapersMissingVector(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Store
			at(st, t0)
			var papers []paperhound.Paper
			for i := range 7 {
				papers = append(papers, paperhound.Paper{ID: fmt.Sprintf("p%d", i), Title: fmt.Sprintf("Paper number %d", i)})
			}
			twin := paperhound.Paper{ID: "p7", Title: papers[1].Title} // same text as p1
			papers = append(papers, twin)
			vec := func(space string, p paperhound.Paper) schema.Vector {
				return schema.Vector{Space: space, TextHash: p.TextHash(), Data: []byte("d" + p.ID)}
			}
			// p0 and p2 have a dense vector already; p3's comes before its paper.
			mustSave(t, st, papers[:3], []schema.Vector{vec("dense", papers[0]), vec("sparse", papers[1]), vec("dense", papers[2])})
			if err := st.SaveVectors(ctx, []schema.Vector{vec("dense", papers[3])}); err != nil {
				t.Fatal(err)
			}
			mustSave(t, st, papers[3:], nil)

			ids := func(after string, limit int) []string {
				t.Helper()
				ps, err := st.PapersMissingVector(ctx, "dense", after, limit)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, p := range ps {
					if p.Title == "" || p.CreatedAt.IsZero() {
						t.Errorf("paper %s comes back without its fields: %+v", p.ID, p)
					}
					out = append(out, p.ID)
				}
				return out
			}
			if got, want := ids("", 100), []string{"p1", "p4", "p5", "p6", "p7"}; !slices.Equal(got, want) {
				t.Errorf("missing = %v, want %v", got, want)
			}
			if got, want := ids("", 2), []string{"p1", "p4"}; !slices.Equal(got, want) {
				t.Errorf("first page = %v, want %v", got, want)
			}
			if got, want := ids("p4", 2), []string{"p5", "p6"}; !slices.Equal(got, want) {
				t.Errorf("second page = %v, want %v", got, want)
			}
			if got := ids("", 0); got != nil {
				t.Errorf("limit 0 = %v", got)
			}
			if n, err := st.CountMissingVector(ctx, "dense"); err != nil || n != 5 {
				t.Errorf("CountMissingVector = %d, %v; want 5", n, err)
			}
			if n, err := st.CountMissingVector(ctx, "nothing-stored"); err != nil || n != 8 {
				t.Errorf("CountMissingVector of an empty space = %d, %v; want 8", n, err)
			}
			if got, err := st.CountVectors(ctx); err != nil || !maps.Equal(got, map[string]int{"dense": 3, "sparse": 1}) {
				t.Errorf("CountVectors = %v, %v; want dense 3, sparse 1", got, err)
			}

			// One vector for p1's text clears its twin p7 as well; saving it
			// again keeps the first.
			v1 := vec("dense", papers[1])
			if err := st.SaveVectors(ctx, []schema.Vector{v1, v1}); err != nil {
				t.Fatal(err)
			}
			if got, want := ids("", 100), []string{"p4", "p5", "p6"}; !slices.Equal(got, want) {
				t.Errorf("missing after a save = %v, want %v", got, want)
			}
			if err := st.SaveVectors(ctx, []schema.Vector{{Space: "dense", Data: []byte("x")}}); !errors.Is(err, paperhound.ErrInvalid) {
				t.Errorf("a vector without a text hash: %v, want ErrInvalid", err)
			}
			if err := st.SaveVectors(ctx, nil); err != nil {
				t.Errorf("SaveVectors(nil) = %v", err)
			}

			data, err := st.SampleVector(ctx, "sparse")
			if err != nil || string(data) != "dp1" {
				t.Errorf("SampleVector = %q, %v", data, err)
			}
			if _, err := st.SampleVector(ctx, "nothing-stored"); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("SampleVector of an empty space: %v, want ErrNotFound", err)
			}
		})
	}
}

// TouchPapers makes a refreshing reader load the papers again, and leaves
// them unchanged for ingest.
func TestTouchPapers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Store
			at(st, t0)
			papers := []paperhound.Paper{{ID: "a", Title: "A"}, {ID: "b", Title: "B"}}
			mustSave(t, st, papers, nil) // seq 2
			at(st, t1)
			if err := st.TouchPapers(ctx, []string{"b", "not-stored"}); err != nil {
				t.Fatal(err)
			}
			if err := st.TouchPapers(ctx, nil); err != nil {
				t.Fatal(err)
			}
			var seen []string
			err := st.ScanIndexAfter(ctx, 2, 10, func(r schema.IndexRow) error {
				seen = append(seen, r.ID)
				return nil
			})
			if err != nil || !slices.Equal(seen, []string{"b"}) {
				t.Errorf("papers written after the save = %v, %v; want [b]", seen, err)
			}
			hashes, err := st.RecordHashes(ctx, []string{"a", "b"})
			if err != nil || hashes["b"] != papers[1].RecordHash() {
				t.Errorf("the record hash changed: %v, %v", hashes, err)
			}
			p, err := st.Paper(ctx, "b")
			if err != nil || !p.UpdatedAt.Equal(t0) {
				t.Errorf("b updated at %v, %v; want %v: its record did not change", p.UpdatedAt, err, t0)
			}
		})
	}
}
