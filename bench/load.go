package bench

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Latency is the spread of one kind of request's times.
type Latency struct {
	P50, P99 time.Duration
	Requests int
}

// Latencies calls do n times, one after the other, request i with i, or
// fewer when budget has passed first (at least once): a slow server at a
// million papers must not hold a run for hours. Requests says how many
// were made.
func Latencies(ctx context.Context, n int, budget time.Duration, do func(ctx context.Context, i int) error) (Latency, error) {
	var took []time.Duration
	for begin := time.Now(); len(took) < n && (len(took) == 0 || time.Since(begin) < budget); {
		start := time.Now()
		if err := do(ctx, len(took)); err != nil {
			return Latency{}, err
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	return Latency{P50: percentile(took, 50), P99: percentile(took, 99), Requests: len(took)}, nil
}

// percentile is the nearest-rank percentile p of sorted: of 200 requests,
// p99 is the 198th, p50 the 100th.
func percentile(sorted []time.Duration, p int) time.Duration {
	return sorted[max(0, (len(sorted)*p+99)/100-1)]
}

// Throughput is how many requests per second clients callers of do
// complete together, each calling it again as soon as it returns, for d.
// Each call gets its own i.
func Throughput(ctx context.Context, clients int, d time.Duration, do func(ctx context.Context, i int) error) (float64, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if err := do(ctx, int(next.Add(1)-1)); err != nil {
					cancel(err)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	// The first call's error, or why the caller's ctx ended.
	if err := context.Cause(ctx); err != nil {
		return 0, err
	}
	return float64(done.Load()) / time.Since(start).Seconds(), nil
}
