package schema_test

import (
	"context"
	"testing"
	"time"

	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

func TestFeedTuning(t *testing.T) {
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			if got, ok, err := b.Store.FeedTuning(ctx); err != nil || ok {
				t.Fatalf("never tuned: got %+v, %v, %v; want none", got, ok, err)
			}
			now := t0
			b.Store.Now = func() time.Time { return now }
			for _, want := range []schema.FeedTuning{
				{HalfLife: 90 * 24 * time.Hour, Users: 1000},
				{Upvotes: 2.5, Users: 60},
				{Users: 3},
			} {
				now = now.Add(time.Hour)
				if err := b.Store.SaveFeedTuning(ctx, want); err != nil {
					t.Fatal(err)
				}
				want.At = now
				if got, ok, err := b.Store.FeedTuning(ctx); err != nil || !ok || got != want {
					t.Fatalf("got %+v, %v, %v; want %+v", got, ok, err, want)
				}
			}
		})
	}
}
