package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/embed/embedtest"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema/schematest"
)

type readyJSON struct {
	Status string `json:"status"`
	Checks map[string]struct {
		OK       bool   `json:"ok"`
		Required bool   `json:"required"`
		Detail   string `json:"detail"`
	} `json:"checks"`
}

func ready(t *testing.T, h http.Handler, status int) readyJSON {
	t.Helper()
	w := do(t, h, "GET", "/readyz", "")
	if w.Code != status {
		t.Errorf("readyz: status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("readyz: Content-Type %q", ct)
	}
	if ra := w.Header().Get("Retry-After"); status == http.StatusServiceUnavailable && ra != "5" {
		t.Errorf("readyz: 503 with Retry-After %q, want 5", ra)
	}
	var out readyJSON
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("readyz body %s: %v", w.Body, err)
	}
	return out
}

// /readyz: 200 while the store and the index answer, whatever the
// embedder's state (reported, "degraded"); 503 once the store is gone.
func TestReadyz(t *testing.T) {
	ctx := context.Background()
	st := schematest.Open(t, "sqlite")
	srv := embedtest.Start(t, embedtest.Options{})
	ep, err := embed.NewEndpoint(embed.EndpointConfig{BaseURL: srv.URL, Model: "fake-embed"})
	if err != nil {
		t.Fatal(err)
	}
	channels := append(recommend.LexicalChannels(), recommend.Channel{Embedder: ep, Weight: 1, Remote: true})
	engine := recommend.New(st, index.NewMemory(), channels, nil)
	h := newHandler(engine, st, slog.New(slog.DiscardHandler))

	got := ready(t, h, http.StatusOK)
	if got.Status != "ready" || len(got.Checks) != 3 || !got.Checks["store"].OK || !got.Checks["index"].OK || !got.Checks["embedder"].OK {
		t.Errorf("readyz = %+v, want ready with store, index and embedder ok", got)
	}
	if srv.Requests() != 0 {
		t.Errorf("readyz called the embeddings endpoint")
	}

	srv.SetDown(true)
	if _, err := engine.Ingest(ctx, []paperhound.Paper{{ID: "p1", Title: "Speculative decoding"}}); err != nil {
		t.Fatal(err)
	}
	got = ready(t, h, http.StatusOK)
	if e := got.Checks["embedder"]; got.Status != "degraded" || e.OK || e.Required || e.Detail == "" {
		t.Errorf("readyz with the endpoint down = %+v, want degraded and the embedder not ok", got)
	}

	st.Close()
	got = ready(t, h, http.StatusServiceUnavailable)
	if s := got.Checks["store"]; got.Status != "unavailable" || s.OK || !s.Required {
		t.Errorf("readyz with the store closed = %+v, want unavailable", got)
	}
	// Liveness touches nothing.
	if w := do(t, h, "GET", "/healthz", ""); w.Code != http.StatusOK {
		t.Errorf("healthz with the store closed: %d", w.Code)
	}
}
