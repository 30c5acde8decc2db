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
			Published: r.Paper.Published, URL: r.Paper.URL, Score: r.Score,
		}
	}
	return out
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.problem(w, r, http.StatusNotFound, fmt.Sprintf("no such endpoint: %s %s", r.Method, r.URL.Path))
}

func (s *Server) paper(w http.ResponseWriter, r *http.Request) {
	p, err := s.engine.Paper(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) similar(w http.ResponseWriter, r *http.Request) {
	opts, err := queryOptions(r)
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, err.Error())
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
		s.problem(w, r, http.StatusBadRequest, err.Error())
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
	// Read the whole body first: a body over the limit is 413 whatever it
	// holds, and nothing may follow the one JSON object.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.problem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", maxBody))
			return
		}
		s.problem(w, r, http.StatusBadRequest, "read the body: "+err.Error())
		return
	}
	var req searchRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(&req)
	if errors.Is(err, io.EOF) {
		err = errors.New("empty body")
	} else if err == nil && len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		err = errors.New("something follows the JSON object")
	}
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, "the body must be JSON like {\"text\": \"...\", \"limit\": 10}: "+err.Error())
		return
	}
	limit := ""
	if req.Limit != nil {
		limit = strconv.Itoa(*req.Limit)
	}
	opts, err := options(limit, req.After, req.Before)
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	s.search(w, r, req.Text, opts)
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, text string, opts recommend.Options) {
	if strings.TrimSpace(text) == "" {
		s.problem(w, r, http.StatusBadRequest, "the query is empty: give q=... (GET) or {\"text\": \"...\"} (POST)")
		return
	}
	results, err := s.engine.Search(r.Context(), text, opts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ranked(results))
}

func queryOptions(r *http.Request) (recommend.Options, error) {
	q := r.URL.Query()
	return options(q.Get("limit"), q.Get("after"), q.Get("before"))
}

// options validates the parameters every ranking takes.
func options(limit, after, before string) (recommend.Options, error) {
	opts := recommend.Options{Limit: 10}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > 100 {
			return opts, fmt.Errorf("limit must be a whole number from 1 to 100, got %q", limit)
		}
		opts.Limit = n
	}
	var err error
	if opts.Filter.After, err = paperhound.ParseDate(after); err != nil {
		return opts, fmt.Errorf("after: %w", err)
	}
	if opts.Filter.Before, err = paperhound.ParseDate(before); err != nil {
		return opts, fmt.Errorf("before: %w", err)
	}
	if !opts.Filter.After.IsZero() && !opts.Filter.Before.IsZero() && opts.Filter.Before.Before(opts.Filter.After.Time) {
		return opts, fmt.Errorf("before (%s) is earlier than after (%s)", opts.Filter.Before, opts.Filter.After)
	}
	return opts, nil
}
