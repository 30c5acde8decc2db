package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/ingest"
)

// maxPapersBody bounds POST /v1/papers: thousands of papers with abstracts.
const maxPapersBody = 16 << 20

// lineJSON is one rejected record, or one warning about a record stored
// less a field.
type lineJSON struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

type addedJSON struct {
	Added     int        `json:"added"`
	Updated   int        `json:"updated"`
	Unchanged int        `json:"unchanged"`
	Rejected  []lineJSON `json:"rejected"`
	Warnings  []lineJSON `json:"warnings"`
}

// addPapers answers POST /v1/papers (adminOnly): one paper object, a JSON
// array of them, or JSON Lines, in any format "paperhound ingest" reads and
// checked the same way, gzip-compressed or not. A bad record is listed with
// its line and the others are stored: 200 either way, with the counts.
func (s *Server) addPapers(w http.ResponseWriter, r *http.Request) {
	body, ok := papersBody(w, r)
	if !ok {
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

	out := addedJSON{Rejected: []lineJSON{}, Warnings: []lineJSON{}}
	var papers []paperhound.Paper
	var whole *ingest.Problem
	err := ingest.ReadPapers(r.Context(), bytes.NewReader(body), "body",
		func(_ int, p paperhound.Paper) error { papers = append(papers, p); return nil },
		func(p ingest.Problem) error {
			if p.Warning {
				out.Warnings = append(out.Warnings, lineJSON{Line: p.Line, Reason: p.Reason})
				return nil
			}
			if p.Line == 0 {
				whole = &p
			}
			out.Rejected = append(out.Rejected, lineJSON{Line: p.Line, Reason: p.Reason})
			return nil
		})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if whole != nil && len(papers) == 0 {
		problem(w, r, http.StatusBadRequest, "the body holds no papers: "+whole.Reason)
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

// papersBody reads the body of POST /v1/papers, gunzipped when it is gzip
// (said by Content-Encoding, or known by its magic bytes), within
// maxPapersBody either way; on failure it answers and returns false.
func papersBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	encoding := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	if encoding != "" && encoding != "identity" && encoding != "gzip" {
		problem(w, r, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Encoding %q is not supported: send the body as is, or gzip-compressed", encoding))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPapersBody))
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			problem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes: send the papers in several requests", maxPapersBody))
			return nil, false
		}
		problem(w, r, http.StatusBadRequest, "read the body: "+err.Error())
		return nil, false
	}
	if encoding != "gzip" && !bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		return body, true
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		detail := "the body is not gzip as Content-Encoding says: "
		if encoding != "gzip" {
			detail = "the body starts like gzip but is not: "
		}
		problem(w, r, http.StatusBadRequest, detail+err.Error())
		return nil, false
	}
	// One byte over the limit tells a body at the limit from a bigger one.
	body, err = io.ReadAll(io.LimitReader(zr, maxPapersBody+1))
	switch {
	case err != nil:
		problem(w, r, http.StatusBadRequest, "the gzip body is cut short or damaged: "+err.Error())
		return nil, false
	case len(body) > maxPapersBody:
		problem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes once gunzipped: send the papers in several requests", maxPapersBody))
		return nil, false
	}
	return body, true
}
