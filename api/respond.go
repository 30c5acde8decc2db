package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/paperhound/paperhound"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client may be gone; nothing left to tell it
}

// problem answers with an RFC 9457 problem document.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":     "about:blank",
		"title":    http.StatusText(status),
		"status":   status,
		"detail":   detail,
		"instance": r.URL.Path,
	})
}

// fail maps an engine error to its status, once for every handler.
// Internal errors are logged and never shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, paperhound.ErrNotFound):
		s.problem(w, r, http.StatusNotFound, err.Error())
	case errors.Is(err, paperhound.ErrInvalid):
		s.problem(w, r, http.StatusBadRequest, err.Error())
	case errors.Is(err, r.Context().Err()):
		s.problem(w, r, http.StatusServiceUnavailable, "the request was cancelled or timed out")
	default:
		s.log.Error("request failed", "path", r.URL.Path, "err", err)
		s.problem(w, r, http.StatusInternalServerError, "internal error; the server log has the details")
	}
}
