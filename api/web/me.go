package web

import (
	"net/http"
	"net/url"

	"github.com/paperhound/paperhound/api"
)

// A user's own page: their upvoted and hidden papers, the votes export and
// the Atom feed key.

// mePage lists the user's upvoted and hidden papers.
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
	}{FeedURL: feedURL, APIExport: "/v1/users/" + url.PathEscape(sess.user) + "/votes.jsonl"}
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
