package main

import "testing"

func TestGCPercent(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 25},          // nothing measured yet
		{40 * mb, 25},    // 10k papers: a quarter of the heap
		{512 * mb, 25},   // exactly maxGCHeadroom at 25%
		{1024 * mb, 12},  // 128 MB of a gigabyte
		{1500 * mb, 8},   // a million papers
		{100000 * mb, 1}, // never 0, which would collect without end
	} {
		if got := gcPercent(tc.live); got != tc.want {
			t.Errorf("gcPercent(%d MB) = %d, want %d", tc.live/mb, got, tc.want)
		}
	}
}
