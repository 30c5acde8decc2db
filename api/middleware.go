package api

import (
	"log/slog"
	"net/http"
	"time"
)

// The middleware Handler puts around every route. Who may call a route is
// middleware too, declared per route (auth.go).

// logRequests logs one line per request; never the body or the query,
// which may hold a user's unpublished draft.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Info("http", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", time.Since(start).Round(time.Microsecond))
	})
}

// recoverer turns a panic into a 500 problem that shows nothing of it; the
// log has it.
func recoverer(log *slog.Logger, pages PageRouter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic in handler", "path", r.URL.Path, "panic", v)
				if pages != nil && WantsPage(r) {
					pages.ErrorPage(w, r, http.StatusInternalServerError, internalDetail)
					return
				}
				problem(w, r, http.StatusInternalServerError, internalDetail)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	// Here, where every answer passes, so that the problems, the error
	// pages and /readyz all tell clients when to come back.
	if code == http.StatusServiceUnavailable {
		retryLater(r.Header())
	}
	r.ResponseWriter.WriteHeader(code)
}
