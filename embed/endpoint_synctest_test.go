package embed

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Timing tests run in a synctest bubble: time is fake and jumps ahead
// whenever every goroutine waits, so a 7 s Retry-After takes no real time.
// Real sockets do not work in a bubble, so requests go to the handler in
// memory (handlerTransport), still through go-openai and net/http's client.

// handlerTransport serves requests with h, in memory.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	done := make(chan *http.Response, 1)
	go func() {
		defer r.Body.Close()
		rec := httptest.NewRecorder()
		t.h.ServeHTTP(rec, r)
		done <- rec.Result()
	}()
	select {
	case resp := <-done:
		return resp, nil
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
}

// clockedServer is a fakeServer that notes when each request came, on the
// bubble's clock.
type clockedServer struct {
	fakeServer
	times []time.Time
}

func (c *clockedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.times = append(c.times, time.Now())
	c.mu.Unlock()
	c.fakeServer.ServeHTTP(w, r)
}

// gaps are the times between consecutive requests.
func (c *clockedServer) gaps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var d []time.Duration
	for i := 1; i < len(c.times); i++ {
		d = append(d, c.times[i].Sub(c.times[i-1]))
	}
	return d
}

// inMemory returns an Endpoint (default backoff) for a clockedServer playing
// steps. Call it inside the bubble.
func inMemory(t *testing.T, cfg EndpointConfig, steps ...fakeStep) (*Endpoint, *clockedServer) {
	t.Helper()
	c := &clockedServer{fakeServer: fakeServer{t: t, steps: steps}}
	cfg.BaseURL, cfg.Model, cfg.transport = "http://fake/v1", "m", handlerTransport{c}
	e, err := NewEndpoint(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, c
}

func TestEndpointHonoursRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name       string
		code       int
		retryAfter func(now time.Time) string
		want       time.Duration
	}{
		{"429 seconds", 429, func(time.Time) string { return "7" }, 7 * time.Second},
		{"503 seconds", 503, func(time.Time) string { return "12" }, 12 * time.Second},
		{"429 HTTP date", 429, func(now time.Time) string { return now.Add(30 * time.Second).UTC().Format(http.TimeFormat) }, 30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				limited := func(w http.ResponseWriter, r *http.Request, req wireRequest) {
					answerError(tc.code, errorBody("slow down"), "Retry-After", tc.retryAfter(time.Now()))(w, r, req)
				}
				e, c := inMemory(t, EndpointConfig{}, limited, answerOK)
				if _, err := e.Embed(context.Background(), []string{"a paper"}); err != nil {
					t.Fatal(err)
				}
				gaps := c.gaps()
				t.Logf("%d requests, second after %v", c.count(), gaps)
				// The jittered backoff (at most 0.5 s after one failure) is
				// below what the server asked for, so the wait is exactly that.
				if len(gaps) != 1 || gaps[0] != tc.want {
					t.Errorf("gaps %v, want [%v]", gaps, tc.want)
				}
			})
		})
	}
}

// TestEndpointBackoff: without Retry-After the waits are jittered under a
// doubling ceiling (0.5 s, 1 s, 2 s, ...).
func TestEndpointBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, c := inMemory(t, EndpointConfig{}, answerError(503, errorBody("overloaded")))
		start := time.Now()
		_, err := e.Embed(context.Background(), []string{"a paper"})
		if err == nil || !strings.Contains(err.Error(), "after 7 attempts") {
			t.Fatalf("error %v, want unavailable after 7 attempts", err)
		}
		gaps := c.gaps()
		t.Logf("7 attempts over %v, gaps %v", time.Since(start), gaps)
		if len(gaps) != 6 {
			t.Fatalf("%d gaps, want 6", len(gaps))
		}
		for i, g := range gaps {
			if ceiling := 500 * time.Millisecond << i; g < 0 || g > ceiling {
				t.Errorf("wait %d was %v, want within [0, %v]", i+1, g, ceiling)
			}
		}
	})
}

// TestEndpointGivesUpOnLongRetryAfter: an hour's Retry-After is a server
// that is down, not one to wait for.
func TestEndpointGivesUpOnLongRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, c := inMemory(t, EndpointConfig{}, answerError(429, errorBody("quota exceeded"), "Retry-After", "3600"))
		_, err := e.Embed(context.Background(), []string{"a paper"})
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "it asks to retry after 1h0m0s") || c.count() != 1 {
			t.Errorf("after %d requests: %v", c.count(), err)
		}
	})
}

// TestEndpointCancelWhileWaiting: the caller's deadline cuts a long wait
// short, and the error says what was waited for.
func TestEndpointCancelWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _ := inMemory(t, EndpointConfig{}, answerError(429, errorBody("slow down"), "Retry-After", "60"))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		_, err := e.Embed(ctx, []string{"a paper"})
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "rate limited (429 Too Many Requests): slow down") {
			t.Errorf("error %v, want the deadline and the last cause", err)
		}
		if waited := time.Since(start); waited != 10*time.Second {
			t.Errorf("returned after %v, want 10s", waited)
		}
	})
}

func TestEndpointTimeoutDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, c := inMemory(t, EndpointConfig{}, answerNothing, answerOK)
		if _, err := e.Embed(context.Background(), []string{"a paper"}); err != nil {
			t.Fatal(err)
		}
		// The second attempt follows the 60 s timeout and a backoff of at most 0.5 s.
		if g := c.gaps(); len(g) != 1 || g[0] < 60*time.Second || g[0] > 60500*time.Millisecond {
			t.Errorf("gaps %v, want one of 60 s to 60.5 s", g)
		}
	})
}

func TestEndpointRateLimits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   EndpointConfig
		texts []string
		want  time.Duration // from the first request to the last
	}{
		// 2 per second, one at once: 6 requests span 2.5 s.
		{"requests per second", EndpointConfig{RequestsPerSecond: 2},
			slices.Repeat([]string{"a paper"}, 6), 2500 * time.Millisecond},
		// 30 estimated tokens a text, 60 a minute: two go at once, then one
		// every 30 s.
		{"tokens per minute", EndpointConfig{TokensPerMinute: 60},
			slices.Repeat([]string{strings.Repeat("x", 90)}, 4), 60 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tc.cfg.BatchSize = 1
				e, c := inMemory(t, tc.cfg, answerOK)
				if _, err := e.Embed(context.Background(), tc.texts); err != nil {
					t.Fatal(err)
				}
				var span time.Duration
				for _, g := range c.gaps() {
					span += g
				}
				t.Logf("%d requests over %v, gaps %v", c.count(), span, c.gaps())
				if span != tc.want {
					t.Errorf("requests spanned %v, want %v", span, tc.want)
				}
			})
		})
	}
}

// TestEndpointConcurrencyFakeClock: with 100 ms answers, 12 single-text
// batches at 4 in flight take exactly 3 rounds.
func TestEndpointConcurrencyFakeClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := func(w http.ResponseWriter, r *http.Request, req wireRequest) {
			time.Sleep(100 * time.Millisecond)
			answerOK(w, r, req)
		}
		e, c := inMemory(t, EndpointConfig{BatchSize: 1, Concurrency: 4}, slow)
		start := time.Now()
		if _, err := e.Embed(context.Background(), slices.Repeat([]string{"a paper"}, 12)); err != nil {
			t.Fatal(err)
		}
		if took, most := time.Since(start), c.mostInFlight(); took != 300*time.Millisecond || most != 4 {
			t.Errorf("took %v with %d in flight, want 300ms with 4", took, most)
		}
	})
}

// TestEndpointProbeStall: a probe that gets no answer gives up after
// probeTimeout, not the 60 s a request may take, and says the endpoint is
// unavailable: serve then starts degraded instead of hanging.
func TestEndpointProbeStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _ := inMemory(t, EndpointConfig{}, answerNothing)
		start := time.Now()
		err := e.Probe(context.Background())
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no answer within 10s") {
			t.Errorf("Probe = %v, want unavailable, no answer within 10s", err)
		}
		if waited := time.Since(start); waited != probeTimeout {
			t.Errorf("Probe returned after %v, want %v", waited, probeTimeout)
		}
	})
}
