package api

import (
	"encoding/json"
	"net/http"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client may be gone; nothing left to tell it
}

// problem answers with an RFC 9457 problem document.
func problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	problemWith(w, r, status, detail, nil)
}

// problemWith answers with a problem document that has the members of
// extra besides the standard ones.
func problemWith(w http.ResponseWriter, r *http.Request, status int, detail string, extra map[string]any) {
	doc := map[string]any{
		"type":     "about:blank",
		"title":    http.StatusText(status),
		"status":   status,
		"detail":   detail,
		"instance": r.URL.Path,
	}
	for k, v := range extra {
		doc[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(doc)
}

// fail answers with the problem err's kind maps to (ErrorStatus).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, detail := ErrorStatus(s.log, r, err)
	problem(w, r, status, detail)
}
