package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paperhound/paperhound/api"
)

// registerMetrics adds to the server's metrics (api.Metrics) what the
// backend holds: papers, vectors and pending embeddings, and the calls to
// the embeddings endpoint. The leaf packages count in plain numbers;
// they become metrics here.
func registerMetrics(m *api.Metrics, b *backend) {
	m.MustRegister(storeCollector{b})
	if e := b.endpoint; e != nil {
		space := prometheus.Labels{"space": e.Space()}
		m.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "paperhound_embed_requests_total", ConstLabels: space,
				Help: "Requests sent to the embeddings endpoint, retries and probes included.",
			}, func() float64 { return float64(e.Stats().Requests) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "paperhound_embed_request_failures_total", ConstLabels: space,
				Help: "Requests to the embeddings endpoint that brought no vectors.",
			}, func() float64 { return float64(e.Stats().Failures) }),
		)
	}
}

var (
	papersDesc = prometheus.NewDesc("paperhound_papers",
		"Papers in the store.", nil, nil)
	vectorsDesc = prometheus.NewDesc("paperhound_vectors",
		"Vectors in the store, by space (embedder); papers sharing a text share one.", []string{"space"}, nil)
	pendingDesc = prometheus.NewDesc("paperhound_embeddings_pending",
		"Papers whose vector from the embeddings endpoint is pending, as last counted.", []string{"space"}, nil)
)

// scrapeTimeout bounds the store's counts at each scrape.
const scrapeTimeout = 5 * time.Second

// storeCollector counts the papers and vectors in the store at each scrape
// (two queries), and reports the pending embeddings the engine last
// counted.
type storeCollector struct{ b *backend }

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- papersDesc
	ch <- vectorsDesc
	ch <- pendingDesc
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if n, err := c.b.store.CountPapers(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(papersDesc, err)
	} else {
		ch <- prometheus.MustNewConstMetric(papersDesc, prometheus.GaugeValue, float64(n))
	}
	if counts, err := c.b.store.CountVectors(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(vectorsDesc, err)
	} else {
		for space, n := range counts {
			ch <- prometheus.MustNewConstMetric(vectorsDesc, prometheus.GaugeValue, float64(n), space)
		}
	}
	for _, s := range c.b.engine.Embedders() {
		if s.Pending >= 0 { // -1: not counted yet
			ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(s.Pending), s.Space)
		}
	}
}
