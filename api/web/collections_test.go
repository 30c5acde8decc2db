package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Sample papers on KV caches.
const (
	razor      = "2407.15891"
	ems        = "2412.08521"
	compressKV = "2508.02401"
)

// The collections pages: make one, file papers from a paper page and a
// card, read its feed and Atom feed, take a paper out, rename, delete.
func TestWebCollections(t *testing.T) {
	s := newWebSite(t)
	ctx := context.Background()

	if res, _ := s.page(t, "GET", "/collections", "", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin?next=%2Fcollections" {
		t.Errorf("signed out = %d %s, want 303 to sign in and back", res.StatusCode, res.Header.Get("Location"))
	}
	cookie := s.signIn(t, "alice", firefox)
	_, body := s.page(t, "GET", "/collections", cookie, nil)
	wantIn(t, "empty list", body, "You have no collections yet.", `action="/collections"`, `aria-current="page">Collections</a>`)
	csrf := csrfOf(t, body)

	if res, _ := s.page(t, "POST", "/collections", cookie, url.Values{"name": {"KV caches"}}); res.StatusCode != 403 {
		t.Errorf("create without CSRF = %d, want 403", res.StatusCode)
	}
	res, _ := s.page(t, "POST", "/collections", cookie, url.Values{"name": {"KV caches"}, "csrf": {csrf}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !regexp.MustCompile(`^/collections/\d+$`).MatchString(loc) {
		t.Fatalf("create = %d %s", res.StatusCode, loc)
	}
	id := strings.TrimPrefix(loc, "/collections/")
	res, body = s.page(t, "POST", "/collections", cookie, url.Values{"name": {"kv CACHES"}, "csrf": {csrf}})
	if res.StatusCode != 409 {
		t.Errorf("same name again = %d, want 409", res.StatusCode)
	}
	wantIn(t, "refused name", body, `role="alert"`, "already has a collection", `value="kv CACHES"`)
	if res, _ = s.page(t, "POST", "/collections", cookie, url.Values{"name": {"two\nlines"}, "csrf": {csrf}}); res.StatusCode != 400 {
		t.Errorf("bad name = %d, want 400", res.StatusCode)
	}

	// File razor from its page: it is upvoted, and the collection's feed
	// shows KV-cache papers because of it.
	_, body = s.page(t, "GET", "/papers/"+razor, cookie, nil)
	wantIn(t, "paper page", body, `id="collections-h"`, `<option value="`+id+`">KV caches</option>`, "File in a new collection")
	res, _ = s.page(t, "POST", "/papers/"+razor+"/file", cookie, url.Values{"collection": {id}, "csrf": {csrf}, "next": {"/papers/" + razor}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/papers/"+razor {
		t.Fatalf("file = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if v, err := s.store.VoteOf(ctx, "alice", razor); err != nil || v.Value != 1 {
		t.Errorf("vote after filing: %+v, %v; want an upvote", v, err)
	}
	_, body = s.page(t, "GET", "/papers/"+razor, cookie, nil)
	wantIn(t, "filed paper", body, `In <a href="/collections/`+id+`">KV caches</a>`, `action="/papers/`+razor+`/unfile"`)

	res, body = s.page(t, "GET", loc, cookie, nil)
	if res.StatusCode != 200 {
		t.Fatalf("collection page = %d", res.StatusCode)
	}
	wantIn(t, "collection page", body, "<h1>KV caches</h1>", `<ul class="voted" id="filed">`, "/v1/users/alice/collections/"+id+"/feed.atom", "Because you upvoted")
	first := regexp.MustCompile(`<h3><a href="/papers/([^"]+)"`).FindStringSubmatch(body)
	if first == nil || (first[1] != ems && first[1] != compressKV && first[1] != "2407.18121" && first[1] != "2510.14973") {
		t.Errorf("collection feed starts with %v, want a KV-cache paper", first)
	}
	// Its cards file too: ems goes into a new collection from the paper's form.
	wantIn(t, "feed cards", body, `class="inline file"`, `name="collection"`)
	res, _ = s.page(t, "POST", "/papers/"+ems+"/file", cookie, url.Values{"name": {"Compression"}, "csrf": {csrf}, "next": {loc}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != loc {
		t.Errorf("file in a new collection = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = s.page(t, "GET", "/collections", cookie, nil)
	wantIn(t, "list", body, ">Compression</a>", ">KV caches</a>", "1 paper ·")

	// The home feed's cards carry the form.
	_, body = s.page(t, "GET", "/", cookie, nil)
	wantIn(t, "home cards", body, `class="inline file"`, `<option value="`+id+`">KV caches</option>`)

	// The Atom feed's URL, with a new key, reads the collection's feed.
	res, body = s.page(t, "POST", loc+"/feed-key", cookie, url.Values{"csrf": {csrf}})
	m := regexp.MustCompile(`value="http://example.com(/v1/users/alice/collections/` + id + `/feed.atom\?key=[^"]+)"`).FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("feed key = %d, no feed URL", res.StatusCode)
	}
	atom, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	if res, body = s.page(t, "GET", atom.String(), "", nil); res.StatusCode != 200 || !strings.Contains(body, "<title>paperhound: KV caches (alice)</title>") {
		t.Errorf("Atom feed = %d %.200s", res.StatusCode, body)
	}

	// Take razor out: its upvote stays.
	res, _ = s.page(t, "POST", "/papers/"+razor+"/unfile", cookie, url.Values{"collection": {id}, "csrf": {csrf}, "next": {loc}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unfile = %d", res.StatusCode)
	}
	_, body = s.page(t, "GET", loc, cookie, nil)
	wantIn(t, "emptied collection", body, "No papers yet.", "File papers in this collection to get its feed")
	if v, err := s.store.VoteOf(ctx, "alice", razor); err != nil || v.Value != 1 {
		t.Errorf("vote after unfiling: %+v, %v; want an upvote", v, err)
	}

	// Rename, and delete: the upvotes stay.
	if res, _ = s.page(t, "POST", loc+"/rename", cookie, url.Values{"name": {"KV cache papers"}, "csrf": {csrf}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("rename = %d", res.StatusCode)
	}
	_, body = s.page(t, "GET", loc, cookie, nil)
	wantIn(t, "renamed", body, "<h1>KV cache papers</h1>")
	if res, _ = s.page(t, "POST", loc+"/delete", cookie, url.Values{"csrf": {csrf}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/collections" {
		t.Errorf("delete = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, body = s.page(t, "GET", loc, cookie, nil); res.StatusCode != 404 || !strings.Contains(body, "<html") {
		t.Errorf("deleted collection = %d, want an HTML 404", res.StatusCode)
	}
	if votes, _ := s.engine.Votes(ctx, "alice"); len(votes) != 2 {
		t.Errorf("votes after deleting: %v, want razor and ems", votes)
	}

	// Nobody else reaches a collection, and nothing is a collection but an id.
	bob := s.signIn(t, "bob", firefox)
	_, body = s.page(t, "GET", "/collections", cookie, nil)
	other := regexp.MustCompile(`href="(/collections/\d+)">Compression`).FindStringSubmatch(body)[1]
	bobCSRF := csrfOf(t, pageBody(t, s, bob))
	for _, c := range []struct{ method, target string }{
		{"GET", other}, {"POST", other + "/delete"}, {"POST", other + "/rename"}, {"GET", "/collections/abc"}, {"GET", "/collections/0"},
	} {
		res, _ := s.page(t, c.method, c.target, bob, url.Values{"csrf": {bobCSRF}, "name": {"mine"}})
		if res.StatusCode != 404 {
			t.Errorf("bob %s %s = %d, want 404", c.method, c.target, res.StatusCode)
		}
	}
	if res, _ = s.page(t, "POST", "/papers/"+razor+"/file", bob, url.Values{"collection": {strings.TrimPrefix(other, "/collections/")}, "csrf": {bobCSRF}}); res.StatusCode != 404 {
		t.Errorf("bob filing in alice's = %d, want 404", res.StatusCode)
	}
	if votes, _ := s.engine.Votes(ctx, "bob"); len(votes) != 0 {
		t.Errorf("bob's votes after refused posts: %v", votes)
	}
}

func BenchmarkWebCollection(b *testing.B) {
	s := newWebSite(b)
	ctx := context.Background()
	cookie := s.signIn(b, "alice", firefox)
	c, err := s.store.CreateCollection(ctx, "alice", "KV caches")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.engine.FileInCollection(ctx, "alice", c.ID, razor); err != nil {
		b.Fatal(err)
	}
	target := "/collections/" + strconv.FormatInt(c.ID, 10)
	b.ResetTimer()
	for b.Loop() {
		if res, _ := s.page(b, "GET", target, cookie, nil); res.StatusCode != 200 {
			b.Fatalf("GET %s = %d", target, res.StatusCode)
		}
	}
}
