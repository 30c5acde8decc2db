package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/ingest"
)

// maxPapersBody bounds POST /v1/papers: thousands of papers with abstracts.
const maxPapersBody = 16 << 20

type rejectedJSON struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

type addedJSON struct {
	Added     int            `json:"added"`
	Updated   int            `json:"updated"`
	Unchanged int            `json:"unchanged"`
	Rejected  []rejectedJSON `json:"rejected"`
}

// addPapers answers POST /v1/papers (adminOnly): one paper object, a JSON
// array of them, or JSON Lines, in any format "paperhound ingest" reads and
// checked the same way. A bad record is listed with its line and the others
// are stored: 200 either way, with the counts.
func (s *Server) addPapers(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPapersBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			problem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes: send the papers in several requests", maxPapersBody))
			return
		}
		problem(w, r, http.StatusBadRequest, "read the body: "+err.Error())
		return
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		problem(w, r, http.StatusBadRequest, "empty body: send a paper object like {\"id\": \"2407.18121\", \"title\": \"...\"}, a JSON array of them, or JSON Lines")
		return
	}
	// The reader takes objects one a line; one object may come indented.
	if body[0] == '{' && json.Valid(body) {
		var one bytes.Buffer
		if json.Compact(&one, body) == nil {
			body = one.Bytes()
		}
	}

	out := addedJSON{Rejected: []rejectedJSON{}}
	var papers []paperhound.Paper
	var whole *ingest.Problem
	err = ingest.ReadPapers(r.Context(), bytes.NewReader(body), "body",
		func(_ int, p paperhound.Paper) error { papers = append(papers, p); return nil },
		func(p ingest.Problem) error {
			if p.Line == 0 {
				whole = &p
			}
			out.Rejected = append(out.Rejected, rejectedJSON{Line: p.Line, Reason: p.Reason})
			return nil
		})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if whole != nil && len(papers) == 0 {
		problem(w, r, http.StatusBadRequest, "the body is not papers in JSON: "+whole.Reason)
		return
	}
	// The engine commits a batch at a time, as "paperhound ingest" does.
	stats, err := s.engine.Ingest(r.Context(), papers)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out.Added, out.Updated, out.Unchanged = stats.Added, stats.Updated, stats.Unchanged
	writeJSON(w, http.StatusOK, out)
}
