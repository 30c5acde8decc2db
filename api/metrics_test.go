package api_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/api/apitest"
	"github.com/paperhound/paperhound/schema/schematest"
)

// scrape fetches /metrics from h and parses it as Prometheus's text format.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	w := do(t, h, "GET", "/metrics", "")
	mustStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want Prometheus text format 0.0.4", ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(w.Body)
	if err != nil {
		t.Fatalf("not Prometheus text format: %v", err)
	}
	return families
}

// series returns the series of family with exactly these label values,
// or nil.
func series(families map[string]*dto.MetricFamily, family string, labels map[string]string) *dto.Metric {
	f := families[family]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		return m
	}
	return nil
}

// Requests are counted and timed by route pattern and status, never by
// path; sync runs by source and outcome; the Go runtime and the process
// are there too.
func TestMetrics(t *testing.T) {
	store := schematest.Open(t, "sqlite")
	log := slog.New(slog.DiscardHandler)
	m := api.NewMetrics(log)
	h := api.Handler(log, m, api.New(apitest.SampleEngine(t, store), store, log))

	for _, target := range []string{"/v1/papers/2407.18121", "/v1/papers/2407.15891", "/v1/papers/no-such-paper", "/no/such/route"} {
		do(t, h, "GET", target, "")
	}
	m.SyncRun("arxiv", "ok")
	m.SyncRun("arxiv", "ok")
	m.SyncRun("huggingface", "failed")
	families := scrape(t, h)

	for _, name := range []string{"paperhound_http_requests_total", "paperhound_http_request_duration_seconds",
		"paperhound_sync_runs_total", "go_goroutines", "process_resident_memory_bytes"} {
		if families[name] == nil {
			t.Errorf("no family %s", name)
		}
	}
	for _, tt := range []struct {
		route, status string
		n             uint64
	}{
		{"GET /v1/papers/{id}", "200", 2},
		{"GET /v1/papers/{id}", "404", 1},
		{"/", "404", 1}, // the not-found catch-all
	} {
		labels := map[string]string{"route": tt.route, "status": tt.status}
		c := series(families, "paperhound_http_requests_total", labels)
		if c == nil || c.GetCounter().GetValue() != float64(tt.n) {
			t.Errorf("paperhound_http_requests_total%v = %v, want %d", labels, c, tt.n)
		}
		hist := series(families, "paperhound_http_request_duration_seconds", labels)
		if hist == nil || hist.GetHistogram().GetSampleCount() != tt.n || hist.GetHistogram().GetSampleSum() <= 0 {
			t.Errorf("paperhound_http_request_duration_seconds%v = %v, want %d observations", labels, hist, tt.n)
		}
	}
	if n := len(families["paperhound_http_requests_total"].GetMetric()); n != 3 {
		t.Errorf("%d request series, want 3 (by route pattern, not path)", n)
	}
	for _, tt := range []struct {
		source, outcome string
		n               float64
	}{{"arxiv", "ok", 2}, {"huggingface", "failed", 1}} {
		labels := map[string]string{"source": tt.source, "outcome": tt.outcome}
		if c := series(families, "paperhound_sync_runs_total", labels); c == nil || c.GetCounter().GetValue() != tt.n {
			t.Errorf("paperhound_sync_runs_total%v = %v, want %v", labels, c, tt.n)
		}
	}
}

// A panic is counted as the 500 it answers.
func TestMetricsCountPanics(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	h := api.Handler(log, api.NewMetrics(log), panicky{})
	mustStatus(t, do(t, h, "GET", "/panic", ""), http.StatusInternalServerError)
	labels := map[string]string{"route": "GET /panic", "status": "500"}
	if c := series(scrape(t, h), "paperhound_http_requests_total", labels); c == nil || c.GetCounter().GetValue() != 1 {
		t.Errorf("paperhound_http_requests_total%v = %v, want 1", labels, c)
	}
}

type panicky struct{}

func (panicky) Routes(mux api.Mux) {
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
}
