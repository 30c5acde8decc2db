package main

import (
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/paperhound/paperhound/embed/embedtest"
)

// scrapeMetrics fetches url's /metrics and parses it as Prometheus's text
// format.
func scrapeMetrics(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("not Prometheus text format: %v", err)
	}
	return families
}

// values returns family's values by the value of label ("" for none).
func values(families map[string]*dto.MetricFamily, family, label string) map[string]float64 {
	out := map[string]float64{}
	for _, m := range families[family].GetMetric() {
		key := ""
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				key = l.GetValue()
			}
		}
		switch {
		case m.Gauge != nil:
			out[key] = m.GetGauge().GetValue()
		case m.Counter != nil:
			out[key] += m.GetCounter().GetValue()
		}
	}
	return out
}

// serve's /metrics has the store's papers and vectors, the pending
// embeddings and the calls to the embeddings endpoint, beside the
// requests it answered.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	srv := embedtest.Start(t, embedtest.Options{})
	s := startServe(t, "--db", t.TempDir()+"/m.db", "--demo", "--embed-url", srv.URL, "--embed-model", "fake-embed")
	var paper struct{ ID string }
	fetch(t, "GET", s.url+"/v1/papers/2407.18121", "", http.StatusOK, "application/json", &paper)

	const dense = "endpoint/fake-embed"
	var families map[string]*dto.MetricFamily
	// The pending embeddings are counted once the background pass has run.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		families = scrapeMetrics(t, s.url)
		if _, ok := values(families, "paperhound_embeddings_pending", "space")[dense]; ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no paperhound_embeddings_pending 20 s after start; log:\n%s", s.logs)
		}
	}
	if got := values(families, "paperhound_papers", ""); got[""] != 38 {
		t.Errorf("paperhound_papers = %v, want 38", got)
	}
	// The offline channels' vectors are not stored.
	if vectors := values(families, "paperhound_vectors", "space"); len(vectors) != 1 || vectors[dense] != 38 {
		t.Errorf("paperhound_vectors = %v, want the 38 dense vectors alone", vectors)
	}
	if got := values(families, "paperhound_embeddings_pending", "space"); got[dense] != 0 {
		t.Errorf("paperhound_embeddings_pending = %v, want 0", got)
	}
	requests := values(families, "paperhound_embed_requests_total", "space")[dense]
	failures, ok := values(families, "paperhound_embed_request_failures_total", "space")[dense]
	if requests < 2 || !ok || failures != 0 { // the probe's two answers, then the papers
		t.Errorf("embeddings endpoint: %v requests, %v failures (reported: %v), want 2 or more and 0", requests, failures, ok)
	}
	if got := values(families, "paperhound_http_requests_total", "route"); got["GET /v1/papers/{id}"] != 1 {
		t.Errorf("paperhound_http_requests_total by route = %v, want GET /v1/papers/{id} once", got)
	}
}
