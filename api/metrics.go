package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is what GET /metrics reports in Prometheus's text format: the
// requests served, by route and status; sync runs; the Go runtime and the
// process; and what the command registers (the store's counts, the
// embeddings endpoint's calls), which the leaf packages keep as plain
// numbers.
type Metrics struct {
	log      *slog.Logger // hears of collectors that fail
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	syncRuns *prometheus.CounterVec
}

// NewMetrics returns the server's metrics, on a registry of their own;
// collectors that fail at a scrape are logged to log.
func NewMetrics(log *slog.Logger) *Metrics {
	// Labelled by the route's pattern ("GET /v1/papers/{id}"), never the
	// path or the method, which clients choose: the series stay few.
	labels := []string{"route", "status"}
	m := &Metrics{
		log: log,
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperhound_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status.",
		}, labels),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paperhound_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, labels),
		syncRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperhound_sync_runs_total",
			Help: "Runs of the sync of papers from a source, by source and outcome.",
		}, []string{"source", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.syncRuns,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// MustRegister adds collectors; it panics on a name registered twice, a
// programming error.
func (m *Metrics) MustRegister(cs ...prometheus.Collector) {
	m.reg.MustRegister(cs...)
}

// SyncRun counts a run of the sync from source that ended in outcome:
// "ok", "failed", or "skipped" while another sync held the lease.
func (m *Metrics) SyncRun(source, outcome string) {
	m.syncRuns.WithLabelValues(source, outcome).Inc()
}

// Routes serves the metrics. They hold no user's data, only counts by
// route pattern, so they need no token, as Prometheus expects (README,
// Monitoring).
func (m *Metrics) Routes(mux Mux) {
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// A collector that fails (the store is down) leaves the others.
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	}))
}

// unmatched is the route of requests the mux answers itself (a bad Host
// or method, a path to clean).
const unmatched = "unmatched"

// instrument counts each request next answers under the pattern of the
// route mux chose for it, and times it.
func (m *Metrics) instrument(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		_, route := mux.Handler(r)
		if route == "" {
			route = unmatched
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		status := strconv.Itoa(rec.status)
		m.requests.WithLabelValues(route, status).Inc()
		m.latency.WithLabelValues(route, status).Observe(time.Since(start).Seconds())
	})
}
