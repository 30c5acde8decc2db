package api

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/paperhound/paperhound/recommend"
)

// A user's recommendations (JSON, paged with a cursor), the same feed as
// Atom for feed readers, and the public trending list.

type reasonJSON struct {
	ID         string  `json:"id"`
	Title      string  `json:"title"`
	Similarity float64 `json:"similarity"`
}

type recommendationJSON struct {
	paperJSON
	Because  []reasonJSON `json:"because"`
	Trending bool         `json:"trending"`
}

type feedJSON struct {
	Papers     []recommendationJSON `json:"papers"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

// recommendations answers GET /v1/users/{user}/recommendations.
func (s *Server) recommendations(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("user")
	s.feedPage(w, r, func(opts recommend.FeedOptions) ([]recommend.Recommendation, error) {
		return s.engine.Feed(r.Context(), user, opts)
	})
}

// feed computes a page of a feed: the user's whole feed, or a collection's.
type feed func(recommend.FeedOptions) ([]recommend.Recommendation, error)

// feedPage answers with a page of feed, read from the request's limit,
// cursor, after, before and popularity.
func (s *Server) feedPage(w http.ResponseWriter, r *http.Request, feed feed) {
	opts, err := feedOptions(r)
	if err != nil {
		problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	// One more than the page tells whether there is a next page, so the
	// last page never comes with a cursor to an empty one.
	limit := opts.Limit
	opts.Limit = min(limit+1, recommend.MaxFeedDepth-opts.Offset)
	recs, err := feed(opts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var out feedJSON
	if len(recs) > limit {
		recs = recs[:limit]
		out.NextCursor = EncodeCursor(opts.Offset + limit)
	}
	results := make([]recommend.Result, len(recs))
	for i, rec := range recs {
		results[i] = rec.Result
	}
	papers := ranked(results).Papers
	out.Papers = make([]recommendationJSON, len(recs))
	for i, rec := range recs {
		because := make([]reasonJSON, len(rec.Because))
		for j, b := range rec.Because {
			because[j] = reasonJSON{ID: b.ID, Title: b.Title, Similarity: b.Similarity}
		}
		out.Papers[i] = recommendationJSON{paperJSON: papers[i], Because: because, Trending: rec.Trending}
	}
	writeJSON(w, http.StatusOK, out)
}

// trending answers GET /v1/trending?days=7&limit=10: no token needed.
func (s *Server) trending(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := parseLimit(q.Get("limit"), defaultLimit)
	if err != nil {
		problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	days, err := ParseDays(q.Get("days"))
	if err != nil {
		problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	results, err := s.engine.Trending(r.Context(), recommend.TrendingOptions{Days: days, Limit: limit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ranked(results))
}

// Atom 1.0 (RFC 4287), as much of it as a feed reader needs.
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Author    atomPerson  `xml:"author"`
	Links     []atomLink  `xml:"link"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID        string       `xml:"id"`
	Title     string       `xml:"title"`
	Links     []atomLink   `xml:"link"`
	Updated   string       `xml:"updated"`
	Published string       `xml:"published,omitempty"`
	Authors   []atomPerson `xml:"author"`
	Summary   atomText     `xml:"summary"`
}

// atomFeed answers GET /v1/users/{user}/feed.atom?key=FEED_KEY: the first
// page of the user's recommendations for a feed reader. Feed readers can't
// send headers, so the feed key rides in the URL; it reads this user's
// Atom feeds and nothing else, and is not the API token. A bearer token
// works too (feedReader, auth.go).
func (s *Server) atomFeed(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("user")
	s.atom(w, r, atomSource{
		id:       "urn:paperhound:feed:" + url.PathEscape(user),
		title:    "paperhound: papers for " + user,
		subtitle: "Research papers recommended from your upvotes",
		feed: func(opts recommend.FeedOptions) ([]recommend.Recommendation, error) {
			return s.engine.Feed(r.Context(), user, opts)
		},
	})
}

// atomSource is what sets one Atom feed apart from another.
type atomSource struct {
	id, title, subtitle string
	since               time.Time // when it began, if later than its user
	feed                feed
}

// atom answers with the first page of src's feed as Atom, limit papers
// long (?limit=).
func (s *Server) atom(w http.ResponseWriter, r *http.Request, src atomSource) {
	user := r.PathValue("user")
	limit, err := parseLimit(r.URL.Query().Get("limit"), defaultFeedLimit)
	if err != nil {
		problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	u, err := s.store.User(r.Context(), user)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	votes, err := s.engine.Votes(r.Context(), user)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	recs, err := src.feed(recommend.FeedOptions{Limit: limit})
	if err != nil {
		s.fail(w, r, err)
		return
	}

	base := BaseURL(r)
	// The feed changes when the user votes or a paper in it changes.
	updated := later(u.CreatedAt, src.since)
	for _, v := range votes {
		updated = later(updated, v.At)
	}
	feed := atomFeed{
		ID:        src.id,
		Title:     src.title,
		Subtitle:  src.subtitle,
		Author:    atomPerson{Name: "paperhound"},
		Links:     []atomLink{{Href: base + r.URL.RequestURI(), Rel: "self", Type: "application/atom+xml"}},
		Generator: "paperhound",
		Entries:   make([]atomEntry, len(recs)),
	}
	for i, rec := range recs {
		p := rec.Paper
		updated = later(updated, p.UpdatedAt)
		link := p.Link()
		if link == "" {
			link = base + "/v1/papers/" + url.PathEscape(p.ID)
		}
		e := atomEntry{
			ID:      "urn:paperhound:paper:" + url.PathEscape(p.ID),
			Title:   p.Title,
			Links:   []atomLink{{Href: link, Rel: "alternate"}},
			Updated: p.UpdatedAt.UTC().Format(time.RFC3339),
			Summary: atomText{Type: "text", Body: summary(rec)},
		}
		if !p.Published.IsZero() {
			e.Published = p.Published.UTC().Format(time.RFC3339)
		}
		for _, a := range p.Authors {
			e.Authors = append(e.Authors, atomPerson{Name: a})
		}
		feed.Entries[i] = e
	}
	feed.Updated = updated.UTC().Format(time.RFC3339)

	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	_ = enc.Encode(feed) // the client may be gone; nothing left to tell it
}

// summary is an entry's text: the abstract, then why it is there.
func summary(rec recommend.Recommendation) string {
	var why string
	switch {
	case rec.Trending:
		why = "Trending on paperhound. Upvote papers to get recommendations of your own."
	case len(rec.Because) > 0:
		titles := make([]string, len(rec.Because))
		for i, b := range rec.Because {
			titles[i] = "“" + b.Title + "”"
		}
		why = "Because you upvoted " + strings.Join(titles, ", ") + "."
	}
	if rec.Paper.Abstract == "" {
		return why
	}
	if why == "" {
		return rec.Paper.Abstract
	}
	return rec.Paper.Abstract + "\n\n" + why
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// BaseURL is the scheme and host the client reached: feed readers need
// absolute links. X-Forwarded-Proto is believed only as http or https.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host
}
