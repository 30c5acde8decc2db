package api

import "net/http"

// checkJSON is one dependency in the /readyz answer.
type checkJSON struct {
	OK       bool   `json:"ok"`
	Required bool   `json:"required"`
	Detail   string `json:"detail"`
}

// ready answers whether the server can serve: 200 when every required
// dependency (the store, the index) answers, 503 when one does not. A
// remote embedder that is down is reported but leaves the status 200
// ("degraded"): queries are then answered by the lexical channels, and
// taking every replica out of a load balancer because a shared endpoint
// is down would turn a degraded service into none. While the index loads
// and once shutting down it is 503 without a check (Lifecycle). /healthz
// stays a liveness check that touches nothing.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if status, detail := s.life.notReady(); status != "" {
		// Starting, loading or shutting down: no dependency check would
		// change that.
		writeNotReady(w, status, detail)
		return
	}
	checks := s.engine.Ready(r.Context())
	status, code := "ready", http.StatusOK
	out := map[string]checkJSON{}
	for _, c := range checks {
		out[c.Name] = checkJSON{OK: c.OK, Required: c.Required, Detail: c.Detail}
		switch {
		case !c.OK && c.Required:
			status, code = "unavailable", http.StatusServiceUnavailable
		case !c.OK && code == http.StatusOK:
			status = "degraded"
		}
	}
	writeJSON(w, code, struct {
		Status string               `json:"status"`
		Checks map[string]checkJSON `json:"checks"`
	}{status, out})
}

// writeNotReady is /readyz's 503 while the server starts or drains.
func writeNotReady(w http.ResponseWriter, status, detail string) {
	writeJSON(w, http.StatusServiceUnavailable, struct {
		Status string `json:"status"`
		Detail string `json:"detail"`
	}{status, detail})
}
