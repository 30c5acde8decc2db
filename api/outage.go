package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// retryAfter is when a 503 tells the client to try again (middleware.go):
// a database restart or a failover takes seconds.
const retryAfter = 5 * time.Second

// outageQuiet is how long no request may fail for an unavailable
// dependency before the outage counts as over and its summary is logged.
const outageQuiet = 10 * time.Second

// outage logs the requests that fail because a dependency (the store,
// Qdrant, the embeddings endpoint) cannot answer: once when they start
// failing, how many have failed once a minute while it lasts, and how many
// in all once none has failed for a while. One line per request turned a
// 10 s database restart into ten thousand ERROR lines.
type outage struct {
	log   *slog.Logger
	quiet time.Duration

	mu       sync.Mutex
	start    time.Time // of the first failure; zero while none fails
	last     time.Time // of the latest failure
	lastLine time.Time // when the log last said how many failed
	failed   int       // since start
	over     *time.Timer
}

func newOutage(log *slog.Logger, quiet time.Duration) *outage {
	return &outage{log: log, quiet: quiet}
}

type outageKey struct{}

// watch gives the requests to next this outage log, for ErrorStatus.
func (o *outage) watch(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), outageKey{}, o)))
	})
}

// unavailable logs that r failed because a dependency cannot answer: on
// the outage log of r's Handler, or on its own when r came some other way.
func unavailable(log *slog.Logger, r *http.Request, err error) {
	if o, ok := r.Context().Value(outageKey{}).(*outage); ok {
		o.fail(r, err)
		return
	}
	log.Warn("a dependency is unavailable", "path", r.URL.Path, "err", err)
}

func (o *outage) fail(r *http.Request, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	o.last = now
	o.failed++
	switch {
	case o.start.IsZero():
		o.start, o.lastLine = now, now
		o.log.Error("a dependency is unavailable: requests fail with 503 until it answers again; how many is logged when they stop failing",
			"path", r.URL.Path, "err", err)
		o.over = time.AfterFunc(o.quiet, o.end)
	case now.Sub(o.lastLine) >= time.Minute:
		o.lastLine = now
		o.log.Warn("a dependency is still unavailable", "failed", o.failed,
			"since", o.start.UTC().Format(time.RFC3339), "err", err)
	}
}

// end logs the summary once no request has failed for o.quiet, or waits
// for that.
func (o *outage) end() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if wait := o.quiet - time.Since(o.last); wait > 0 {
		o.over.Reset(wait)
		return
	}
	o.log.Info("requests failed while a dependency was unavailable; none has for "+o.quiet.String(),
		"failed", o.failed, "from", o.start.UTC().Format(time.RFC3339), "to", o.last.UTC().Format(time.RFC3339))
	o.start, o.failed = time.Time{}, 0
}

// retryLater sets Retry-After on a 503 that has none.
func retryLater(h http.Header) {
	if h.Get("Retry-After") == "" {
		h.Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
	}
}
