package schema_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

func TestSyncState(t *testing.T) {
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st, err := b.Store.SyncState(ctx, "arxiv:cs")
			if err != nil || st != (schema.SyncState{Source: "arxiv:cs"}) {
				t.Fatalf("never synced: got %+v, %v; want the zero state", st, err)
			}
			for _, want := range []schema.SyncState{
				{Source: "arxiv:cs", Token: "tok|1000", Newest: "2024-07-02"},
				{Source: "arxiv:cs", DoneThrough: "2024-07-02"},
			} {
				if err := b.Store.SaveSyncState(ctx, want); err != nil {
					t.Fatal(err)
				}
				if got, err := b.Store.SyncState(ctx, "arxiv:cs"); err != nil || got != want {
					t.Fatalf("got %+v, %v; want %+v", got, err, want)
				}
			}
			if got, _ := b.Store.SyncState(ctx, "hf"); got != (schema.SyncState{Source: "hf"}) {
				t.Errorf("another source's state: %+v", got)
			}
			if err := b.Store.SaveSyncState(ctx, schema.SyncState{}); !errors.Is(err, paperhound.ErrInvalid) {
				t.Errorf("no source: %v, want ErrInvalid", err)
			}
		})
	}
}

func TestLease(t *testing.T) {
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			now := t0
			b.Store.Now = func() time.Time { return now }
			const ttl = time.Minute
			if _, err := b.Store.AcquireLease(ctx, "sync", "a", "", ttl); err != nil {
				t.Fatal(err)
			}
			l, err := b.Store.AcquireLease(ctx, "sync", "b", "", ttl)
			if !errors.Is(err, paperhound.ErrConflict) || l.Holder != "a" || !l.Expires.Equal(t0.Add(ttl)) {
				t.Fatalf("b while a holds it: %+v, %v; want a's lease and ErrConflict", l, err)
			}
			if _, err := b.Store.AcquireLease(ctx, "sync", "a", "", ttl); err != nil {
				t.Errorf("a again: %v", err)
			}
			if err := b.Store.RenewLease(ctx, "sync", "b", ttl); !errors.Is(err, paperhound.ErrConflict) {
				t.Errorf("b renews a's lease: %v, want ErrConflict", err)
			}
			now = t0.Add(50 * time.Second)
			if err := b.Store.RenewLease(ctx, "sync", "a", ttl); err != nil {
				t.Fatal(err)
			}
			now = t0.Add(100 * time.Second) // within the renewed claim
			if _, err := b.Store.AcquireLease(ctx, "sync", "b", "", ttl); !errors.Is(err, paperhound.ErrConflict) {
				t.Errorf("b within a's renewed claim: %v, want ErrConflict", err)
			}
			if _, err := b.Store.AcquireLease(ctx, "sync", "b", "a", ttl); err != nil {
				t.Errorf("b replacing a: %v", err)
			}
			if err := b.Store.ReleaseLease(ctx, "sync", "a"); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Store.AcquireLease(ctx, "sync", "c", "", ttl); !errors.Is(err, paperhound.ErrConflict) {
				t.Errorf("a's release freed b's lease: %v", err)
			}
			now = now.Add(ttl) // b's claim runs out
			if _, err := b.Store.AcquireLease(ctx, "sync", "c", "", ttl); err != nil {
				t.Errorf("c once b's claim ran out: %v", err)
			}
			if err := b.Store.ReleaseLease(ctx, "sync", "c"); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Store.AcquireLease(ctx, "sync", "d", "", ttl); err != nil {
				t.Errorf("d once c released it: %v", err)
			}
		})
	}
}

// Of many claims at once, exactly one wins.
func TestLeaseConcurrent(t *testing.T) {
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			won, lost := 0, 0
			for i := range 8 {
				wg.Go(func() {
					_, err := b.Store.AcquireLease(ctx, "sync", string(rune('a'+i)), "", time.Minute)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						won++
					case errors.Is(err, paperhound.ErrConflict):
						lost++
					default:
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if won != 1 || lost != 7 {
				t.Errorf("won %d, lost %d; want 1 and 7", won, lost)
			}
		})
	}
}
