// Package apitest holds what the tests of api and api/web share: an engine
// over the sample papers, and the error cases of the one error table.
package apitest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/ingest"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
)

// OldStyle is an arXiv id from before 2007, with a slash in it.
var OldStyle = paperhound.Paper{
	ID:        "hep-th/9901001",
	Title:     "Dualities of string theories with a slash in the identifier",
	Abstract:  "We study string dualities in ten dimensions and their compactifications.",
	Authors:   paperhound.Strings{"A. Physicist"},
	Published: paperhound.Date{},
}

// SampleEngine is an engine over store with the 38 sample papers and
// OldStyle ingested, as the server fills it.
func SampleEngine(t testing.TB, store *schema.Store) *recommend.Engine {
	t.Helper()
	ctx := context.Background()
	engine := recommend.New(store, index.NewMemory(), recommend.LexicalChannels(), nil)
	papers, err := ingest.SamplePapers()
	if err != nil {
		t.Fatal(err)
	}
	if len(papers) != 38 {
		t.Fatalf("read %d sample papers, want 38", len(papers))
	}
	papers = append(papers, OldStyle)
	stats, err := engine.Ingest(ctx, papers)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Added != 39 {
		t.Fatalf("ingest: %+v, want 39 added", stats)
	}
	return engine
}

// Secret is in the internal error of ErrorCases: it must reach the log and
// never a response.
const Secret = "password=hunter2 at db.internal:5432"

// ErrorCase is an error a handler may fail with and the status it must
// answer with, for the JSON problems and the HTML pages alike.
type ErrorCase struct {
	Name   string
	Err    error
	Ended  error // what the request's context ended with first, or nil
	Status int
}

// ErrorCases are one error of every kind, the wrapped ones included.
func ErrorCases() []ErrorCase {
	return []ErrorCase{
		{"not found", fmt.Errorf("paper %q: %w", "x", paperhound.ErrNotFound), nil, 404},
		{"invalid", fmt.Errorf("vote 2: %w", paperhound.ErrInvalid), nil, 400},
		{"conflict", fmt.Errorf("user: %w", paperhound.ErrConflict), nil, 409},
		{"forbidden", fmt.Errorf("paper: %w", paperhound.ErrForbidden), nil, 403},
		{"unavailable", fmt.Errorf("store: %w", paperhound.ErrUnavailable), nil, 503},
		{"embedder unavailable", fmt.Errorf("embed query: %w: 502 Bad Gateway", embed.ErrUnavailable), nil, 503},
		{"dimensions differ", fmt.Errorf("ingest: %w", recommend.DimsError{Space: "fake-embed", Stored: 64, Got: 32}), nil, 409},
		{"cancelled", fmt.Errorf("search: %w", context.Canceled), context.Canceled, 503},
		{"timed out", fmt.Errorf("search: %w", context.DeadlineExceeded), context.DeadlineExceeded, 503},
		{"internal", errors.New(Secret), nil, 500},
		{"internal, cancelled meanwhile", errors.New(Secret), context.Canceled, 500},
	}
}

// CheckHidden checks that an internal error's response body shows nothing
// of it but a pointer to the server log, and that the log has it.
func (c ErrorCase) CheckHidden(t *testing.T, body, log string) {
	t.Helper()
	if c.Status != http.StatusInternalServerError {
		return
	}
	if strings.Contains(body, "hunter2") || !strings.Contains(body, "server log") {
		t.Errorf("body %s, want only a pointer to the server log", body)
	}
	if !strings.Contains(log, "hunter2") {
		t.Errorf("the log lacks the error: %s", log)
	}
}

// Request is a GET of target whose context has ended as c.Ended says.
func (c ErrorCase) Request(target string) *http.Request {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	switch c.Ended {
	case context.Canceled:
		ctx, cancel = context.WithCancel(ctx)
	case context.DeadlineExceeded:
		// Past its deadline already: cancelling it after leaves its error.
		ctx, cancel = context.WithDeadline(ctx, time.Unix(0, 0))
	}
	cancel()
	return httptest.NewRequestWithContext(ctx, "GET", target, nil)
}
