package bench

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(n int) []time.Duration {
		s := make([]time.Duration, n)
		for i := range s {
			s[i] = time.Duration(i+1) * time.Millisecond
		}
		return s
	}
	for _, tt := range []struct {
		n, p int
		want time.Duration
	}{
		{200, 50, 100 * time.Millisecond},
		{200, 99, 198 * time.Millisecond},
		{100, 99, 99 * time.Millisecond},
		{1, 50, time.Millisecond},
		{1, 99, time.Millisecond},
		{3, 50, 2 * time.Millisecond},
	} {
		if got := percentile(ms(tt.n), tt.p); got != tt.want {
			t.Errorf("p%d of 1..%d ms = %v, want %v", tt.p, tt.n, got, tt.want)
		}
	}
}
