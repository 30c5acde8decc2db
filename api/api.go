// Package api serves paperhound's JSON API under /v1 and the health checks
// (/healthz, /readyz). Handlers read, validate, call the recommend engine or
// the store and respond; errors are application/problem+json, their status
// from one table (errors.go). It also assembles the server: Handler puts
// every package's routes on one mux, behind one not-found answer and the
// request logging and panic recovery. The web pages live in api/web, which
// may use this package's helpers; api never imports it.
package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
)

// MaxBody bounds request bodies: a pasted draft abstract is a few KB.
const MaxBody = 1 << 20

// Server holds what the JSON handlers need.
type Server struct {
	engine     *recommend.Engine
	store      *schema.Store // users, tokens and feed keys
	log        *slog.Logger
	adminToken string // acts for every user; "" turns admin requests off (auth.go)

	// life says starting, loading, serving or shutting down, for /readyz;
	// nil is serving (lifecycle.go).
	life *Lifecycle
}

// New returns the JSON API over engine and store; Handler serves it.
func New(engine *recommend.Engine, store *schema.Store, log *slog.Logger, opts ...Option) *Server {
	s := &Server{engine: engine, store: store, log: log}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Routes registers every route of the JSON API, with who may call it
// (auth.go): the whole API in one table. openapi.yaml describes each;
// TestOpenAPIRoutes says what it lacks.
func (s *Server) Routes(mux Mux) {
	mux.HandleFunc("GET /healthz", health)
	mux.HandleFunc("GET /readyz", s.ready)
	mux.HandleFunc("GET /openapi.json", openAPI)
	mux.HandleFunc("GET /v1/papers/{id}", s.paper)
	mux.HandleFunc("GET /v1/papers/{id}/similar", s.similar)
	mux.HandleFunc("GET /v1/search", s.searchGet)
	mux.HandleFunc("POST /v1/search", s.searchPost)
	mux.Handle("POST /v1/papers", s.adminOnly(http.HandlerFunc(s.addPapers)))
	mux.HandleFunc("GET /v1/trending", s.trending)
	mux.Handle("GET /v1/users/{user}/recommendations", s.actingFor(http.HandlerFunc(s.recommendations)))
	mux.Handle("GET /v1/users/{user}/upvotes", s.actingFor(s.listVotes(1)))
	mux.Handle("GET /v1/users/{user}/hidden", s.actingFor(s.listVotes(-1)))
	mux.Handle("PUT /v1/users/{user}/upvotes/{paper}", s.actingFor(s.vote(1)))
	mux.Handle("PUT /v1/users/{user}/hidden/{paper}", s.actingFor(s.vote(-1)))
	mux.Handle("DELETE /v1/users/{user}/upvotes/{paper}", s.actingFor(s.unvote(1)))
	mux.Handle("DELETE /v1/users/{user}/hidden/{paper}", s.actingFor(s.unvote(-1)))
	mux.Handle("GET /v1/users/{user}/votes.jsonl", s.actingFor(http.HandlerFunc(s.exportVotes)))
	mux.Handle("POST /v1/users/{user}/reading-list", s.actingFor(http.HandlerFunc(s.importReadingList)))
	mux.Handle("POST /v1/users/{user}/feed-key", s.actingFor(http.HandlerFunc(s.feedKey)))
	mux.Handle("GET /v1/users/{user}/feed.atom", s.feedReader(http.HandlerFunc(s.atomFeed)))
	mux.Handle("GET /v1/users/{user}/collections", s.actingFor(http.HandlerFunc(s.listCollections)))
	mux.Handle("POST /v1/users/{user}/collections", s.actingFor(http.HandlerFunc(s.createCollection)))
	mux.Handle("GET /v1/users/{user}/collections/{id}", s.actingFor(http.HandlerFunc(s.collection)))
	mux.Handle("PATCH /v1/users/{user}/collections/{id}", s.actingFor(http.HandlerFunc(s.renameCollection)))
	mux.Handle("DELETE /v1/users/{user}/collections/{id}", s.actingFor(http.HandlerFunc(s.deleteCollection)))
	mux.Handle("PUT /v1/users/{user}/collections/{id}/papers/{paper}", s.actingFor(http.HandlerFunc(s.fileInCollection)))
	mux.Handle("DELETE /v1/users/{user}/collections/{id}/papers/{paper}", s.actingFor(http.HandlerFunc(s.unfileFromCollection)))
	mux.Handle("GET /v1/users/{user}/collections/{id}/recommendations", s.actingFor(http.HandlerFunc(s.collectionRecommendations)))
	mux.Handle("GET /v1/users/{user}/collections/{id}/feed.atom", s.feedReader(http.HandlerFunc(s.collectionAtom)))
}

// Router is a set of routes to serve: the JSON API (*Server), the metrics
// (*Metrics), the web pages (web.Site).
type Router interface {
	Routes(mux Mux)
}

// A PageRouter is a Router with pages for people (web.Site): it shows a
// browser (WantsPage) the error page of a path no route serves, or of a
// panic.
type PageRouter interface {
	Router
	ErrorPage(w http.ResponseWriter, r *http.Request, status int, detail string)
}

// Mux is where a Router registers its routes: an *http.ServeMux, or in
// tests a recorder of the route table.
type Mux interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// Handler serves /metrics and the routes of every router on one mux. Any
// other path is a 404 problem, or a PageRouter's 404 page for a browser;
// every request is logged, counted in metrics by route and status, and a
// panic is a 500, a problem or a page alike (middleware.go); unavailable
// dependencies are logged once per outage (outage.go).
func Handler(log *slog.Logger, metrics *Metrics, routers ...Router) http.Handler {
	mux := http.NewServeMux()
	metrics.Routes(mux)
	var pages PageRouter
	for _, r := range routers {
		r.Routes(mux)
		if p, ok := r.(PageRouter); ok {
			pages = p
		}
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if pages != nil && WantsPage(r) {
			pages.ErrorPage(w, r, http.StatusNotFound, fmt.Sprintf("There is no page at %s.", r.URL.Path))
			return
		}
		NotFound(w, r)
	})
	return metrics.instrument(mux, recoverer(log, pages, logRequests(log, newOutage(log, outageQuiet).watch(mux))))
}

// WantsPage tells a browser from an API client: a request outside /v1/
// whose Accept header names text/html. API clients keep problem+json.
func WantsPage(r *http.Request) bool {
	return !strings.HasPrefix(r.URL.Path, "/v1/") && strings.Contains(r.Header.Get("Accept"), "text/html")
}

// NotFound is the 404 problem of a path no route serves.
func NotFound(w http.ResponseWriter, r *http.Request) {
	problem(w, r, http.StatusNotFound, fmt.Sprintf("no such endpoint: %s %s", r.Method, r.URL.Path))
}
