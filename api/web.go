package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	stdembed "embed" // not our embed package: api must not depend on it
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/recommend"
)

// The web pages: server-rendered HTML for people, over the same engine as
// the JSON API. Every page reads without JavaScript; web/static/app.js
// only adds small conveniences.
//
// A signed-in browser carries the user's API token in an HttpOnly cookie
// (sessionCookie). The token never appears in a page: forms carry a CSRF
// token, an HMAC of the cookie under a key made at start-up, and every
// POST must also pass http.CrossOriginProtection (Sec-Fetch-Site/Origin).

//go:embed web
var webFiles stdembed.FS

const (
	sessionCookie = "paperhound_session"
	sessionMaxAge = 30 * 24 * time.Hour
	// pageLimit is how many papers a list page shows.
	pageLimit = 20
)

// web holds what the pages need besides the Server.
type web struct {
	*Server
	pages   map[string]*template.Template
	csrfKey []byte
}

// webRoutes registers the pages on mux. Called once from New.
func (s *Server) webRoutes(mux *http.ServeMux) {
	wb := &web{Server: s, csrfKey: make([]byte, 32)}
	_, _ = rand.Read(wb.csrfKey) // never fails (crypto/rand)
	wb.pages = parsePages()

	static, _ := fs.Sub(webFiles, "web/static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))

	cop := http.NewCrossOriginProtection()
	page := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, cop.Handler(securityHeaders(h)))
	}
	page("GET /{$}", wb.home)
	page("GET /papers/{id}", wb.paperPage)
	page("POST /papers/{id}/vote", wb.votePost)
	page("GET /search", wb.searchPage)
	page("POST /search", wb.searchPage)
	page("GET /me", wb.mePage)
	page("GET /me/votes.jsonl", wb.meExport)
	page("POST /me/feed-key", wb.meFeedKey)
	page("GET /signin", wb.signinPage)
	page("POST /signin", wb.signinPost)
	page("POST /signout", wb.signoutPost)
}

// securityHeaders keeps the pages out of frames and scripts to our own.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"paperURL": func(id string) string { return "/papers/" + url.PathEscape(id) },
		"authors": func(a []string) string {
			if len(a) > 6 {
				return strings.Join(a[:6], ", ") + fmt.Sprintf(" and %d more", len(a)-6)
			}
			return strings.Join(a, ", ")
		},
		"date": func(d paperhound.Date) string {
			if d.IsZero() {
				return ""
			}
			return d.Format("2 Jan 2006")
		},
		// dict passes several values to a sub-template: dict "K" v "K2" v2.
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
		"iso": func(d paperhound.Date) string {
			if d.IsZero() {
				return ""
			}
			return d.Format("2006-01-02")
		},
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"home", "paper", "search", "me", "signin", "error"} {
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(webFiles, "web/layout.html", "web/card.html", "web/"+name+".html"))
	}
	return pages
}

// view is what every page template gets.
type view struct {
	Title   string
	User    string // signed-in user, or ""
	CSRF    string
	Path    string // this page's path and query, to come back to after a POST
	Nav     string
	Data    any
	Message string
}

// render writes a page, or a plain 500 when its template fails: the
// page goes to a buffer first so a failure never sends half of one.
func (wb *web) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	var buf bytes.Buffer
	if err := wb.pages[name].Execute(&buf, v); err != nil {
		wb.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error; the server log has the details", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // pages differ per user
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// session is the signed-in user of a request, if any.
type session struct {
	user  string
	token string
}

// session reads the cookie and checks its token. A cookie whose token no
// longer works (replaced, user gone) reads as signed out.
func (wb *web) session(r *http.Request) (session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return session{}, nil
	}
	u, err := wb.engine.UserByToken(r.Context(), c.Value)
	if errors.Is(err, paperhound.ErrNotFound) {
		return session{}, nil
	}
	if err != nil {
		return session{}, err
	}
	return session{user: u.Name, token: c.Value}, nil
}

// csrf is the form token of a session: an HMAC of its cookie, so it
// proves the form came from one of our pages to this browser without
// showing the API token.
func (wb *web) csrf(sess session) string {
	mac := hmac.New(sha256.New, wb.csrfKey)
	mac.Write([]byte("csrf\x00" + sess.token))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (wb *web) checkCSRF(r *http.Request, sess session) bool {
	got := r.PostFormValue("csrf")
	want := wb.csrf(sess)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// newView starts a page's view with who is signed in.
func (wb *web) newView(r *http.Request, sess session, title, nav string) view {
	v := view{Title: title, User: sess.user, Path: r.URL.RequestURI(), Nav: nav}
	if sess.user != "" {
		v.CSRF = wb.csrf(sess)
	}
	return v
}

func (wb *web) errorPage(w http.ResponseWriter, r *http.Request, sess session, status int, msg string) {
	v := wb.newView(r, sess, http.StatusText(status), "")
	v.Message = msg
	wb.render(w, r, status, "error", v)
}

// failPage maps an engine error like fail does, as a page.
func (wb *web) failPage(w http.ResponseWriter, r *http.Request, sess session, err error) {
	switch {
	case errors.Is(err, paperhound.ErrNotFound):
		wb.errorPage(w, r, sess, http.StatusNotFound, err.Error())
	case errors.Is(err, paperhound.ErrInvalid):
		wb.errorPage(w, r, sess, http.StatusBadRequest, err.Error())
	case errors.Is(err, r.Context().Err()):
		wb.errorPage(w, r, sess, http.StatusServiceUnavailable, "the request was cancelled or timed out")
	default:
		wb.log.Error("page failed", "path", r.URL.Path, "err", err)
		wb.errorPage(w, r, sess, http.StatusInternalServerError, "internal error; the server log has the details")
	}
}

// card is one paper in a list.
type card struct {
	Paper    paperhound.Paper
	Title    []segment // the title, with words matching a search marked
	Because  []recommend.Reason
	Trending bool
	VotedAt  time.Time
	Vote     int // on /me: 1 upvoted, -1 hidden
}

type segment struct {
	Text string
	Mark bool
}

func plainCard(p paperhound.Paper) card {
	return card{Paper: p, Title: []segment{{Text: p.Title}}}
}

// home shows the signed-in user's feed, or trending papers (also when
// ?days= is given).
func (wb *web) home(w http.ResponseWriter, r *http.Request) {
	sess, err := wb.session(r)
	if err != nil {
		wb.failPage(w, r, sess, err)
		return
	}
	data := struct {
		Feed  bool
		Days  int
		Cards []card
	}{}
	q := r.URL.Query().Get("days")
	if sess.user != "" && q == "" {
		recs, err := wb.engine.Feed(r.Context(), sess.user, recommend.FeedOptions{Limit: pageLimit})
		if err != nil {
			wb.failPage(w, r, sess, err)
			return
		}
		data.Feed = true
		for _, rec := range recs {
			c := plainCard(rec.Paper)
			c.Because, c.Trending = rec.Because, rec.Trending
			data.Cards = append(data.Cards, c)
		}
		v := wb.newView(r, sess, "Your papers", "home")
		v.Data = data
		wb.render(w, r, http.StatusOK, "home", v)
		return
	}
	data.Days = defaultTrendingDays
	if q != "" {
		d, err := strconv.Atoi(q)
		if err != nil || d < 1 || d > recommend.MaxTrendingDays {
			wb.errorPage(w, r, sess, http.StatusBadRequest, fmt.Sprintf("days must be a whole number from 1 to %d", recommend.MaxTrendingDays))
			return
		}
		data.Days = d
	}
	results, err := wb.engine.Trending(r.Context(), recommend.TrendingOptions{Days: data.Days, Limit: pageLimit})
	if err != nil {
		wb.failPage(w, r, sess, err)
		return
	}
	for _, res := range results {
		data.Cards = append(data.Cards, plainCard(res.Paper))
	}
	v := wb.newView(r, sess, "Trending papers", "home")
	v.Data = data
	wb.render(w, r, http.StatusOK, "home", v)
}

// paperPage shows a paper, the user's vote on it and similar papers.
func (wb *web) paperPage(w http.ResponseWriter, r *http.Request) {
	sess, err := wb.session(r)
	if err != nil {
		wb.failPage(w, r, sess, err)
		return
	}
	id := r.PathValue("id")
	p, err := wb.engine.Paper(r.Context(), id)
	if err != nil {
		wb.failPage(w, r, sess, err)
		return
	}
	similar, err := wb.engine.Similar(r.Context(), id, recommend.Options{Limit: 10})
	if err != nil {
		wb.failPage(w, r, sess, err)
		return
	}
	data := struct {
		Paper   paperhound.Paper
		Vote    int
		Similar []card
	}{Paper: p}
	if sess.user != "" {
		if data.Vote, err = wb.voteOn(r.Context(), sess.user, id); err != nil {
			wb.failPage(w, r, sess, err)
			return
		}
	}
	for _, res := range similar {
		data.Similar = append(data.Similar, plainCard(res.Paper))
	}
	v := wb.newView(r, sess, p.Title, "")
	v.Data = data
	wb.render(w, r, http.StatusOK, "paper", v)
}

func (wb *web) voteOn(ctx context.Context, user, paper string) (int, error) {
	votes, err := wb.engine.Votes(ctx, user)
	if err != nil {
		return 0, err
	}
	for _, v := range votes {
		if v.Paper == paper {
			return v.Value, nil
		}
	}
	return 0, nil
}

// votePost answers the upvote and hide buttons: action is up, hide,
// unup or unhide; then back to next (a local path) or the paper.
func (wb *web) votePost(w http.ResponseWriter, r *http.Request) {
	sess, ok := wb.signedInPost(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	var err error
	switch r.PostFormValue("action") {
	case "up":
		err = wb.engine.Vote(r.Context(), sess.user, id, 1)
	case "hide":
		err = wb.engine.Vote(r.Context(), sess.user, id, -1)
	case "unup":
		err = wb.engine.Unvote(r.Context(), sess.user, id, 1)
	case "unhide":
		err = wb.engine.Unvote(r.Context(), sess.user, id, -1)
	default:
		wb.errorPage(w, r, sess, http.StatusBadRequest, "action must be up, hide, unup or unhide")
		return
	}
	if err != nil {
		wb.failPage(w, r, sess, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next"), "/papers/"+url.PathEscape(id)), http.StatusSeeOther)
}

// signedInPost reads a POST's form and lets it through when it comes from
// a signed-in user's page: 303 to sign in without a session, 403 without
// the session's CSRF token.
func (wb *web) signedInPost(w http.ResponseWriter, r *http.Request) (session, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		wb.errorPage(w, r, session{}, http.StatusBadRequest, "the form could not be read")
		return session{}, false
	}
	sess, err := wb.session(r)
	if err != nil {
		wb.failPage(w, r, sess, err)
		return sess, false
	}
	if sess.user == "" {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(localPath(r.PostFormValue("next"), "/")), http.StatusSeeOther)
		return sess, false
	}
	if !wb.checkCSRF(r, sess) {
		wb.errorPage(w, r, sess, http.StatusForbidden, "this form is out of date or came from another site: reload the page and try again")
		return sess, false
	}
	return sess, true
}

// localPath is next when it is a path on this site, else fallback: never
// an open redirect.
func localPath(next, fallback string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return next
}

// searchPage is related-work lookup: ?q= from the search box, or a draft
// abstract POSTed from the textarea. Searching changes nothing, so it
// needs no session.
func (wb *web) searchPage(w http.ResponseWriter, r *http.Request) {
	sess, err := wb.session(r)
	if err != nil {
		wb.failPage(w, r, sess, err)
		return
	}
	text := r.URL.Query().Get("q")
	data := struct {
		Q, Draft string
		Searched bool
		Cards    []card
	}{Q: text}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			wb.errorPage(w, r, sess, http.StatusRequestEntityTooLarge, fmt.Sprintf("the draft is over %d bytes", maxBody))
			return
		}
		text = r.PostFormValue("text")
		data.Q, data.Draft = "", text
	}
	if strings.TrimSpace(text) != "" {
		results, err := wb.engine.Search(r.Context(), text, recommend.Options{Limit: pageLimit})
		if err != nil {
			wb.failPage(w, r, sess, err)
			return
		}
		data.Searched = true
		words := queryWords(text)
		for _, res := range results {
			c := plainCard(res.Paper)
			c.Title = highlight(res.Paper.Title, words)
			data.Cards = append(data.Cards, c)
		}
	}
	v := wb.newView(r, sess, "Related work", "search")
	if data.Q != "" {
		v.Title = data.Q + " – related work"
	}
	v.Data = data
	wb.render(w, r, http.StatusOK, "search", v)
}

// stopWords are never highlighted: they match every title.
var stopWords = map[string]bool{
	"a": true, "an": true, "and": true, "the": true, "of": true, "for": true, "in": true, "on": true,
	"to": true, "with": true, "by": true, "via": true, "is": true, "are": true, "we": true, "as": true,
	"at": true, "from": true, "or": true, "our": true, "this": true, "that": true, "be": true, "it": true,
}

// wordOf is the lowercase letters and digits of a word.
func wordOf(s string) string {
	return strings.ToLower(strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
}

// queryWords is the set of words of a query worth highlighting.
func queryWords(text string) map[string]bool {
	words := map[string]bool{}
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' }) {
		for _, part := range append([]string{f}, strings.Split(f, "-")...) {
			if w := wordOf(part); w != "" && !stopWords[w] {
				words[w] = true
			}
		}
	}
	return words
}

// highlight splits title into segments, marking the words (whitespace
// separated, ignoring punctuation and case) found in words, or a word
// whose hyphenated parts are. A plain lowercase match: the api package
// doesn't know the embedder's tokenizer.
func highlight(title string, words map[string]bool) []segment {
	var out []segment
	add := func(text string, mark bool) {
		if n := len(out); n > 0 && out[n-1].Mark == mark {
			out[n-1].Text += text
			return
		}
		out = append(out, segment{Text: text, Mark: mark})
	}
	rest := title
	for rest != "" {
		i := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			add(rest, false)
			break
		}
		add(rest[:i], false)
		rest = rest[i:]
		j := strings.IndexFunc(rest, unicode.IsSpace)
		if j < 0 {
			j = len(rest)
		}
		tok := rest[:j]
		rest = rest[j:]
		match := words[wordOf(tok)]
		for _, part := range strings.Split(tok, "-") {
			match = match || words[wordOf(part)]
		}
		add(tok, match)
	}
	return out
}

// mePage lists the user's upvoted and hidden papers.
func (wb *web) mePage(w http.ResponseWriter, r *http.Request) {
	wb.me(w, r, "")
}

func (wb *web) me(w http.ResponseWriter, r *http.Request, feedURL string) {
	sess, err := wb.session(r)
	if err != nil {
		wb.failPage(w, r, sess, err)
		return
	}
	if sess.user == "" {
		http.Redirect(w, r, "/signin?next=/me", http.StatusSeeOther)
		return
	}
	data := struct {
		Upvoted, Hidden []card
		FeedURL         string
		APIExport       string
	}{FeedURL: feedURL, APIExport: "/v1/users/" + url.PathEscape(sess.user) + "/votes.jsonl"}
	for _, value := range []int{1, -1} {
		voted, err := wb.engine.VotedPapers(r.Context(), sess.user, value)
		if err != nil {
			wb.failPage(w, r, sess, err)
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
	v := wb.newView(r, sess, "My papers", "me")
	v.Path = "/me"
	v.Data = data
	wb.render(w, r, http.StatusOK, "me", v)
}

// meExport is the votes export for a browser, which can't send the
// bearer header GET /v1/users/{user}/votes.jsonl wants: the session's
// token stands in for it.
func (wb *web) meExport(w http.ResponseWriter, r *http.Request) {
	sess, err := wb.session(r)
	if err != nil {
		wb.failPage(w, r, sess, err)
		return
	}
	if sess.user == "" {
		http.Redirect(w, r, "/signin?next=/me", http.StatusSeeOther)
		return
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+sess.token)
	r2.SetPathValue("user", sess.user)
	w.Header().Set("Content-Disposition", `attachment; filename="`+sess.user+`-votes.jsonl"`)
	wb.exportVotes(w, r2)
}

// meFeedKey issues a new Atom feed key and shows its URL once: only its
// hash is stored, so it can't be shown again.
func (wb *web) meFeedKey(w http.ResponseWriter, r *http.Request) {
	sess, ok := wb.signedInPost(w, r)
	if !ok {
		return
	}
	key, err := wb.engine.IssueFeedKey(r.Context(), sess.user)
	if err != nil {
		wb.failPage(w, r, sess, err)
		return
	}
	wb.me(w, r, baseURL(r)+"/v1/users/"+url.PathEscape(sess.user)+"/feed.atom?key="+url.QueryEscape(key))
}

func (wb *web) signinPage(w http.ResponseWriter, r *http.Request) {
	sess, err := wb.session(r)
	if err != nil {
		wb.failPage(w, r, sess, err)
		return
	}
	v := wb.newView(r, sess, "Sign in", "signin")
	v.Data = localPath(r.URL.Query().Get("next"), "/")
	wb.render(w, r, http.StatusOK, "signin", v)
}

// signinPost checks the token and keeps it in the session cookie. Login
// CSRF is stopped by CrossOriginProtection: there is no session yet to
// tie a form token to.
func (wb *web) signinPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		wb.errorPage(w, r, session{}, http.StatusBadRequest, "the form could not be read")
		return
	}
	next := localPath(r.PostFormValue("next"), "/")
	token := strings.TrimSpace(r.PostFormValue("token"))
	u, err := wb.engine.UserByToken(r.Context(), token)
	if token == "" || errors.Is(err, paperhound.ErrNotFound) {
		v := wb.newView(r, session{}, "Sign in", "signin")
		v.Message = "That token is not valid: it may have been replaced by a newer one (paperhound users add NAME prints one)."
		v.Data = next
		wb.render(w, r, http.StatusUnauthorized, "signin", v)
		return
	}
	if err != nil {
		wb.failPage(w, r, session{}, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		MaxAge: int(sessionMaxAge / time.Second), HttpOnly: true, Secure: secure(r),
		SameSite: http.SameSiteLaxMode,
	})
	wb.log.Info("signed in", "user", u.Name)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (wb *web) signoutPost(w http.ResponseWriter, r *http.Request) {
	if _, ok := wb.signedInPost(w, r); !ok {
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// secure says whether the client reached us over TLS, directly or
// through a proxy that says so.
func secure(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}
