package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/api/apitest"
	"github.com/paperhound/paperhound/api/web"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

// s2d is a sample paper on speculative decoding.
const s2d = "2407.01955"

// webSite is the pages and the API over the sample papers with users alice and bob,
// and what its log wrote.
type webSite struct {
	h      http.Handler
	engine *recommend.Engine
	store  *schema.Store
	token  map[string]string
	log    *lockedBuffer
}

// lockedBuffer is a log a running server writes from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newWebSite serves the pages and the JSON API as the server does, with
// users alice and bob, who start with no votes.
func newWebSite(t testing.TB) *webSite {
	t.Helper()
	ctx := context.Background()
	store := schematest.Open(t, "sqlite")
	engine := apitest.SampleEngine(t, store)
	s := &webSite{engine: engine, store: store, token: map[string]string{}, log: &lockedBuffer{}}
	for _, name := range []string{"alice", "bob"} {
		var err error
		if s.token[name], _, err = store.IssueToken(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(s.log, nil))
	s.h = api.Handler(log, api.NewMetrics(log), api.New(engine, store, log), web.New(engine, store, log))
	return s
}

// page sends a request as a browser on the same site would, with the
// session cookie when given, and returns the response and its body.
func (s *webSite) page(t testing.TB, method, target, cookie string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "paperhound_session", Value: cookie})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// signIn signs user in through the form, from a browser saying userAgent,
// and returns the session cookie's value.
func (s *webSite) signIn(t testing.TB, user, userAgent string) string {
	t.Helper()
	res, _ := s.page(t, "POST", "/signin", "", url.Values{"token": {s.token[user]}}, "User-Agent", userAgent)
	for _, c := range res.Cookies() {
		if c.Name == "paperhound_session" && c.Value != "" {
			return c.Value
		}
	}
	t.Fatalf("sign in as %s = %d: no session cookie", user, res.StatusCode)
	return ""
}

// signedInAs is who the home page says is signed in with cookie, or "".
func (s *webSite) signedInAs(t testing.TB, cookie string) string {
	t.Helper()
	_, body := s.page(t, "GET", "/", cookie, nil)
	if m := regexp.MustCompile(`Sign out <span class="who">([^<]+)</span>`).FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, html string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no CSRF field in the page")
	}
	return m[1]
}

func wantIn(t *testing.T, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("%s: %q missing", what, p)
		}
	}
}

func TestWebPublicPages(t *testing.T) {
	s := newWebSite(t)
	res, body := s.page(t, "GET", "/", "", nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if strings.Contains(body, `class="meta"> · `) {
		t.Error("home: a byline starts with a separator")
	}
	wantIn(t, "home", body, "Trending papers", `href="/?days=1"`, `href="/?days=30"`, `<article class="card"`, `href="/signin"`)
	if res.Header.Get("Content-Security-Policy") == "" {
		t.Error("no Content-Security-Policy")
	}
	if res, body = s.page(t, "GET", "/?days=30", "", nil); res.StatusCode != 200 || !strings.Contains(body, `href="/?days=30" aria-current="page"`) {
		t.Errorf("GET /?days=30 = %d, tab not current", res.StatusCode)
	}
	if res, _ = s.page(t, "GET", "/?days=0", "", nil); res.StatusCode != 400 {
		t.Errorf("GET /?days=0 = %d, want 400", res.StatusCode)
	}

	res, body = s.page(t, "GET", "/papers/"+s2d, "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("paper page = %d", res.StatusCode)
	}
	p, err := s.engine.Paper(context.Background(), s2d)
	if err != nil {
		t.Fatal(err)
	}
	wantIn(t, "paper", body, "Similar papers", "Abstract", `<span class="upvotes">2 upvotes</span>`, "Sign in to upvote or hide", `href="`+p.URL+`"`)
	if !strings.Contains(body, "<h1>") || strings.Count(body, `<article class="card"`) == 0 {
		t.Error("paper page: no title or no similar papers")
	}
	if res, _ = s.page(t, "GET", "/papers/hep-th%2F9901001", "", nil); res.StatusCode != 200 {
		t.Errorf("old-style id page = %d", res.StatusCode)
	}
	if res, body = s.page(t, "GET", "/papers/nope", "", nil); res.StatusCode != 404 || !strings.Contains(body, "<html") {
		t.Errorf("unknown paper = %d, want an HTML 404", res.StatusCode)
	}

	res, body = s.page(t, "GET", "/search?q=speculative+decoding", "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("search = %d", res.StatusCode)
	}
	if !regexp.MustCompile(`(?i)<mark>[^<]*speculative[^<]*</mark>`).MatchString(body) {
		t.Error("search: query words not highlighted")
	}
	res, body = s.page(t, "POST", "/search", "", url.Values{"text": {"We compress the KV cache of long-context transformers."}})
	if res.StatusCode != 200 || !strings.Contains(body, "<mark>") || !strings.Contains(body, "long-context transformers.</textarea>") {
		t.Errorf("draft search = %d, want results and the draft kept", res.StatusCode)
	}

	if res, _ = s.page(t, "GET", "/me", "", nil); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Errorf("/me signed out = %d %s, want 303 to /signin", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ = s.page(t, "GET", "/static/style.css", "", nil); res.StatusCode != 200 {
		t.Errorf("style.css = %d", res.StatusCode)
	}
	// The JSON API's 404 is unchanged.
	if res, _ = s.page(t, "GET", "/nowhere", "", nil); res.StatusCode != 404 || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("GET /nowhere = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

func TestWebSignInOut(t *testing.T) {
	s := newWebSite(t)
	token := s.token["alice"]

	res, body := s.page(t, "POST", "/signin", "", url.Values{"token": {"wrong"}})
	if res.StatusCode != 401 || !strings.Contains(body, "not valid") || len(res.Cookies()) != 0 {
		t.Errorf("wrong token = %d, cookies %v", res.StatusCode, res.Cookies())
	}
	// A sign-in form posted from another site is refused.
	if res, _ = s.page(t, "POST", "/signin", "", url.Values{"token": {token}}, "Sec-Fetch-Site", "cross-site"); res.StatusCode != 403 {
		t.Errorf("cross-site sign-in = %d, want 403", res.StatusCode)
	}

	res, _ = s.page(t, "POST", "/signin", "", url.Values{"token": {token}, "next": {"/me"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/me" {
		t.Fatalf("sign in = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	c := res.Cookies()[0]
	cookie := c.Value
	if c.Name != "paperhound_session" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", c)
	}
	res, _ = s.page(t, "POST", "/signin", "", url.Values{"token": {token}, "next": {"//evil.example/"}}, "X-Forwarded-Proto", "https")
	if c := res.Cookies()[0]; !c.Secure {
		t.Error("cookie not Secure behind TLS")
	}
	if loc := res.Header.Get("Location"); loc != "/" {
		t.Errorf("next=//evil.example/ redirected to %q, want /", loc)
	}

	for _, target := range []string{"/", "/me", "/papers/" + s2d, "/search?q=kv+cache", "/signin"} {
		res, body := s.page(t, "GET", target, cookie, nil)
		if res.StatusCode != 200 {
			t.Errorf("GET %s signed in = %d", target, res.StatusCode)
		}
		if strings.Contains(body, token) {
			t.Errorf("GET %s: the API token is in the page", target)
		}
		wantIn(t, target, body, "Sign out", "alice")
	}
	_, body = s.page(t, "GET", "/", cookie, nil)
	wantIn(t, "feed", body, "Papers for you")

	csrf := csrfOf(t, body)
	if res, _ = s.page(t, "POST", "/signout", cookie, url.Values{}); res.StatusCode != 403 {
		t.Errorf("sign out without CSRF token = %d, want 403", res.StatusCode)
	}
	res, _ = s.page(t, "POST", "/signout", cookie, url.Values{"csrf": {csrf}})
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 || res.Cookies()[0].MaxAge >= 0 {
		t.Errorf("sign out = %d, cookies %v: want the cookie removed", res.StatusCode, res.Cookies())
	}
	if strings.Contains(s.log.String(), token) {
		t.Error("the API token is in the log")
	}
	if strings.Contains(s.log.String(), cookie) {
		t.Error("the session's secret is in the log")
	}
}

func TestWebVotesAndCSRF(t *testing.T) {
	s := newWebSite(t)
	cookie := s.signIn(t, "alice", firefox)
	ctx := context.Background()
	_, body := s.page(t, "GET", "/papers/"+s2d, cookie, nil)
	csrf := csrfOf(t, body)
	target := "/papers/" + s2d + "/vote"

	for _, tc := range []struct {
		name   string
		form   url.Values
		header []string
	}{
		{"no CSRF token", url.Values{"action": {"up"}}, nil},
		{"wrong CSRF token", url.Values{"action": {"up"}, "csrf": {"x" + csrf}}, nil},
		{"another user's CSRF token", url.Values{"action": {"up"}, "csrf": {csrfOf(t, pageBody(t, s, s.signIn(t, "bob", firefox)))}}, nil},
		{"cross-site", url.Values{"action": {"up"}, "csrf": {csrf}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"other origin", url.Values{"action": {"up"}, "csrf": {csrf}}, []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}},
	} {
		res, _ := s.page(t, "POST", target, cookie, tc.form, tc.header...)
		if res.StatusCode != 403 {
			t.Errorf("%s: %d, want 403", tc.name, res.StatusCode)
		}
	}
	if votes, _ := s.engine.Votes(ctx, "alice"); len(votes) != 0 {
		t.Fatalf("refused posts voted: %v", votes)
	}
	if res, _ := s.page(t, "POST", target, "", url.Values{"action": {"up"}}); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Errorf("signed out vote = %d %s, want 303 to /signin", res.StatusCode, res.Header.Get("Location"))
	}

	res, _ := s.page(t, "POST", target, cookie, url.Values{"action": {"up"}, "csrf": {csrf}, "next": {"/papers/" + s2d}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/papers/"+s2d {
		t.Fatalf("upvote = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if v, _ := s.engine.Votes(ctx, "alice"); len(v) != 1 || v[0].Value != 1 {
		t.Fatalf("votes after upvote: %v", v)
	}
	_, body = s.page(t, "GET", "/papers/"+s2d, cookie, nil)
	wantIn(t, "upvoted paper", body, `value="unup" aria-pressed="true"`)

	// The feed now explains itself, and hiding its first paper removes it.
	_, body = s.page(t, "GET", "/", cookie, nil)
	wantIn(t, "feed", body, "Because you upvoted")
	first := regexp.MustCompile(`<h3><a href="/papers/([^"]+)"`).FindStringSubmatch(body)[1]
	res, _ = s.page(t, "POST", "/papers/"+first+"/vote", cookie, url.Values{"action": {"hide"}, "csrf": {csrf}, "next": {"/"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("hide = %d", res.StatusCode)
	}
	if _, body = s.page(t, "GET", "/", cookie, nil); strings.Contains(body, `<h3><a href="/papers/`+first+`"`) {
		t.Error("a hidden paper is still in the feed")
	}

	_, body = s.page(t, "GET", "/me", cookie, nil)
	wantIn(t, "/me", body, `value="unup"`, `value="unhide"`, `href="/me/votes.jsonl"`, "/v1/users/alice/votes.jsonl")
	res, body = s.page(t, "POST", "/me/feed-key", cookie, url.Values{"csrf": {csrf}})
	if res.StatusCode != 200 || !strings.Contains(body, "/v1/users/alice/feed.atom?key=") {
		t.Errorf("feed key = %d, no feed URL", res.StatusCode)
	}
	res, body = s.page(t, "GET", "/me/votes.jsonl", cookie, nil)
	if res.StatusCode != 200 || strings.Count(body, "\n") != 2 || !strings.Contains(body, `"user":"alice"`) {
		t.Errorf("export = %d %q", res.StatusCode, body)
	}
	res, _ = s.page(t, "POST", "/papers/"+first+"/vote", cookie, url.Values{"action": {"unhide"}, "csrf": {csrf}, "next": {"/me"}})
	if res.Header.Get("Location") != "/me" {
		t.Errorf("unhide went to %q", res.Header.Get("Location"))
	}
	if v, _ := s.engine.Votes(ctx, "alice"); len(v) != 1 {
		t.Errorf("votes after unhide: %v", v)
	}
}

func pageBody(t *testing.T, s *webSite, cookie string) string {
	t.Helper()
	_, body := s.page(t, "GET", "/", cookie, nil)
	return body
}

func benchPage(b *testing.B, target string, signedIn bool) {
	s := newWebSite(b)
	cookie := ""
	if signedIn {
		cookie = s.signIn(b, "alice", firefox)
		s.engine.Vote(context.Background(), "alice", s2d, 1)
	}
	b.ResetTimer()
	for b.Loop() {
		if res, _ := s.page(b, "GET", target, cookie, nil); res.StatusCode != 200 {
			b.Fatalf("GET %s = %d", target, res.StatusCode)
		}
	}
}

func BenchmarkWebHomeTrending(b *testing.B) { benchPage(b, "/", false) }
func BenchmarkWebHomeFeed(b *testing.B)     { benchPage(b, "/", true) }
func BenchmarkWebPaper(b *testing.B)        { benchPage(b, "/papers/"+s2d, true) }
func BenchmarkWebSearch(b *testing.B)       { benchPage(b, "/search?q=speculative+decoding", true) }

// Cards carry authors (shortened), date, upvotes, categories and the
// abstract's first lines with the rest behind "more"; the home page of the
// sample papers is a full page of trending papers without choosing a
// window, paged by cursor links.
func TestWebCardsAndPaging(t *testing.T) {
	s := newWebSite(t)
	ctx := context.Background()
	// The sample papers alone fill the home page, though only 2 are from
	// their newest week.
	if _, body := s.page(t, "GET", "/", "", nil); strings.Count(body, `<article class="card"`) < 10 {
		t.Errorf("home of the sample papers: %d cards, want 10 or more", strings.Count(body, `<article class="card"`))
	}
	fixture := paperhound.Paper{ID: "2511.99999", Title: "A survey of card layouts",
		Abstract:   strings.Repeat("Cards show enough to decide what to read. ", 12),
		Authors:    paperhound.Strings{"Ada One", "Bo Two", "Cy Three", "Di Four", "Ed Five"},
		Categories: paperhound.Strings{"cs.IR", "cs.HC"}, Published: mustDate(t, "2025-11-20"), Upvotes: 4}
	if _, err := s.engine.Ingest(ctx, []paperhound.Paper{fixture}); err != nil {
		t.Fatal(err)
	}
	_, body := s.page(t, "GET", "/", "", nil)
	if n := strings.Count(body, `<article class="card"`); n != 20 {
		t.Errorf("home: %d cards, want a page of 20", n)
	}
	wantIn(t, "home card", body, `<span class="authors">Ada One, Bo Two, Cy Three et al.</span>`,
		`<time datetime="2025-11-20">20 Nov 2025</time>`, `<span class="upvotes">4 upvotes</span>`,
		`<span class="categories">cs.IR, cs.HC</span>`, `<p class="snippet">Cards show enough`, `<details class="more"><summary>more`,
		`aria-current="page">Latest</a>`, `href="/papers/2511.99999#similar-h"`)
	if strings.Contains(body, "Di Four") {
		t.Error("home: a card lists more than three authors")
	}
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">More papers</a>`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("home: no link to more papers")
	}
	res, second := s.page(t, "GET", html.UnescapeString(next[1]), "", nil)
	if res.StatusCode != 200 || strings.Count(second, `<article class="card"`) == 0 || strings.Contains(second, "2511.99999") {
		t.Errorf("second page = %d, %d cards, want others than the first page's", res.StatusCode, strings.Count(second, `<article class="card"`))
	}
	wantIn(t, "second page", second, "From paper 21.", `href="/">Back to the first page`)
	if res, _ := s.page(t, "GET", "/?cursor=nope", "", nil); res.StatusCode != 400 {
		t.Errorf("a bad cursor = %d, want 400", res.StatusCode)
	}
	// A chosen window pages too, keeping the window.
	_, body = s.page(t, "GET", "/?days=30", "", nil)
	if strings.Contains(body, `rel="next"`) {
		t.Error("a month of sample papers (under a page) has a next page")
	}
	_, body = s.page(t, "GET", "/?days=90&cursor="+api.EncodeCursor(1), "", nil)
	if !strings.Contains(body, "From paper 2.") || strings.Contains(body, "2511.99999") {
		t.Error("/?days=90 from the second paper: not paged")
	}

	// Signed in, a feed names each upvoted paper once, over its group.
	cookie := s.signIn(t, "alice", firefox)
	for _, id := range []string{s2d, "2407.18121"} {
		if err := s.engine.Vote(ctx, "alice", id, 1); err != nil {
			t.Fatal(err)
		}
	}
	_, body = s.page(t, "GET", "/", cookie, nil)
	because := strings.Count(body, "Because you upvoted")
	if because < 1 || because > 3 || strings.Count(body, `<article class="card"`) != 20 {
		t.Errorf("feed: %d explanations over %d cards, want one per upvoted paper (and no more than 3)", because, strings.Count(body, `<article class="card"`))
	}
	wantIn(t, "feed card", body, `value="up" aria-pressed="false" class="small up"`, `value="hide" aria-pressed="false"`, `name="next" value="/"`)
}

func mustDate(t *testing.T, s string) paperhound.Date {
	t.Helper()
	d, err := paperhound.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Search says so when nothing is close, in the page and the API; a match
// shows its best passage with the words marked, escaped.
func TestWebSearchNoCloseMatches(t *testing.T) {
	s := newWebSite(t)
	_, body := s.page(t, "GET", "/search?q=zzqxjkv", "", nil)
	wantIn(t, "nonsense search", body, "No close matches", "(“zzqxjkv”)")
	if strings.Contains(body, `<article class="card"`) {
		t.Error("nonsense search shows papers")
	}
	res, body := s.page(t, "GET", "/v1/search?q=zzqxjkv", "", nil)
	if res.StatusCode != 200 || strings.TrimSpace(body) != `{"papers":[]}` {
		t.Errorf("GET /v1/search?q=zzqxjkv = %d %s, want an empty list", res.StatusCode, body)
	}
	_, body = s.page(t, "GET", "/search?q=kv+caching+<b>", "", nil)
	wantIn(t, "search snippet", body, `<p class="snippet">… `, `<mark>caching</mark>`, "&lt;b&gt;")
	if strings.Contains(body, "<b>") {
		t.Error("search: the query is not escaped")
	}
}

// With JavaScript, a card's vote answers JSON: the vote and the count.
func TestWebVoteJSON(t *testing.T) {
	s := newWebSite(t)
	cookie := s.signIn(t, "alice", firefox)
	csrf := csrfOf(t, pageBody(t, s, cookie))
	p, err := s.engine.Paper(context.Background(), s2d)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ action, want string }{
		{"up", fmt.Sprintf(`{"vote":1,"upvotes":%d}`, p.Upvotes+1)},
		{"hide", fmt.Sprintf(`{"vote":-1,"upvotes":%d}`, p.Upvotes)},
		{"unhide", fmt.Sprintf(`{"vote":0,"upvotes":%d}`, p.Upvotes)},
	} {
		res, body := s.page(t, "POST", "/papers/"+s2d+"/vote", cookie, url.Values{"action": {c.action}, "csrf": {csrf}}, "Accept", "application/json")
		if res.StatusCode != 200 || strings.TrimSpace(body) != c.want {
			t.Errorf("%s = %d %s, want %s", c.action, res.StatusCode, body, c.want)
		}
	}
	if res, _ := s.page(t, "POST", "/papers/"+s2d+"/vote", cookie, url.Values{"action": {"up"}}, "Accept", "application/json"); res.StatusCode != 403 {
		t.Errorf("without CSRF = %d, want 403", res.StatusCode)
	}
}

// Browsers get HTML error pages with a way back; API clients and /v1/
// keep problem+json; /static/ lists nothing.
func TestWebErrorPages(t *testing.T) {
	s := newWebSite(t)
	const browser = "text/html,application/xhtml+xml,*/*;q=0.8"
	for _, c := range []struct {
		method, target, accept string
		status                 int
		page                   bool
	}{
		{"GET", "/nowhere", browser, 404, true},
		{"GET", "/nowhere", "", 404, false},
		{"GET", "/v1/nowhere", browser, 404, false},
		{"GET", "/static/", browser, 404, true},
		{"GET", "/static/", "", 404, false},
		{"GET", "/static", browser, http.StatusTemporaryRedirect, false},
		{"GET", "/static/nope.css", browser, 404, true},
		{"GET", "/static/app.js", browser, 200, false},
	} {
		res, body := s.page(t, c.method, c.target, "", nil, "Accept", c.accept)
		ct := res.Header.Get("Content-Type")
		if res.StatusCode != c.status {
			t.Errorf("%s %s (Accept %q) = %d, want %d", c.method, c.target, c.accept, res.StatusCode, c.status)
		}
		if c.page && (!strings.HasPrefix(ct, "text/html") || !strings.Contains(body, `<a href="/">Back to the home page</a>`) || res.Header.Get("Content-Security-Policy") == "") {
			t.Errorf("%s %s: %s, want the HTML error page with a way back and the CSP", c.method, c.target, ct)
		}
		if !c.page && c.status == 404 && ct != "application/problem+json" {
			t.Errorf("%s %s (Accept %q): %s, want problem+json", c.method, c.target, c.accept, ct)
		}
		if strings.Contains(body, "app.js</a>") {
			t.Errorf("%s %s lists files", c.method, c.target)
		}
	}
	// A form from another site: the HTML 403 page.
	res, body := s.page(t, "POST", "/signout", "", url.Values{}, "Sec-Fetch-Site", "cross-site")
	if res.StatusCode != 403 || !strings.Contains(body, "Back to the home page") || res.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("cross-site POST = %d, want the HTML 403 page", res.StatusCode)
	}
}
