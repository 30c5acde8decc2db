package api

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecoverer(t *testing.T) {
	const secret = "password=hunter2 at db.internal:5432"
	var logs bytes.Buffer
	h := recoverer(slog.New(slog.NewTextHandler(&logs, nil)), nil, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(secret) }))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/v1/papers/x", nil))
	if w.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	if strings.Contains(w.Body.String(), "hunter2") {
		t.Errorf("the body leaks the panic: %s", w.Body)
	}
	if !strings.Contains(w.Body.String(), `"status":500`) || !strings.Contains(w.Body.String(), `"instance":"/v1/papers/x"`) {
		t.Errorf("body %s, want a problem for /v1/papers/x", w.Body)
	}
	if !strings.Contains(logs.String(), "hunter2") || !strings.Contains(logs.String(), "/v1/papers/x") {
		t.Errorf("the log lacks the panic and its path: %s", logs.String())
	}
}

// http.ErrAbortHandler is how a handler asks net/http to drop the
// connection: it must go through.
func TestRecovererAbort(t *testing.T) {
	h := recoverer(slog.New(slog.DiscardHandler), nil, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	t.Error("ErrAbortHandler was swallowed")
}

// pageStub is a PageRouter whose error page says its status and detail.
type pageStub struct{}

func (pageStub) Routes(Mux) {}
func (pageStub) ErrorPage(w http.ResponseWriter, _ *http.Request, status int, detail string) {
	w.WriteHeader(status)
	fmt.Fprintf(w, "page %d: %s", status, detail)
}

// A browser sees a panic as the error page, outside /v1/; an API client,
// or anyone under /v1/, as the problem.
func TestRecovererPage(t *testing.T) {
	h := recoverer(slog.New(slog.DiscardHandler), pageStub{}, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	for _, c := range []struct {
		target, accept, want string
	}{
		{"/papers/x", "text/html", "page 500: " + internalDetail},
		{"/papers/x", "application/json", `"status":500`},
		{"/v1/papers/x", "text/html", `"status":500`},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", c.target, nil)
		r.Header.Set("Accept", c.accept)
		h.ServeHTTP(w, r)
		if w.Code != 500 || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("GET %s (Accept %s) = %d %s, want %s", c.target, c.accept, w.Code, w.Body, c.want)
		}
	}
}
