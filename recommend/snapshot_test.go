package recommend_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema/schematest"
)

// A server restarted from its snapshot ranks as one that loaded every
// paper from the store, having embedded nothing and read from the store
// only the papers written after the snapshot.
func TestSnapshotRestart(t *testing.T) {
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			papers := samplePapers(t)
			live := newTestEngine(b.Store)
			mustIngest(t, live.Engine, papers[:30], recommend.IngestStats{Added: 30})
			// A server saves its snapshot once it has loaded the store.
			server := newTestEngine(b.Store)
			if _, err := server.Load(ctx); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "index.snapshot")
			if err := server.SaveSnapshot(ctx, path); err != nil {
				t.Fatal(err)
			}
			// Written after the snapshot: one new paper, one changed.
			changed := papers[3]
			changed.Abstract += " It also studies speculative decoding."
			mustIngest(t, live.Engine, append(papers[30:31], changed), recommend.IngestStats{Added: 1, Updated: 1})
			want := rankings(t, live.Engine, papers[:31])

			restarted := newTestEngine(b.Store)
			held, added, err := restarted.LoadSnapshot(ctx, path)
			if err != nil || held != 30 || added != 2 {
				t.Fatalf("LoadSnapshot = %d, %d, %v; want 30, 2, nil", held, added, err)
			}
			// Only the two papers written since were read from the store,
			// and embedded.
			if w, c := restarted.embedded(); w != 2 || c != 2 {
				t.Errorf("LoadSnapshot embedded %d, %d texts; want the 2 written since", w, c)
			}
			if restarted.idx.Len() != 31 {
				t.Errorf("idx holds %d docs, want 31", restarted.idx.Len())
			}
			sameRankings(t, rankings(t, restarted.Engine, papers[:31]), want)
			if n, err := restarted.Refresh(ctx); err != nil || n != 0 {
				t.Errorf("Refresh after LoadSnapshot = %d, %v; want 0: the snapshot's change number was kept", n, err)
			}
		})
	}
}

// A snapshot that is missing, damaged, of other spaces or of another
// database is not used, and the index stays empty for a load from the
// store.
func TestSnapshotNotUsed(t *testing.T) {
	ctx := context.Background()
	st := schematest.Open(t, "sqlite")
	live := newTestEngine(st)
	papers := samplePapers(t)
	mustIngest(t, live.Engine, papers, recommend.IngestStats{Added: len(papers)})
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := live.SaveSnapshot(ctx, good); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(dir, "damaged")
	data[len(data)-10] ^= 1
	if err := os.WriteFile(damaged, data, 0o644); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk")
	if err := os.WriteFile(junk, []byte("SQLite format 3\x00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wordsOnly := recommend.New(st, index.NewMemory(), []recommend.Channel{{Embedder: embed.Words{}, Weight: 1}}, nil)
	tests := []struct {
		name   string
		engine *recommend.Engine
		path   string
	}{
		{"missing", newTestEngine(st).Engine, filepath.Join(dir, "missing")},
		{"damaged", newTestEngine(st).Engine, damaged},
		{"not a snapshot", newTestEngine(st).Engine, junk},
		{"other spaces", wordsOnly, good},
		{"another database", newTestEngine(schematest.Open(t, "sqlite")).Engine, good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := tt.engine.LoadSnapshot(ctx, tt.path)
			if !errors.Is(err, recommend.ErrNoSnapshot) {
				t.Fatalf("LoadSnapshot = %v, want ErrNoSnapshot", err)
			}
			if res, err := tt.engine.Search(ctx, "speculative decoding", recommend.Options{Limit: 5}); err != nil || len(res) != 0 {
				t.Errorf("search after a refused snapshot = %d results, %v; want none", len(res), err)
			}
		})
	}
}
