package web

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paperhound/paperhound/api/apitest"
)

// Every error kind answers with the error page of its status, from the
// table the JSON API uses; an internal error shows nothing of itself and
// is logged.
func TestFailPageStatuses(t *testing.T) {
	for _, c := range apitest.ErrorCases() {
		t.Run(c.Name, func(t *testing.T) {
			var logs bytes.Buffer
			s := New(nil, nil, slog.New(slog.NewTextHandler(&logs, nil)))
			w := httptest.NewRecorder()
			s.failPage(w, c.Request("/papers/x"), session{}, c.Err)
			if w.Code != c.Status {
				t.Errorf("status %d, want %d", w.Code, c.Status)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(w.Body.String(), "<html") {
				t.Errorf("Content-Type %q, want an HTML page", ct)
			}
			if c.Status == 500 {
				if strings.Contains(w.Body.String(), "hunter2") || !strings.Contains(w.Body.String(), "server log") {
					t.Errorf("page %s, want only a pointer to the server log", w.Body)
				}
				if !strings.Contains(logs.String(), "hunter2") {
					t.Errorf("the log lacks the error: %s", logs.String())
				}
			}
		})
	}
}
