package api

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperhound/paperhound"
)

// Requests failing for an unavailable dependency are logged once when they
// start, once a minute while they go on, and counted once they stop.
func TestOutageLog(t *testing.T) {
	every := func(n int, gap time.Duration, from time.Duration) []time.Duration {
		var at []time.Duration
		for i := range n {
			at = append(at, from+time.Duration(i)*gap)
		}
		return at
	}
	tests := []struct {
		name     string
		failures []time.Duration // when each request fails, from the start
		want     []string        // level and count of each line
	}{
		{"burst", every(1000, time.Millisecond, 0), []string{"ERROR", "INFO failed=1000"}},
		{"minutes long", every(150, time.Second, 0), []string{"ERROR", "WARN failed=61", "WARN failed=121", "INFO failed=150"}},
		{"two outages", append(every(3, time.Second, 0), every(3, time.Second, time.Minute)...),
			[]string{"ERROR", "INFO failed=3", "ERROR", "INFO failed=3"}},
	}
	level, failed := regexp.MustCompile(`level=\w+`), regexp.MustCompile(` failed=\d+`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var logs bytes.Buffer
				o := newOutage(slog.New(slog.NewTextHandler(&logs, nil)), outageQuiet)
				r := httptest.NewRequest("GET", "/v1/papers/x", nil)
				err := fmt.Errorf("paper: %w", paperhound.ErrUnavailable)
				start := time.Now()
				for _, at := range tt.failures {
					time.Sleep(time.Until(start.Add(at)))
					o.fail(r, err)
				}
				time.Sleep(outageQuiet + time.Second)
				synctest.Wait()

				var got []string
				for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
					got = append(got, strings.TrimPrefix(level.FindString(l), "level=")+failed.FindString(l))
				}
				if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
					t.Errorf("log lines %q, want %q; log:\n%s", got, tt.want, logs.String())
				}
			})
		})
	}
}
