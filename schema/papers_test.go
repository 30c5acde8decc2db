package schema_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

var (
	t0 = time.Date(2025, 1, 2, 3, 4, 5, 123456000, time.UTC)
	t1 = t0.Add(time.Hour)
)

func date(s string) paperhound.Date {
	d, err := paperhound.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// at makes the store's clock read t.
func at(st *schema.Store, t time.Time) { st.Now = func() time.Time { return t } }

func mustSave(t *testing.T, st *schema.Store, papers []paperhound.Paper, vectors []schema.Vector) {
	t.Helper()
	if err := st.SavePapers(context.Background(), papers); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveVectors(context.Background(), vectors); err != nil {
		t.Fatal(err)
	}
}

func TestPaperRoundTrip(t *testing.T) {
	t.Parallel()
	full := paperhound.Paper{
		ID:         "2407.12345",
		Title:      "Attention Is Still All You Need",
		Abstract:   "We revisit — with ünïcode — the transformer.\nTwo lines.",
		Authors:    paperhound.Strings{"Ada Lovelace", "Alan Turing"},
		Published:  date("2024-07-25"),
		URL:        "https://arxiv.org/abs/2407.12345",
		Categories: paperhound.Strings{"cs.LG", "cs.CL"},
		DOI:        "10.1145/3292500.3330701",
		Upvotes:    42,
	}
	tests := []struct {
		name string
		in   paperhound.Paper
		want paperhound.Paper // in, when zero
	}{
		{name: "every field", in: full},
		{name: "title only", in: paperhound.Paper{ID: "p2", Title: "Only a title"}},
		{name: "unknown date", in: paperhound.Paper{ID: "p3", Title: "t", Authors: paperhound.Strings{"A"}}},
		{
			name: "empty lists read back as nil",
			in:   paperhound.Paper{ID: "p4", Title: "t", Authors: paperhound.Strings{}, Categories: paperhound.Strings{}},
			want: paperhound.Paper{ID: "p4", Title: "t"},
		},
		{name: "old date", in: paperhound.Paper{ID: "p5", Title: "t", Published: date("1905-06-30")}},
		{name: "id with slash", in: paperhound.Paper{ID: "hep-th/9901001", Title: "t", Published: date("1999-01-01")}},
	}
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			at(b.Store, t0)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					mustSave(t, b.Store, []paperhound.Paper{tt.in}, nil)
					want := tt.want
					if want.ID == "" {
						want = tt.in
					}
					want.CreatedAt, want.UpdatedAt = t0, t0

					got, err := b.Store.Paper(ctx, tt.in.ID)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("Paper:\n got %#v\nwant %#v", got, want)
					}
					many, err := b.Store.Papers(ctx, []string{tt.in.ID, "absent"})
					if err != nil {
						t.Fatal(err)
					}
					if len(many) != 1 || !reflect.DeepEqual(many[tt.in.ID], want) {
						t.Errorf("Papers = %#v, want only %#v", many, want)
					}
				})
			}
		})
	}
}

func TestPaperNotFound(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			_, err := b.Store.Paper(context.Background(), "nope")
			if !errors.Is(err, paperhound.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
			if want := `paper "nope": not found`; err.Error() != want {
				t.Errorf("err = %q, want %q", err, want)
			}
		})
	}
}

func TestSavePapersUpsert(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Store
			p := paperhound.Paper{ID: "p", Title: "first", Upvotes: 1}
			at(st, t0)
			mustSave(t, st, []paperhound.Paper{p}, nil)

			steps := []struct {
				name      string
				change    func(*paperhound.Paper)
				rewritten bool
			}{
				{"unchanged record is not rewritten", func(*paperhound.Paper) {}, false},
				{"changed title", func(p *paperhound.Paper) { p.Title = "second" }, true},
				{"changed upvotes", func(p *paperhound.Paper) { p.Upvotes = 7 }, true},
				{"unchanged again", func(*paperhound.Paper) {}, false},
			}
			now, updated := t0, t0
			for _, s := range steps {
				now = now.Add(time.Hour)
				at(st, now)
				s.change(&p)
				mustSave(t, st, []paperhound.Paper{p}, nil)
				if s.rewritten {
					updated = now
				}
				got, err := st.Paper(ctx, "p")
				if err != nil {
					t.Fatal(err)
				}
				if !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(updated) {
					t.Errorf("%s: created %v updated %v, want %v and %v", s.name, got.CreatedAt, got.UpdatedAt, t0, updated)
				}
				if got.Title != p.Title || got.Upvotes != p.Upvotes {
					t.Errorf("%s: got %q/%d, want %q/%d", s.name, got.Title, got.Upvotes, p.Title, p.Upvotes)
				}
			}
			if n, err := st.CountPapers(ctx); err != nil || n != 1 {
				t.Errorf("CountPapers = %d, %v; want 1", n, err)
			}
		})
	}
}

// numbered is n papers with distinct ids and titles, and their ids.
func numbered(n int) (papers []paperhound.Paper, ids []string) {
	for i := range n {
		p := paperhound.Paper{ID: fmt.Sprintf("p%04d", i), Title: fmt.Sprint("title ", i)}
		papers = append(papers, p)
		ids = append(ids, p.ID)
	}
	return papers, ids
}

// Papers and vectors are written many rows to a statement: repeated ids
// and vectors, and the statements' seams, must behave as rows written one
// by one would.
func TestSavePapersManyRows(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			papers, ids := numbered(250)
			var textHashes []string
			var vectors []schema.Vector
			for i, p := range papers {
				textHashes = append(textHashes, p.TextHash())
				vectors = append(vectors, schema.Vector{Space: "s", TextHash: p.TextHash(), Data: []byte{byte(i)}})
			}
			mustSave(t, b.Store, nil, []schema.Vector{{Space: "s", TextHash: papers[5].TextHash(), Data: []byte{0xee}}})
			again := papers[7]
			again.Title = "the last copy"
			vectors = slices.Insert(vectors, 4, schema.Vector{Space: "s", TextHash: papers[3].TextHash(), Data: []byte{0xff}})
			// Second copies go in the first copies' statements.
			mustSave(t, b.Store, slices.Insert(slices.Clone(papers), 9, again), vectors)

			if n, err := b.Store.CountPapers(ctx); err != nil || n != len(papers) {
				t.Errorf("CountPapers = %d, %v; want %d", n, err, len(papers))
			}
			papers[7] = again
			hashes, err := b.Store.RecordHashes(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range papers {
				if hashes[p.ID] != p.RecordHash() {
					t.Errorf("paper %s: record hash %q, want that of %q", p.ID, hashes[p.ID], p.Title)
				}
			}
			stored, err := b.Store.Vectors(ctx, "s", textHashes)
			if err != nil {
				t.Fatal(err)
			}
			// Paper 3's second vector and paper 5's new one are not kept.
			for i, h := range textHashes {
				want := []byte{byte(i)}
				if i == 5 {
					want = []byte{0xee}
				}
				if got := stored[h]; !slices.Equal(got, want) {
					t.Errorf("vector %d = %v, want %v", i, got, want)
				}
			}
		})
	}
}

func TestRecordHashesAndMissingPapers(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			// More than one IN chunk, to cover the chunking.
			papers, ids := numbered(1203)
			for i := range papers {
				papers[i].Upvotes = i % 7
			}
			mustSave(t, b.Store, papers, nil)

			hashes, err := b.Store.RecordHashes(ctx, append(ids, "x1", "x2"))
			if err != nil {
				t.Fatal(err)
			}
			if len(hashes) != len(papers) {
				t.Errorf("len(RecordHashes) = %d, want %d", len(hashes), len(papers))
			}
			for _, p := range papers {
				if hashes[p.ID] != p.RecordHash() {
					t.Fatalf("RecordHashes[%s] = %q, want %q", p.ID, hashes[p.ID], p.RecordHash())
				}
			}

			tests := []struct {
				ids, want []string
			}{
				{nil, nil},
				{[]string{"p0001"}, nil},
				{[]string{"x", "p0001", "y", "x"}, []string{"x", "y"}},
				{append(slices.Clone(ids), "z"), []string{"z"}},
			}
			for _, tt := range tests {
				got, err := b.Store.MissingPapers(ctx, tt.ids)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("MissingPapers(%d ids) = %q, want %q", len(tt.ids), got, tt.want)
				}
			}
			if n, err := b.Store.CountPapers(ctx); err != nil || n != len(papers) {
				t.Errorf("CountPapers = %d, %v; want %d", n, err, len(papers))
			}
			if m, err := b.Store.Papers(ctx, ids); err != nil || len(m) != len(ids) {
				t.Errorf("Papers(all) = %d papers, %v; want %d", len(m), err, len(ids))
			}
			rankings, err := b.Store.Rankings(ctx, append(ids, "x1"))
			if err != nil || len(rankings) != len(papers) {
				t.Fatalf("Rankings = %d papers, %v; want %d", len(rankings), err, len(papers))
			}
			for _, p := range papers {
				if r := rankings[p.ID]; r.Title != p.Title || r.Upvotes != p.Upvotes {
					t.Fatalf("Rankings[%s] = %+v, want %q and %d upvotes", p.ID, r, p.Title, p.Upvotes)
				}
			}
		})
	}
}

func TestVectorsDedup(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			a := paperhound.Paper{ID: "a", Title: "same text"}
			twin := paperhound.Paper{ID: "twin", Title: "same text"} // same text, same vector
			h := a.TextHash()
			if twin.TextHash() != h {
				t.Fatal("identical text must hash alike")
			}
			mustSave(t, b.Store, []paperhound.Paper{a}, []schema.Vector{
				{Space: "lex/v1", TextHash: h, Data: []byte{1, 2, 3}},
				{Space: "dense/v1", TextHash: h, Data: []byte{9}},
			})
			// A second vector for a stored (space, text hash) is ignored,
			// in a later batch and within the same batch.
			mustSave(t, b.Store, []paperhound.Paper{twin}, []schema.Vector{
				{Space: "lex/v1", TextHash: h, Data: []byte{7, 7}},
				{Space: "other/v1", TextHash: h, Data: []byte{5}},
				{Space: "other/v1", TextHash: h, Data: []byte{6}},
			})

			tests := []struct {
				space  string
				hashes []string
				want   map[string][]byte
			}{
				{"lex/v1", []string{h, "nohash"}, map[string][]byte{h: {1, 2, 3}}},
				{"dense/v1", []string{h}, map[string][]byte{h: {9}}},
				{"other/v1", []string{h}, map[string][]byte{h: {5}}},
				{"absent/v1", []string{h}, map[string][]byte{}},
				{"lex/v1", nil, map[string][]byte{}},
			}
			for _, tt := range tests {
				got, err := b.Store.Vectors(ctx, tt.space, tt.hashes)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("Vectors(%s) = %v, want %v", tt.space, got, tt.want)
				}
			}
		})
	}
}

func TestScanIndex(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
			b.Store.Now = func() time.Time { return t0 }
			papers := []paperhound.Paper{
				{ID: "c", Title: "gamma", Published: date("2023-03-03"), Categories: paperhound.Strings{"cs.IR"}},
				{ID: "a", Title: "alpha", Abstract: "The first letter.", Published: date("2021-01-01"), Categories: paperhound.Strings{"cs.LG", "stat.ML"}},
				{ID: "b", Title: "beta", URL: "https://example.org/b"},
			}
			mustSave(t, b.Store, papers, nil)
			want := []schema.IndexRow{
				{ID: "a", Title: "alpha", Abstract: "The first letter.", Seq: 2, Published: date("2021-01-01"), Categories: paperhound.Strings{"cs.LG", "stat.ML"}},
				{ID: "b", Title: "beta", Seq: 2},
				{ID: "c", Title: "gamma", Seq: 2, Published: date("2023-03-03"), Categories: paperhound.Strings{"cs.IR"}},
			}
			// All three were written by one transaction, the first: seq 2.
			for _, batch := range []int{1, 2, 3, 1000} {
				var got []schema.IndexRow
				err := b.Store.ScanIndexAfter(ctx, 0, batch, func(r schema.IndexRow) error {
					got = append(got, r)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("batch %d:\n got %+v\nwant %+v", batch, got, want)
				}
			}

			// After: only papers written since come back, with the new
			// number; saving an unchanged paper writes nothing.
			changed := papers[2]
			changed.Title = "beta, revised"
			mustSave(t, b.Store, []paperhound.Paper{changed, papers[0]}, nil)
			var after []schema.IndexRow
			err := b.Store.ScanIndexAfter(ctx, 2, 1, func(r schema.IndexRow) error {
				after = append(after, r)
				return nil
			})
			if err != nil || len(after) != 1 || after[0].ID != "b" || after[0].Seq != 3 {
				t.Errorf("ScanIndexAfter(2) = %+v, %v; want b at seq 3", after, err)
			}

			// An error from fn stops the scan and comes back unchanged.
			stop := errors.New("stop")
			calls := 0
			err = b.Store.ScanIndexAfter(ctx, 0, 2, func(schema.IndexRow) error {
				calls++
				return stop
			})
			if err != stop || calls != 1 {
				t.Errorf("ScanIndex with failing fn = %v after %d calls, want stop after 1", err, calls)
			}
		})
	}
}

func TestScanIndexEmpty(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			err := b.Store.ScanIndexAfter(context.Background(), 0, 10, func(schema.IndexRow) error {
				t.Error("fn called on an empty store")
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A batch is written whole or not at all: a paper the database refuses
// (here a trigger refuses the title "refused") takes the update and the
// insert before it along.
func TestSavePapersAtomic(t *testing.T) {
	t.Parallel()
	dbs := map[string]string{"sqlite": filepath.Join(t.TempDir(), "x.db")}
	refuse := map[string][]string{
		"sqlite": {`CREATE TRIGGER refuse BEFORE INSERT ON papers WHEN NEW.title = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END`},
		"postgres": {`CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN
				IF NEW.title = 'refused' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER refuse BEFORE INSERT ON papers FOR EACH ROW EXECUTE FUNCTION refuse()`},
	}
	if dsn, ok := schematest.Postgres(t); ok {
		dbs["postgres"] = dsn
	}
	for driver, dsn := range dbs {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			st, err := schema.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			for _, q := range refuse[driver] {
				if _, err := raw.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			at(st, t0)
			old := paperhound.Paper{ID: "old", Title: "kept as is"}
			mustSave(t, st, []paperhound.Paper{old}, nil)

			changed := old
			changed.Title = "must not be saved"
			fresh := paperhound.Paper{ID: "new", Title: "must not be saved either"}
			at(st, t1)
			// The refused paper comes after rowsPerInsert others: in a
			// statement of its own, so only the transaction undoes the
			// first.
			filler, _ := numbered(120)
			batch := append(append([]paperhound.Paper{changed, fresh}, filler...), paperhound.Paper{ID: "bad", Title: "refused"})
			if err := st.SavePapers(ctx, batch); err == nil {
				t.Fatal("SavePapers with a refused paper succeeded")
			}
			got, err := st.Paper(ctx, "old")
			if err != nil {
				t.Fatal(err)
			}
			if got.Title != old.Title || !got.UpdatedAt.Equal(t0) {
				t.Errorf("old paper = %q updated %v, want %q updated %v", got.Title, got.UpdatedAt, old.Title, t0)
			}
			if n, err := st.CountPapers(ctx); err != nil || n != 1 {
				t.Errorf("%d papers stored (%v), want the old one alone", n, err)
			}
		})
	}
}

func TestSaveInvalid(t *testing.T) {
	t.Parallel()
	st := schematest.Open(t, "sqlite")
	ctx := context.Background()
	if err := st.SavePapers(ctx, []paperhound.Paper{{ID: "ok", Title: "t"}, {Title: "no id"}}); !errors.Is(err, paperhound.ErrInvalid) {
		t.Errorf("paper without id: err = %v, want ErrInvalid", err)
	}
	for name, v := range map[string]schema.Vector{
		"vector without space":     {TextHash: "h", Data: []byte{1}},
		"vector without text hash": {Space: "s", Data: []byte{1}},
	} {
		if err := st.SaveVectors(ctx, []schema.Vector{v}); !errors.Is(err, paperhound.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if n, _ := st.CountPapers(ctx); n != 0 {
		t.Errorf("CountPapers = %d after invalid batches, want 0", n)
	}
}

// PaperVectors finds a paper's vectors through its stored text hash, so
// papers sharing a text share its vectors.
func TestPaperVectors(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			a := paperhound.Paper{ID: "a", Title: "alpha"}
			twin := paperhound.Paper{ID: "twin", Title: "alpha"}
			c := paperhound.Paper{ID: "c", Title: "gamma"} // no vector in s1
			mustSave(t, b.Store, []paperhound.Paper{a, twin, c}, []schema.Vector{
				{Space: "s1", TextHash: a.TextHash(), Data: []byte("a1")},
				{Space: "s2", TextHash: a.TextHash(), Data: []byte("a2")},
				{Space: "s2", TextHash: c.TextHash(), Data: []byte("c2")},
			})
			got, err := b.Store.PaperVectors(ctx, "s1", []string{"a", "twin", "c", "nobody"})
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string][]byte{"a": []byte("a1"), "twin": []byte("a1")}; !reflect.DeepEqual(got, want) {
				t.Errorf("PaperVectors(s1) = %q, want %q", got, want)
			}
		})
	}
}
