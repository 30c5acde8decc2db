package api

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/paperhound/paperhound"
)

// A user's votes: PUT and DELETE /v1/users/{user}/upvotes/{paper} and
// /hidden/{paper}, the lists, and the export. All need the user's token or
// the admin's (actingFor, auth.go).

// vote answers PUT: value 1 upvotes the paper, -1 hides it, replacing the
// other. 204 whether or not it was already so.
func (s *Server) vote(value int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, paper := r.PathValue("user"), r.PathValue("paper")
		if err := s.engine.Vote(r.Context(), user, paper, value); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// unvote answers DELETE: it removes an upvote (value 1) or a hide (-1), and
// leaves a vote of the other kind alone. 204 whether or not there was one.
func (s *Server) unvote(value int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, paper := r.PathValue("user"), r.PathValue("paper")
		if err := s.engine.Unvote(r.Context(), user, paper, value); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// votedPaperJSON is a paper of GET /v1/users/{user}/upvotes or /hidden.
type votedPaperJSON struct {
	ID        string          `json:"id"`
	Title     string          `json:"title"`
	Authors   []string        `json:"authors"`
	Published paperhound.Date `json:"published"`
	URL       string          `json:"url"`
	VotedAt   time.Time       `json:"voted_at"`
}

// listVotes answers GET with the papers upvoted (value 1) or hidden (-1),
// the newest vote first.
func (s *Server) listVotes(value int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user := r.PathValue("user")
		voted, err := s.engine.VotedPapers(r.Context(), user, value)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := struct {
			Papers []votedPaperJSON `json:"papers"`
		}{Papers: make([]votedPaperJSON, len(voted))}
		for i, v := range voted {
			authors := v.Paper.Authors
			if authors == nil {
				authors = []string{}
			}
			out.Papers[i] = votedPaperJSON{ID: v.Paper.ID, Title: v.Paper.Title, Authors: authors,
				Published: v.Paper.Published, URL: v.Paper.URL, VotedAt: v.Vote.At}
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// voteLine is one line of the votes export: the format "paperhound ingest
// --upvotes" reads (ingest.ReadVotes).
type voteLine struct {
	User  string `json:"user"`
	Paper string `json:"paper"`
	At    string `json:"at"`
	Vote  int    `json:"vote"`
}

// exportVotes answers GET /v1/users/{user}/votes.jsonl: every vote of the
// user, oldest first, as JSON Lines.
func (s *Server) exportVotes(w http.ResponseWriter, r *http.Request) {
	votes, err := s.engine.Votes(r.Context(), r.PathValue("user"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", JSONLines)
	_ = WriteVotes(w, votes) // the client may be gone; nothing left to tell it
}

// JSONLines is the media type of the votes export.
const JSONLines = "application/x-ndjson"

// WriteVotes writes votes to w as JSON Lines, one voteLine each: the votes
// export, for the API and the web pages alike.
func WriteVotes(w io.Writer, votes []paperhound.Vote) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, v := range votes {
		line := voteLine{User: v.User, Paper: v.Paper, At: v.At.UTC().Format(time.RFC3339Nano), Vote: v.Value}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// feedKey answers POST /v1/users/{user}/feed-key with a new key for the
// user's Atom feed, which replaces the last one.
func (s *Server) feedKey(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("user")
	key, err := s.store.IssueFeedKey(r.Context(), user)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"key":  key,
		"feed": "/v1/users/" + url.PathEscape(user) + "/feed.atom?key=" + url.QueryEscape(key),
	})
}
