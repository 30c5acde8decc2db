package schema_test

import (
	"context"
	"sync"
	"testing"

	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

// Many concurrent calls on a server that takes few connections all
// succeed: the store's pool is capped below the server's max_connections,
// and callers beyond the cap wait for a connection instead of failing
// with "too many clients already" (as they did, 26 of 100, before the cap).
func TestPoolQueuesUnderLoad(t *testing.T) {
	cases := []struct {
		name           string
		maxConnections string // the server's
		maxConns       int    // SetMaxConns; 0 keeps the default
	}{
		{"default cap", "max_connections=20", 0},
		{"cap set below the default", "max_connections=6", 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			cluster := schematest.Cluster(t, c.maxConnections)
			st, err := schema.Open(ctx, cluster.URL())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if c.maxConns > 0 {
				st.SetMaxConns(c.maxConns)
			}

			const callers = 100
			errs := make(chan error, callers)
			var wg sync.WaitGroup
			for range callers {
				wg.Go(func() {
					_, err := st.CountPapers(ctx)
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			failed := 0
			for err := range errs {
				if err != nil {
					if failed == 0 {
						t.Errorf("CountPapers: %v", err)
					}
					failed++
				}
			}
			if failed > 0 {
				t.Errorf("%d of %d concurrent calls failed, want none", failed, callers)
			}
		})
	}
}
