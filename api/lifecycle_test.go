package api_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/api/apitest"
	"github.com/paperhound/paperhound/schema/schematest"
)

// While the store opens and the index loads, only the health checks
// answer as usual: /readyz says how far the start has come, every other
// route is 503 with Retry-After. Once serving every route answers; once
// shutting down /readyz is 503 and the rest still answer.
func TestLifecycle(t *testing.T) {
	store := schematest.Open(t, "sqlite")
	log := slog.New(slog.DiscardHandler)
	life := new(api.Lifecycle)
	h := life.Gate(newHandler(apitest.SampleEngine(t, store), store, log, api.WithLifecycle(life)))

	tests := []struct {
		phase      func()
		path       string
		status     int
		retryAfter bool
		mention    string
	}{
		{func() { life.Opening() }, "/healthz", http.StatusOK, false, "ok"},
		{nil, "/readyz", http.StatusServiceUnavailable, true, `"status":"starting","detail":"opening the database (after an upgrade, migrating it)"`},
		{nil, "/v1/search?q=kv+cache", http.StatusServiceUnavailable, true, "the server is opening its database; try again in a few seconds"},
		{func() { life.Loading(2000, 5000) }, "/healthz", http.StatusOK, false, "ok"},
		// Every 503 carries Retry-After (middleware.go), /readyz's too.
		{nil, "/readyz", http.StatusServiceUnavailable, true, `"status":"loading","detail":"loading the index: 2000 of 5000 papers"`},
		{nil, "/v1/search?q=kv+cache", http.StatusServiceUnavailable, true, "the index is loading: 2000 of 5000 papers"},
		{nil, "/v1/papers/2407.18121", http.StatusServiceUnavailable, true, "2000 of 5000"},
		{nil, "/search?q=kv+cache", http.StatusServiceUnavailable, true, "2000 of 5000 papers; try again in a few seconds. This page reloads by itself"},
		{func() { life.Serving() }, "/readyz", http.StatusOK, false, `"status":"ready"`},
		{nil, "/v1/search?q=kv+cache", http.StatusOK, false, "papers"},
		{func() { life.Drain() }, "/readyz", http.StatusServiceUnavailable, true, `"status":"shutting down"`},
		{nil, "/v1/search?q=kv+cache", http.StatusOK, false, "papers"},
		{nil, "/healthz", http.StatusOK, false, "ok"},
		// Progress reported after the shutdown began does not undo it.
		{func() { life.Loading(3000, 5000) }, "/readyz", http.StatusServiceUnavailable, true, "shutting down"},
		{func() { life.Opening() }, "/readyz", http.StatusServiceUnavailable, true, "shutting down"},
	}
	for _, tt := range tests {
		if tt.phase != nil {
			tt.phase()
		}
		w := do(t, h, "GET", tt.path, "")
		if w.Code != tt.status || (w.Header().Get("Retry-After") != "") != tt.retryAfter || !strings.Contains(w.Body.String(), tt.mention) {
			t.Errorf("%s: %d, Retry-After %q, body %s; want %d, Retry-After %v, %q",
				tt.path, w.Code, w.Header().Get("Retry-After"), w.Body, tt.status, tt.retryAfter, tt.mention)
		}
	}
	starting := new(api.Lifecycle)
	starting.Loading(0, 1)
	if starting.Drain() {
		t.Error("a Lifecycle still loading says it was serving: its shutdown would wait for nothing")
	}
}
