package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperhound/paperhound/schema/schematest"
)

// feedPage is one answer of GET /v1/users/{user}/recommendations.
type feedPage struct {
	Papers []struct {
		rankedPaper
		Because []struct {
			ID         string  `json:"id"`
			Title      string  `json:"title"`
			Similarity float64 `json:"similarity"`
		} `json:"because"`
		Trending bool `json:"trending"`
	} `json:"papers"`
	NextCursor string `json:"next_cursor"`
}

func (p feedPage) ids() []string {
	out := make([]string, len(p.Papers))
	for i, x := range p.Papers {
		out[i] = x.ID
	}
	return out
}

// page fetches a feed page and checks its shape.
func (u *users) page(t *testing.T, user, token, query string) feedPage {
	t.Helper()
	w := u.do(t, "GET", "/v1/users/"+user+"/recommendations?"+query, token, "")
	mustStatus(t, w, 200)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw["papers"]) == "null" {
		t.Errorf("papers is null: %s", w.Body)
	}
	if c, ok := raw["next_cursor"]; ok && string(c) == `""` {
		t.Errorf("next_cursor is empty rather than absent: %s", w.Body)
	}
	var items []map[string]json.RawMessage
	json.Unmarshal(raw["papers"], &items)
	want := []string{"authors", "because", "id", "published", "score", "title", "trending", "url"}
	for _, it := range items {
		if keys := sortedKeys(it); !slices.Equal(keys, want) {
			t.Fatalf("recommendation keys %v, want %v", keys, want)
		}
		if string(it["because"]) == "null" {
			t.Errorf("because is null, want a list: %s", w.Body)
		}
	}
	var p feedPage
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// allPages follows next_cursor from the first page to the last.
// allPages follows the cursors from the first page of query, for at most
// max pages.
func (u *users) allPages(t *testing.T, user, token, query string, max int) ([]feedPage, []string) {
	t.Helper()
	var pages []feedPage
	var ids []string
	cursor := ""
	for {
		q := query
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		p := u.page(t, user, token, q)
		pages = append(pages, p)
		ids = append(ids, p.ids()...)
		if p.NextCursor == "" || len(pages) == max {
			return pages, ids
		}
		cursor = p.NextCursor
	}
}

func TestRecommendations(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			u := newUsers(t, b.Store)
			alice := u.token["alice"]

			// Without upvotes: trending papers, marked, with no reasons.
			p := u.page(t, "alice", alice, "limit=10")
			if len(p.Papers) != 10 {
				t.Fatalf("new user's feed: %d papers, want 10", len(p.Papers))
			}
			for _, x := range p.Papers {
				if !x.Trending || len(x.Because) != 0 || x.Score <= 0 {
					t.Errorf("new user's %s: trending %v, because %v, score %v", x.ID, x.Trending, x.Because, x.Score)
				}
			}

			upvoted := []string{elasticCache, razor, compressKV}
			hidden := []string{ems, s2d}
			for _, id := range upvoted {
				mustStatus(t, u.do(t, "PUT", "/v1/users/alice/upvotes/"+id, alice, ""), 204)
			}
			for _, id := range hidden {
				mustStatus(t, u.do(t, "PUT", "/v1/users/alice/hidden/"+id, alice, ""), 204)
			}
			voted := append(slices.Clone(upvoted), hidden...)

			// Never a voted paper, on any page, with any page size or
			// filter (pages of one paper: the first five).
			for _, q := range []string{"limit=1", "limit=3", "limit=7", "limit=100", "popularity=1", "popularity=0.5&limit=4", "after=2024-01-01&limit=5"} {
				maxPages := 100
				if q == "limit=1" {
					maxPages = 5
				}
				_, ids := u.allPages(t, "alice", alice, q, maxPages)
				if len(ids) == 0 {
					t.Errorf("%s: an empty feed", q)
				}
				for _, id := range ids {
					if slices.Contains(voted, id) {
						t.Errorf("%s: voted paper %s recommended", q, id)
					}
				}
				seen := map[string]bool{}
				for _, id := range ids {
					if seen[id] {
						t.Errorf("%s: %s on two pages", q, id)
					}
					seen[id] = true
				}
			}

			// Explanations name upvoted papers, with their titles; the top
			// recommendations have one.
			p = u.page(t, "alice", alice, "limit=100")
			titles := map[string]string{}
			for _, id := range upvoted {
				pp, err := u.engine.Paper(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				titles[id] = pp.Title
			}
			for i, x := range p.Papers {
				if x.Trending {
					t.Errorf("%s is marked trending for a user with upvotes", x.ID)
				}
				if i < 5 && len(x.Because) == 0 {
					t.Errorf("recommendation %d (%s) has no explanation", i, x.ID)
				}
				for _, r := range x.Because {
					if titles[r.ID] == "" || r.Title != titles[r.ID] || r.Similarity <= 0 {
						t.Errorf("%s because %+v: not an upvoted paper with its title and a positive similarity", x.ID, r)
					}
				}
			}
			if kv := p.ids()[:5]; !slices.ContainsFunc(kv, func(id string) bool { return slices.Contains(kvCache, id) }) {
				t.Errorf("no KV-cache paper in the top 5 for a KV-cache reader: %v", kv)
			}

			// Pages of any size concatenate to the one big page. Every
			// page recomputes the feed, so pages of one paper are followed
			// for the first five only.
			whole := p.ids()
			pages, ids := u.allPages(t, "alice", alice, "limit=1", 5)
			if len(pages) != 5 || pages[4].NextCursor == "" || !slices.Equal(ids, whole[:5]) {
				t.Errorf("limit 1: five pages give %v (last cursor %q), the big page starts %v", ids, pages[len(pages)-1].NextCursor, whole[:5])
			}
			for _, limit := range []string{"4", "10"} {
				pages, ids := u.allPages(t, "alice", alice, "limit="+limit, 100)
				if !slices.Equal(ids, whole) {
					t.Errorf("limit %s: pages give %v, one page %v", limit, ids, whole)
				}
				n, _ := json.Number(limit).Int64()
				for i, pg := range pages[:len(pages)-1] {
					if int64(len(pg.Papers)) != n {
						t.Errorf("limit %s: page %d has %d papers", limit, i, len(pg.Papers))
					}
				}
				if last := pages[len(pages)-1]; len(last.Papers) == 0 {
					t.Errorf("limit %s: the last page is empty; its cursor should not have been given", limit)
				}
			}

			// The user's feed is theirs and the admin's.
			if got := u.page(t, "alice", adminToken, "limit=100").ids(); !slices.Equal(got, whole) {
				t.Errorf("the admin sees %v, alice %v", got, whole)
			}
			problem(t, u.do(t, "GET", "/v1/users/alice/recommendations", u.token["bob"], ""), 403)
		})
	}
}

func TestRecommendationsBadRequests(t *testing.T) {
	u := newUsers(t, schematest.Open(t, "sqlite"))
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct{ query, mention string }{
		{"limit=0", "limit"},
		{"limit=101", "limit"},
		{"limit=ten", "limit"},
		{"cursor=%21%21", "cursor"},
		{"cursor=AAAA", "cursor"},
		{"cursor=" + enc("v1:x"), "cursor"},
		{"cursor=" + enc("v1:0"), "cursor"},
		{"cursor=" + enc("v1:-5"), "cursor"},
		{"cursor=" + enc("v1:500"), "cursor"},
		{"cursor=" + enc("v1:007"), "cursor"},
		{"cursor=" + enc("v2:50"), "cursor"},
		{"cursor=" + enc("v1:50") + "=", "cursor"},
		{"popularity=2", "popularity"},
		{"popularity=-0.1", "popularity"},
		{"popularity=NaN", "popularity"},
		{"popularity=lots", "popularity"},
		{"after=2024-13-01", "after"},
		{"after=2024-06-01&before=2024-01-01", "before"},
	}
	for _, tt := range tests {
		p := problem(t, u.do(t, "GET", "/v1/users/alice/recommendations?"+tt.query, u.token["alice"], ""), 400)
		if !strings.Contains(p.Detail, tt.mention) {
			t.Errorf("%s: detail %q does not mention %q", tt.query, p.Detail, tt.mention)
		}
	}
	// A good cursor near the end of the feed's depth.
	u.page(t, "alice", u.token["alice"], "limit=100&cursor="+enc("v1:499"))
}

func TestTrendingAPI(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			u := newUsers(t, b.Store)
			// Public, and windowed on the newest paper (2025-11-19).
			week := papers(t, do(t, u.h, "GET", "/v1/trending", ""))
			if got, want := ids(week), []string{"context-cascade-compression-exploring-the-upper-limits-of", "2511.17573"}; !slices.Equal(got, want) {
				t.Errorf("a week: %v, want %v", got, want)
			}
			quarter := papers(t, do(t, u.h, "GET", "/v1/trending?days=90&limit=100", ""))
			if len(quarter) < 5 {
				t.Errorf("90 days: %v, want more papers", ids(quarter))
			}
			for _, p := range quarter {
				if p.Published == nil || *p.Published < "2025-08-22" || *p.Published > "2025-11-19" {
					t.Errorf("90 days: %s published %v, outside 2025-08-22..2025-11-19", p.ID, p.Published)
				}
			}
			if got := papers(t, do(t, u.h, "GET", "/v1/trending?days=90&limit=2", "")); !slices.Equal(ids(got), ids(quarter)[:2]) {
				t.Errorf("limit 2: %v, want the first two of %v", ids(got), ids(quarter))
			}
			// Our upvotes lift a paper (age still weighs most: see trendScore).
			i := len(quarter) - 2
			lifted := quarter[i].ID
			for _, user := range []string{"alice", "bob"} {
				mustStatus(t, u.do(t, "PUT", "/v1/users/"+user+"/upvotes/"+url.PathEscape(lifted), u.token[user], ""), 204)
			}
			if got := papers(t, do(t, u.h, "GET", "/v1/trending?days=90&limit=100", "")); slices.Index(ids(got), lifted) >= i {
				t.Errorf("two upvotes did not lift %s from place %d: %v", lifted, i, ids(got))
			}
			for _, q := range []string{"days=0", "days=91", "days=x", "limit=0", "limit=101"} {
				p := problem(t, do(t, u.h, "GET", "/v1/trending?"+q, ""), 400)
				if !strings.Contains(p.Detail, strings.Split(q, "=")[0]) {
					t.Errorf("%s: detail %q", q, p.Detail)
				}
			}
		})
	}
}

// atomDoc is what a feed reader reads of an Atom feed.
type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links []struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
	} `xml:"link"`
	Entries []struct {
		ID    string `xml:"id"`
		Title string `xml:"title"`
		Link  []struct {
			Href string `xml:"href,attr"`
			Rel  string `xml:"rel,attr"`
		} `xml:"link"`
		Updated   string `xml:"updated"`
		Published string `xml:"published"`
		Summary   struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"summary"`
	} `xml:"entry"`
}

func TestAtomFeed(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			u := newUsers(t, b.Store)
			alice := u.token["alice"]
			for _, id := range []string{elasticCache, razor} {
				mustStatus(t, u.do(t, "PUT", "/v1/users/alice/upvotes/"+id, alice, ""), 204)
			}
			mustStatus(t, u.do(t, "PUT", "/v1/users/alice/hidden/"+ems, alice, ""), 204)

			issue := func(user, token string) (string, string) {
				t.Helper()
				w := u.do(t, "POST", "/v1/users/"+user+"/feed-key", token, "")
				mustStatus(t, w, 200)
				var k struct{ Key, Feed string }
				if err := json.Unmarshal(w.Body.Bytes(), &k); err != nil || k.Key == "" {
					t.Fatalf("feed key answer %s: %v", w.Body, err)
				}
				if want := "/v1/users/" + user + "/feed.atom?key=" + url.QueryEscape(k.Key); k.Feed != want {
					t.Errorf("feed %q, want %q", k.Feed, want)
				}
				return k.Key, k.Feed
			}
			key, feed := issue("alice", alice)

			w := do(t, u.h, "GET", feed, "")
			mustStatus(t, w, 200)
			if ct := w.Header().Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if !bytes.HasPrefix(w.Body.Bytes(), []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
				t.Errorf("no XML declaration: %.80s", w.Body)
			}
			// Well-formed, strictly.
			dec := xml.NewDecoder(bytes.NewReader(w.Body.Bytes()))
			dec.Strict = true
			for {
				if _, err := dec.Token(); err != nil {
					if err.Error() != "EOF" {
						t.Fatalf("not well-formed XML: %v", err)
					}
					break
				}
			}
			var doc atomDoc
			if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatalf("not an Atom feed: %v\n%s", err, w.Body)
			}
			rfc3339 := func(what, s string) {
				t.Helper()
				if _, err := time.Parse(time.RFC3339, s); err != nil {
					t.Errorf("%s %q is not an RFC 3339 time", what, s)
				}
			}
			if doc.ID == "" || !strings.Contains(doc.Title, "alice") || doc.Author.Name == "" {
				t.Errorf("feed id %q, title %q, author %q", doc.ID, doc.Title, doc.Author.Name)
			}
			rfc3339("feed updated", doc.Updated)
			if len(doc.Links) == 0 || doc.Links[0].Rel != "self" || !strings.HasPrefix(doc.Links[0].Href, "http://example.com/v1/users/alice/feed.atom?key=") {
				t.Errorf("self link %+v", doc.Links)
			}
			if len(doc.Entries) == 0 {
				t.Fatal("no entries")
			}
			ids := map[string]bool{}
			because := 0
			for _, e := range doc.Entries {
				if e.ID == "" || ids[e.ID] || e.Title == "" || len(e.Link) == 0 || e.Link[0].Href == "" {
					t.Errorf("entry %+v lacks an id, a title or a link, or repeats", e)
				}
				ids[e.ID] = true
				rfc3339("entry updated", e.Updated)
				if e.Published != "" {
					rfc3339("entry published", e.Published)
				}
				for _, voted := range []string{elasticCache, razor, ems} {
					if e.ID == "urn:paperhound:paper:"+voted {
						t.Errorf("voted paper %s in the feed", voted)
					}
				}
				if e.Summary.Type != "text" || e.Summary.Text == "" {
					t.Errorf("entry %s summary %+v", e.ID, e.Summary)
				}
				if strings.Contains(e.Summary.Text, "Because you upvoted") {
					because++
				}
			}
			if because == 0 {
				t.Error("no entry says which upvotes it comes from")
			}
			if !strings.Contains(doc.Entries[0].Summary.Text, "Because you upvoted “") {
				t.Errorf("first entry's summary lacks its reason: %q", doc.Entries[0].Summary.Text)
			}
			if got := len(xmlEntries(t, do(t, u.h, "GET", feed+"&limit=3", "").Body.Bytes())); got != 3 {
				t.Errorf("limit=3: %d entries", got)
			}

			// The key reads this feed only; the token is not a key; a
			// replaced key stops working.
			bobKey, _ := issue("bob", u.token["bob"])
			refused := []string{
				"/v1/users/alice/feed.atom",
				"/v1/users/alice/feed.atom?key=",
				"/v1/users/alice/feed.atom?key=wrong",
				"/v1/users/alice/feed.atom?key=" + url.QueryEscape(bobKey),
				"/v1/users/alice/feed.atom?key=" + url.QueryEscape(alice),
				"/v1/users/nobody/feed.atom?key=" + url.QueryEscape(key),
				"/v1/users/bob/feed.atom?key=" + url.QueryEscape(key),
			}
			for _, target := range refused {
				w := do(t, u.h, "GET", target, "")
				problem(t, w, 401)
				if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s: no WWW-Authenticate", target)
				}
			}
			for _, target := range []string{"/v1/users/alice/upvotes", "/v1/users/alice/recommendations", "/v1/users/alice/votes.jsonl"} {
				problem(t, u.do(t, "GET", target, key, ""), 401)
			}
			problem(t, u.do(t, "PUT", "/v1/users/alice/upvotes/"+s2d, key, ""), 401)
			if _, again := issue("alice", adminToken); again == feed {
				t.Error("a new key is the old one")
			}
			problem(t, do(t, u.h, "GET", feed, ""), 401)

			// A user without upvotes gets a trending feed.
			_, bobFeed := issue("bob", u.token["bob"])
			entries := xmlEntries(t, do(t, u.h, "GET", bobFeed, "").Body.Bytes())
			if len(entries) == 0 || !strings.Contains(entries[0], "Trending") {
				t.Errorf("bob's feed: %d entries, first %q", len(entries), entries)
			}
		})
	}
}

// xmlEntries returns the summaries of an Atom document's entries.
func xmlEntries(t *testing.T, body []byte) []string {
	t.Helper()
	var doc atomDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	out := make([]string, len(doc.Entries))
	for i, e := range doc.Entries {
		out[i] = e.Summary.Text
	}
	return out
}
