package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The embedded index is most of serve's heap and lives as long as the
// process. Go collects once the heap has grown by GOGC percent of what
// survived the last collection: at the default 100, a 1.5 GB index lets
// 1.5 GB of garbage pile up before a collection. serve lets the heap grow
// by a quarter of its live bytes, and by no more than maxGCHeadroom: its
// arrays hold no pointers, so a collection costs little (about 50 ms of
// CPU at a million papers) however large the index.
const (
	serveGCPercent = 25
	maxGCHeadroom  = 128 << 20
	gcTuneEvery    = 5 * time.Second
)

// gcPercent is the GOGC that gives a heap of live bytes its headroom.
func gcPercent(live uint64) int {
	if live == 0 {
		return serveGCPercent
	}
	return max(1, min(serveGCPercent, int(maxGCHeadroom*100/live)))
}

// tuneGC sets GOGC from the live heap now and every gcTuneEvery, as the
// index grows or shrinks, until ctx ends.
func tuneGC(ctx context.Context) {
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(gcTuneEvery)
	defer tick.Stop()
	for {
		metrics.Read(live)
		debug.SetGCPercent(gcPercent(live[0].Value.Uint64()))
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
