package bench

import (
	"maps"
	"strings"
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

func TestParseFields(t *testing.T) {
	const status = "Name:\tpaperhound\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads:\t7\n"
	const io = "rchar: 6976\nread_bytes: 40960\nwrite_bytes: 0\n"
	for _, tt := range []struct {
		name, text string
		keys       []string
		want       map[string]int64
		err        string
	}{
		{"kB", status, []string{"VmRSS", "VmHWM"}, map[string]int64{"VmRSS": 1 << 20, "VmHWM": 2 << 20}, ""},
		{"bytes", io, []string{"read_bytes"}, map[string]int64{"read_bytes": 40960}, ""},
		{"missing", io, []string{"read_bytes", "VmRSS"}, nil, "no VmRSS in /proc/1/x"},
		{"not a number", "read_bytes: lots\n", []string{"read_bytes"}, nil, "/proc/1/x: read_bytes: strconv.ParseInt"},
	} {
		got, err := parseFields(strings.NewReader(tt.text), "/proc/1/x", tt.keys)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want one with %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || !maps.Equal(got, tt.want) {
			t.Errorf("%s: %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}
