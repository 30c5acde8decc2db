package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/api/apitest"
	"github.com/paperhound/paperhound/api/web"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

// While PostgreSQL is stopped, the API and the pages answer 503 with
// Retry-After, /readyz names the store, and the log says so once, not once
// per request; once it is started again, requests succeed without
// restarting anything.
func TestPostgresStoppedAndStarted(t *testing.T) {
	ctx := context.Background()
	cluster := schematest.Cluster(t)
	store, err := schema.Open(ctx, cluster.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	engine := apitest.SampleEngine(t, store)
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	srv := httptest.NewServer(api.Handler(log, api.NewMetrics(log), api.New(engine, store, log), web.New(engine, store, log)))
	defer srv.Close()

	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	paths := []string{"/v1/papers/" + s2d, "/v1/papers/" + s2d + "/similar", "/papers/" + s2d}
	for _, p := range paths {
		if res, body := get(p); res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s with the store up: %d %s", p, res.StatusCode, body)
		}
	}

	cluster.Stop()
	const rounds = 20
	for range rounds {
		for _, p := range paths {
			res, body := get(p)
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "5" {
				t.Fatalf("GET %s with the store down: %d, Retry-After %q, want 503 and 5; body %s",
					p, res.StatusCode, res.Header.Get("Retry-After"), body)
			}
			if strings.HasPrefix(p, "/v1/") {
				var prob struct {
					Status int
					Detail string
				}
				if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal([]byte(body), &prob) != nil || prob.Status != 503 || prob.Detail == "" {
					t.Errorf("GET %s: %s %s, want a 503 problem with a detail", p, ct, body)
				}
			} else if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("GET %s: Content-Type %s, want an HTML error page", p, ct)
			}
		}
	}
	res, body := get("/readyz")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"store":{"ok":false`) {
		t.Errorf("readyz with the store down: %d %s, want 503 and the store not ok", res.StatusCode, body)
	}
	var outage []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
			outage = append(outage, line)
		}
	}
	if len(outage) != 1 {
		t.Errorf("%d requests failed and the log has %d error lines, want 1:\n%s", rounds*len(paths), len(outage), strings.Join(outage, "\n"))
	}

	cluster.Start()
	for _, p := range paths {
		if res, body := get(p); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s with the store started again: %d %s", p, res.StatusCode, body)
		}
	}
	if res, body := get("/readyz"); res.StatusCode != http.StatusOK {
		t.Errorf("readyz with the store started again: %d %s", res.StatusCode, body)
	}
}
