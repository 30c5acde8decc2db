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
			c.CheckHidden(t, w.Body.String(), logs.String())
		})
	}
}
