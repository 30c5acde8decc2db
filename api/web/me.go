package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/ingest"
)

// A user's own page: their upvoted and hidden papers, the votes export,
// the Atom feed key, the browsers signed in, and the reading-list import.

// mePage lists the user's upvoted and hidden papers and signed-in browsers.
func (s *Site) mePage(w http.ResponseWriter, r *http.Request) {
	s.me(w, r, "")
}

func (s *Site) me(w http.ResponseWriter, r *http.Request, feedURL string) {
	sess, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	data := struct {
		Upvoted, Hidden []card
		FeedURL         string
		APIExport       string
		Sessions        []sessionRow
	}{FeedURL: feedURL, APIExport: "/v1/users/" + url.PathEscape(sess.user) + "/votes.jsonl"}
	stored, err := s.store.Sessions(r.Context(), sess.user)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	for _, st := range stored {
		data.Sessions = append(data.Sessions, sessionRow{
			ID: st.ID, Browser: browserName(st.UserAgent), UserAgent: st.UserAgent,
			CreatedAt: st.CreatedAt, LastSeen: st.LastSeen, This: st.ID == sess.id,
		})
	}
	for _, value := range []int{1, -1} {
		voted, err := s.engine.VotedPapers(r.Context(), sess.user, value)
		if err != nil {
			s.failPage(w, r, sess, err)
			return
		}
		for _, vp := range voted {
			c := plainCard(vp.Paper)
			c.VotedAt, c.Vote = vp.Vote.At, value
			if value == 1 {
				data.Upvoted = append(data.Upvoted, c)
			} else {
				data.Hidden = append(data.Hidden, c)
			}
		}
	}
	v := s.newView(r, sess, "My papers", "me")
	v.Path = "/me"
	v.Data = data
	s.render(w, r, http.StatusOK, "me", v)
}

// meExport is the votes export of GET /v1/users/{user}/votes.jsonl for a
// browser, which can't send the bearer header the API wants.
func (s *Site) meExport(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	votes, err := s.engine.Votes(r.Context(), sess.user)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	w.Header().Set("Content-Type", api.JSONLines)
	w.Header().Set("Content-Disposition", `attachment; filename="`+sess.user+`-votes.jsonl"`)
	_ = api.WriteVotes(w, votes) // the browser may be gone; nothing left to tell it
}

// meFeedKey issues a new Atom feed key and shows its URL once: only its
// hash is stored, so it can't be shown again.
func (s *Site) meFeedKey(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedInPost(w, r)
	if !ok {
		return
	}
	key, err := s.store.IssueFeedKey(r.Context(), sess.user)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	s.me(w, r, api.BaseURL(r)+"/v1/users/"+url.PathEscape(sess.user)+"/feed.atom?key="+url.QueryEscape(key))
}

// sessionRow is one signed-in browser on /me.
type sessionRow struct {
	ID                  int64
	Browser, UserAgent  string
	CreatedAt, LastSeen time.Time
	This                bool // the session of the browser looking
}

// meRevokeSession ends one of the user's sessions, signing that browser
// out. A session already gone (or another user's) is left as it is: the
// browser is signed out either way.
func (s *Site) meRevokeSession(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedInPost(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.errorPage(w, r, sess, http.StatusNotFound, "there is no such session: reload My papers to see the signed-in browsers")
		return
	}
	if _, err := s.store.DeleteSession(r.Context(), sess.user, id); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/me", http.StatusSeeOther)
}

// meReadingList imports a reading list pasted or uploaded on /me (the
// same import as POST /v1/users/{user}/reading-list) and shows what it
// matched and what not. A list that cannot be read upvotes nothing and
// gets its errors, line by line.
func (s *Site) meReadingList(w http.ResponseWriter, r *http.Request) {
	// The form is multipart (it may carry a file): read it, within the
	// list's limit, before signedInPost looks for its CSRF token.
	r.Body = http.MaxBytesReader(w, r.Body, api.MaxReadingList)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			s.errorPage(w, r, session{}, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("the reading list is over %d MiB: import it in parts", api.MaxReadingList>>20))
			return
		}
		s.errorPage(w, r, session{}, http.StatusBadRequest, "the form could not be read")
		return
	}
	sess, ok := s.signedInPost(w, r)
	if !ok {
		return
	}
	data, err := api.ReadingListForm(r)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	dryRun := r.PostFormValue("dry_run") != ""
	report, err := api.ImportReadingList(r.Context(), s.engine, sess.user, data, dryRun)
	var le *ingest.ListError
	status := http.StatusOK
	switch {
	case errors.As(err, &le):
		status = http.StatusBadRequest
	case err != nil:
		s.failPage(w, r, sess, err)
		return
	}
	v := s.newView(r, sess, "Reading list", "me")
	v.Data = struct {
		Report api.ReadingListReport
		Errors []ingest.LineError
	}{report, errorLines(le)}
	s.render(w, r, status, "readinglist", v)
}

// errorLines are the lines of le, or none when le is nil.
func errorLines(le *ingest.ListError) []ingest.LineError {
	if le == nil {
		return nil
	}
	return le.Lines
}
