// Package api serves paperhound over HTTP: the JSON API under /v1 and the
// health checks. Handlers read, validate, call the recommend engine and
// respond; errors are application/problem+json. It knows recommend and
// schema types, never a database or an index directly.
package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/paperhound/paperhound/recommend"
)

// maxBody bounds request bodies: a pasted draft abstract is a few KB.
const maxBody = 1 << 20

// Server holds what the handlers need.
type Server struct {
	engine     *recommend.Engine
	log        *slog.Logger
	adminToken string // acts for every user; "" turns admin requests off (auth.go)
}

// New returns the HTTP handler of the whole API.
func New(engine *recommend.Engine, log *slog.Logger, opts ...Option) http.Handler {
	s := &Server{engine: engine, log: log}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.health)
	mux.HandleFunc("GET /readyz", s.ready)
	mux.HandleFunc("GET /v1/papers/{id}", s.paper)
	mux.HandleFunc("GET /v1/papers/{id}/similar", s.similar)
	mux.HandleFunc("GET /v1/search", s.searchGet)
	mux.HandleFunc("POST /v1/search", s.searchPost)
	mux.HandleFunc("POST /v1/papers", s.addPapers)
	mux.HandleFunc("GET /v1/trending", s.trending)
	mux.HandleFunc("GET /v1/users/{user}/recommendations", s.recommendations)
	mux.HandleFunc("GET /v1/users/{user}/upvotes", s.listVotes(1))
	mux.HandleFunc("GET /v1/users/{user}/hidden", s.listVotes(-1))
	mux.HandleFunc("PUT /v1/users/{user}/upvotes/{paper}", s.vote(1))
	mux.HandleFunc("PUT /v1/users/{user}/hidden/{paper}", s.vote(-1))
	mux.HandleFunc("DELETE /v1/users/{user}/upvotes/{paper}", s.unvote(1))
	mux.HandleFunc("DELETE /v1/users/{user}/hidden/{paper}", s.unvote(-1))
	mux.HandleFunc("GET /v1/users/{user}/votes.jsonl", s.exportVotes)
	mux.HandleFunc("POST /v1/users/{user}/feed-key", s.feedKey)
	mux.HandleFunc("GET /v1/users/{user}/feed.atom", s.atomFeed)
	s.webRoutes(mux) // the HTML pages (web.go)
	mux.HandleFunc("/", s.notFound)
	return s.recoverer(s.logRequests(mux))
}

// logRequests logs one line per request; never the body or the query,
// which may hold a user's unpublished draft.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.log.Info("http", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", time.Since(start).Round(time.Microsecond))
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic in handler", "path", r.URL.Path, "panic", v)
				s.problem(w, r, http.StatusInternalServerError, "internal error; the server log has the details")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
