package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/paperhound/paperhound/api/apitest"
)

// Every error kind answers with its status as a problem; an internal error
// shows nothing of itself and is logged.
func TestFailStatuses(t *testing.T) {
	for _, c := range apitest.ErrorCases() {
		t.Run(c.Name, func(t *testing.T) {
			var logs bytes.Buffer
			s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
			w := httptest.NewRecorder()
			s.fail(w, c.Request("/v1/papers/x"), c.Err)
			if w.Code != c.Status {
				t.Errorf("status %d, want %d", w.Code, c.Status)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			var p struct {
				Status int
				Detail string
			}
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != c.Status {
				t.Errorf("body %s (%v), want a problem with status %d", w.Body, err, c.Status)
			}
			if c.Status != 500 && c.Ended == nil && p.Detail != c.Err.Error() {
				t.Errorf("detail %q, want the error's %q", p.Detail, c.Err)
			}
			c.CheckHidden(t, w.Body.String(), logs.String())
		})
	}
}
