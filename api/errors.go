package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/paperhound/paperhound"
)

// statuses is the one table from the domain's error kinds to HTTP statuses,
// for the JSON problems and the HTML error pages alike.
var statuses = []struct {
	kind   error
	status int
}{
	{paperhound.ErrNotFound, http.StatusNotFound},
	{paperhound.ErrInvalid, http.StatusBadRequest},
	{paperhound.ErrConflict, http.StatusConflict},
	{paperhound.ErrForbidden, http.StatusForbidden},
	{paperhound.ErrUnavailable, http.StatusServiceUnavailable},
}

// internalDetail is all a client learns of an internal error.
const internalDetail = "internal error; the server log has the details"

// ErrorStatus is how to answer a request that failed with err: the status
// of err's kind with err's text as the detail; 503 when the request was
// cancelled or timed out; otherwise 500, err written to log and never
// shown. A dependency that cannot answer is logged once per outage, not
// once per request (outage.go); every 503 carries Retry-After
// (middleware.go).
func ErrorStatus(log *slog.Logger, r *http.Request, err error) (status int, detail string) {
	if errors.Is(err, paperhound.ErrUnavailable) {
		unavailable(log, r, err)
	}
	for _, s := range statuses {
		if errors.Is(err, s.kind) {
			return s.status, err.Error()
		}
	}
	if ctxErr := r.Context().Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		return http.StatusServiceUnavailable, "the request was cancelled or timed out"
	}
	log.Error("request failed", "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError, internalDetail
}
