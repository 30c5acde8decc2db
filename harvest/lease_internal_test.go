package harvest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/harvest/harvesttest"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema/schematest"
)

// A sync renews its lease while it runs, so no one takes it after its
// first claim would have run out; and a sync whose lease was taken stops.
func TestLeaseRenewed(t *testing.T) {
	leaseTTL = 400 * time.Millisecond
	t.Cleanup(func() { leaseTTL = 2 * time.Minute })
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fake := harvesttest.NewArxiv(t, harvesttest.Records(3, "2024-07-02"), harvesttest.ArxivOptions{PageSize: 3, Hold: 1})
			engine := recommend.New(b.Store, index.NewMemory(), recommend.LexicalChannels(), nil)
			cfg := Config{Sources: []string{"arxiv"}, ArxivURL: fake.URL(), Set: "cs"}
			// Stopped, should the test fail, before the fake server closes
			// (cleanups run last first), which waits for the held request.
			runCtx, cancel := context.WithCancel(ctx)
			t.Cleanup(cancel)
			done := make(chan error, 1)
			go func() {
				_, err := Run(runCtx, cfg, b.Store, engine)
				done <- err
			}()
			<-fake.Held
			time.Sleep(3 * leaseTTL)
			l, err := b.Store.AcquireLease(ctx, leaseName, "other", "", leaseTTL)
			if !errors.Is(err, paperhound.ErrConflict) {
				t.Fatalf("3 lease periods into the sync, another took the lease: %v", err)
			}
			if _, err := b.Store.AcquireLease(ctx, leaseName, "thief", l.Holder, leaseTTL); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "lost the lease") {
					t.Errorf("sync whose lease was taken: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the sync whose lease was taken still runs")
			}
		})
	}
}
