package api

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Lifecycle is where a server is in its life, for /readyz and for Gate.
// It listens before its store is open and its index loaded, so that
// liveness probes find it alive; while it opens the store (Opening) and
// while the index loads, /readyz answers 503 and Gate holds back every
// route that would answer from a partial index. From
// the shutdown signal on, /readyz answers 503 "shutting down", so that
// load balancers stop sending requests before the listener closes. The
// zero Lifecycle is serving: a server with nothing to load needs none.
type Lifecycle struct {
	mu             sync.Mutex
	phase          phase
	indexed, total int
}

type phase int

const (
	serving phase = iota
	opening
	loading
	draining
)

// Opening says the server is opening its store, which migrates it when
// this version is new.
func (l *Lifecycle) Opening() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.phase != draining {
		l.phase = opening
	}
}

// Loading says the index holds indexed of the store's total papers so far.
func (l *Lifecycle) Loading(indexed, total int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.phase != draining {
		l.phase, l.indexed, l.total = loading, indexed, total
	}
}

// Serving says the index is loaded: every route answers.
func (l *Lifecycle) Serving() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.phase != draining {
		l.phase = serving
	}
}

// Drain says the server is shutting down, and whether it was serving
// until now (a server still loading had no traffic to drain).
func (l *Lifecycle) Drain() (wasServing bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	wasServing = l.phase == serving
	l.phase = draining
	return wasServing
}

// state is a snapshot of l; a nil Lifecycle is serving.
func (l *Lifecycle) state() (p phase, indexed, total int) {
	if l == nil {
		return serving, 0, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.phase, l.indexed, l.total
}

// notReady is why /readyz answers 503, status and detail, or "" while
// serving.
func (l *Lifecycle) notReady() (status, detail string) {
	switch p, indexed, total := l.state(); p {
	case opening:
		return "starting", "opening the database (after an upgrade, migrating it)"
	case loading:
		return "loading", fmt.Sprintf("loading the index: %d of %d papers", indexed, total)
	case draining:
		return "shutting down", "finishing the requests in flight; send new ones to another server"
	}
	return "", ""
}

// WithLifecycle has /readyz report l (Gate enforces it).
func WithLifecycle(l *Lifecycle) Option {
	return func(s *Server) { s.life = l }
}

// Gate answers 503 with Retry-After on every route but the health checks
// and the static files while the store opens and the index loads: a
// partial index gives wrong answers, not slow ones. The API gets a
// problem, people a page that reloads itself.
func (l *Lifecycle) Gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, indexed, total := l.state()
		path := r.URL.Path
		if p != opening && p != loading || path == "/healthz" || path == "/readyz" || strings.HasPrefix(path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		detail := "the server is opening its database; try again in a few seconds"
		if p == loading {
			detail = fmt.Sprintf("the index is loading: %d of %d papers; try again in a few seconds", indexed, total)
		}
		retryLater(w.Header())
		if strings.HasPrefix(path, "/v1/") {
			problem(w, r, http.StatusServiceUnavailable, detail)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `<!doctype html>
<meta charset="utf-8"><meta http-equiv="refresh" content="%d">
<title>paperhound is starting</title>
<h1>paperhound is starting</h1>
<p>%s. This page reloads by itself.</p>
`, int(retryAfter/time.Second), html.EscapeString(detail))
	})
}

// Starting is the Router of a server that listens before it has opened
// its store, for Handler and Gate: /healthz answers as always and /readyz
// 503 with the Lifecycle's phase. A new version's migrations take seconds
// on a big database, and a liveness probe that found nobody listening
// meanwhile would restart the server in the middle of them.
func Starting(l *Lifecycle) Router { return starting{l} }

type starting struct{ life *Lifecycle }

func (s starting) Routes(mux Mux) {
	mux.HandleFunc("GET /healthz", health)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		status, detail := s.life.notReady()
		writeNotReady(w, status, detail)
	})
}
