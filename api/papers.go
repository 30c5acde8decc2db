package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/recommend"
)

// paperJSON is a ranked paper as the API shows it.
type paperJSON struct {
	ID        string          `json:"id"`
	Title     string          `json:"title"`
	Authors   []string        `json:"authors"`
	Published paperhound.Date `json:"published"`
	URL       string          `json:"url"` // always present, "" when unknown, like published's null
	Score     float64         `json:"score"`
}

type papersJSON struct {
	Papers []paperJSON `json:"papers"`
}

func ranked(results []recommend.Result) papersJSON {
	out := papersJSON{Papers: make([]paperJSON, len(results))}
	for i, r := range results {
		authors := r.Paper.Authors
		if authors == nil {
			authors = []string{}
		}
		out.Papers[i] = paperJSON{
			ID: r.Paper.ID, Title: r.Paper.Title, Authors: authors,
			Published: r.Paper.Published, URL: r.Paper.Link(), Score: r.Score,
		}
	}
	return out
}

func health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// paperDetailJSON is GET /v1/papers/{id}: the whole record but the store's
// timestamps. Empty fields are left out, as they always were.
type paperDetailJSON struct {
	ID         string          `json:"id"`
	Title      string          `json:"title"`
	Abstract   string          `json:"abstract,omitempty"`
	Authors    []string        `json:"authors,omitempty"`
	Published  paperhound.Date `json:"published,omitzero"`
	URL        string          `json:"url,omitempty"`
	Categories []string        `json:"categories,omitempty"`
	Upvotes    int             `json:"upvotes,omitempty"`
}

func paperDetail(p paperhound.Paper) paperDetailJSON {
	return paperDetailJSON{
		ID: p.ID, Title: p.Title, Abstract: p.Abstract, Authors: p.Authors, Published: p.Published,
		URL: p.Link(), Categories: p.Categories, Upvotes: p.Upvotes,
	}
}

func (s *Server) paper(w http.ResponseWriter, r *http.Request) {
	p, err := s.engine.Paper(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, paperDetail(p))
}

func (s *Server) similar(w http.ResponseWriter, r *http.Request) {
	opts, err := queryOptions(r)
	if err != nil {
		problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	results, err := s.engine.Similar(r.Context(), r.PathValue("id"), opts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ranked(results))
}

func (s *Server) searchGet(w http.ResponseWriter, r *http.Request) {
	opts, err := queryOptions(r)
	if err != nil {
		problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	s.search(w, r, r.URL.Query().Get("q"), opts)
}

// searchRequest is the body of POST /v1/search: text may be a whole draft.
type searchRequest struct {
	Text   string `json:"text"`
	Limit  *int   `json:"limit"`
	After  string `json:"after"`
	Before string `json:"before"`
}

func (s *Server) searchPost(w http.ResponseWriter, r *http.Request) {
	var req searchRequest
	if !decodeBody(w, r, &req, `{"text": "...", "limit": 10}`) {
		return
	}
	limit := ""
	if req.Limit != nil {
		limit = strconv.Itoa(*req.Limit)
	}
	opts, err := options(limit, req.After, req.Before)
	if err != nil {
		problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	s.search(w, r, req.Text, opts)
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, text string, opts recommend.Options) {
	if strings.TrimSpace(text) == "" {
		problem(w, r, http.StatusBadRequest, "the query is empty: give q=... (GET) or {\"text\": \"...\"} (POST)")
		return
	}
	results, err := s.engine.Search(r.Context(), text, opts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ranked(results))
}

// decodeBody reads a request's body, one JSON object like example, into
// dst. The whole body is read first: a body over MaxBody is 413 whatever
// it holds, and nothing may follow the object. On failure it answers the
// problem and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any, example string) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			problem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", MaxBody))
			return false
		}
		problem(w, r, http.StatusBadRequest, "read the body: "+err.Error())
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	if errors.Is(err, io.EOF) {
		err = errors.New("empty body")
	} else if err == nil && len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		err = errors.New("something follows the JSON object")
	}
	if err != nil {
		problem(w, r, http.StatusBadRequest, "the body must be JSON like "+example+": "+err.Error())
		return false
	}
	return true
}
