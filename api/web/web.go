// Package web serves the web pages: server-rendered HTML for people, over
// the same engine and store as the JSON API (package api), whose parameter
// checks, error table and votes export it shares. Every page reads without
// JavaScript; static/app.js only adds small conveniences.
//
// A signed-in browser carries the user's API token in an HttpOnly cookie
// (sessionCookie). The token never appears in a page: forms carry a CSRF
// token, an HMAC of the cookie under a key made at start-up, and every
// POST must also pass http.CrossOriginProtection (Sec-Fetch-Site/Origin).
package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
)

//go:embed *.html static
var files embed.FS

const (
	sessionCookie = "paperhound_session"
	sessionMaxAge = 30 * 24 * time.Hour
	// pageLimit is how many papers a list page shows.
	pageLimit = 20
)

// Site holds what the pages need.
type Site struct {
	engine  *recommend.Engine
	store   *schema.Store // users and their tokens, feed keys
	log     *slog.Logger
	pages   map[string]*template.Template
	csrfKey []byte
}

// New returns the web pages over engine and store; api.Handler serves them
// next to the JSON API.
func New(engine *recommend.Engine, store *schema.Store, log *slog.Logger) *Site {
	s := &Site{engine: engine, store: store, log: log, csrfKey: make([]byte, 32), pages: parsePages()}
	_, _ = rand.Read(s.csrfKey) // never fails (crypto/rand)
	return s
}

// Routes registers every page and the static files.
func (s *Site) Routes(mux *http.ServeMux) {
	static, _ := fs.Sub(files, "static")
	staticFiles := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		staticFiles.ServeHTTP(w, r)
	}))

	cop := http.NewCrossOriginProtection()
	page := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, cop.Handler(securityHeaders(h)))
	}
	page("GET /{$}", s.home)
	page("GET /papers/{id}", s.paperPage)
	page("POST /papers/{id}/vote", s.votePost)
	page("GET /search", s.searchPage)
	page("POST /search", s.searchPage)
	page("GET /me", s.mePage)
	page("GET /me/votes.jsonl", s.meExport)
	page("POST /me/feed-key", s.meFeedKey)
	page("GET /signin", s.signinPage)
	page("POST /signin", s.signinPost)
	page("POST /signout", s.signoutPost)
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
			ParseFS(files, "layout.html", "card.html", name+".html"))
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
func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	var buf bytes.Buffer
	if err := s.pages[name].Execute(&buf, v); err != nil {
		s.log.Error("render page", "page", name, "err", err)
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
func (s *Site) session(r *http.Request) (session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return session{}, nil
	}
	u, err := s.store.UserByToken(r.Context(), c.Value)
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
func (s *Site) csrf(sess session) string {
	mac := hmac.New(sha256.New, s.csrfKey)
	mac.Write([]byte("csrf\x00" + sess.token))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (s *Site) checkCSRF(r *http.Request, sess session) bool {
	got := r.PostFormValue("csrf")
	want := s.csrf(sess)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// newView starts a page's view with who is signed in.
func (s *Site) newView(r *http.Request, sess session, title, nav string) view {
	v := view{Title: title, User: sess.user, Path: r.URL.RequestURI(), Nav: nav}
	if sess.user != "" {
		v.CSRF = s.csrf(sess)
	}
	return v
}

func (s *Site) errorPage(w http.ResponseWriter, r *http.Request, sess session, status int, msg string) {
	v := s.newView(r, sess, http.StatusText(status), "")
	v.Message = msg
	s.render(w, r, status, "error", v)
}

// failPage answers an engine error with the error page of its status
// (api.ErrorStatus, the table the JSON API uses too).
func (s *Site) failPage(w http.ResponseWriter, r *http.Request, sess session, err error) {
	status, msg := api.ErrorStatus(s.log, r, err)
	s.errorPage(w, r, sess, status, msg)
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
func (s *Site) home(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	data := struct {
		Feed  bool
		Days  int
		Cards []card
	}{}
	q := r.URL.Query().Get("days")
	if sess.user != "" && q == "" {
		recs, err := s.engine.Feed(r.Context(), sess.user, recommend.FeedOptions{Limit: pageLimit})
		if err != nil {
			s.failPage(w, r, sess, err)
			return
		}
		data.Feed = true
		for _, rec := range recs {
			c := plainCard(rec.Paper)
			c.Because, c.Trending = rec.Because, rec.Trending
			data.Cards = append(data.Cards, c)
		}
		v := s.newView(r, sess, "Your papers", "home")
		v.Data = data
		s.render(w, r, http.StatusOK, "home", v)
		return
	}
	if data.Days, err = api.ParseDays(q); err != nil {
		s.errorPage(w, r, sess, http.StatusBadRequest, err.Error())
		return
	}
	results, err := s.engine.Trending(r.Context(), recommend.TrendingOptions{Days: data.Days, Limit: pageLimit})
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	for _, res := range results {
		data.Cards = append(data.Cards, plainCard(res.Paper))
	}
	v := s.newView(r, sess, "Trending papers", "home")
	v.Data = data
	s.render(w, r, http.StatusOK, "home", v)
}

// paperPage shows a paper, the user's vote on it and similar papers.
func (s *Site) paperPage(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	id := r.PathValue("id")
	p, err := s.engine.Paper(r.Context(), id)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	similar, err := s.engine.Similar(r.Context(), id, recommend.Options{Limit: 10})
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	data := struct {
		Paper   paperhound.Paper
		Vote    int
		Similar []card
	}{Paper: p}
	if sess.user != "" {
		if data.Vote, err = s.voteOn(r.Context(), sess.user, id); err != nil {
			s.failPage(w, r, sess, err)
			return
		}
	}
	for _, res := range similar {
		data.Similar = append(data.Similar, plainCard(res.Paper))
	}
	v := s.newView(r, sess, p.Title, "")
	v.Data = data
	s.render(w, r, http.StatusOK, "paper", v)
}

func (s *Site) voteOn(ctx context.Context, user, paper string) (int, error) {
	votes, err := s.engine.Votes(ctx, user)
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
func (s *Site) votePost(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedInPost(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	var err error
	switch r.PostFormValue("action") {
	case "up":
		err = s.engine.Vote(r.Context(), sess.user, id, 1)
	case "hide":
		err = s.engine.Vote(r.Context(), sess.user, id, -1)
	case "unup":
		err = s.engine.Unvote(r.Context(), sess.user, id, 1)
	case "unhide":
		err = s.engine.Unvote(r.Context(), sess.user, id, -1)
	default:
		s.errorPage(w, r, sess, http.StatusBadRequest, "action must be up, hide, unup or unhide")
		return
	}
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next"), "/papers/"+url.PathEscape(id)), http.StatusSeeOther)
}

// signedIn is the session of a page for signed-in users only (those under
// /me): without one it sends the browser to sign in, and returns false.
func (s *Site) signedIn(w http.ResponseWriter, r *http.Request) (session, bool) {
	sess, err := s.session(r)
	if err != nil {
		s.failPage(w, r, sess, err)
		return sess, false
	}
	if sess.user == "" {
		http.Redirect(w, r, "/signin?next=/me", http.StatusSeeOther)
		return sess, false
	}
	return sess, true
}

// signedInPost reads a POST's form and lets it through when it comes from
// a signed-in user's page: 303 to sign in without a session, 403 without
// the session's CSRF token.
func (s *Site) signedInPost(w http.ResponseWriter, r *http.Request) (session, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, api.MaxBody)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, session{}, http.StatusBadRequest, "the form could not be read")
		return session{}, false
	}
	sess, err := s.session(r)
	if err != nil {
		s.failPage(w, r, sess, err)
		return sess, false
	}
	if sess.user == "" {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(localPath(r.PostFormValue("next"), "/")), http.StatusSeeOther)
		return sess, false
	}
	if !s.checkCSRF(r, sess) {
		s.errorPage(w, r, sess, http.StatusForbidden, "this form is out of date or came from another site: reload the page and try again")
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
func (s *Site) searchPage(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	text := r.URL.Query().Get("q")
	data := struct {
		Q, Draft string
		Searched bool
		Cards    []card
	}{Q: text}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, api.MaxBody)
		if err := r.ParseForm(); err != nil {
			s.errorPage(w, r, sess, http.StatusRequestEntityTooLarge, fmt.Sprintf("the draft is over %d bytes", api.MaxBody))
			return
		}
		text = r.PostFormValue("text")
		data.Q, data.Draft = "", text
	}
	if strings.TrimSpace(text) != "" {
		results, err := s.engine.Search(r.Context(), text, recommend.Options{Limit: pageLimit})
		if err != nil {
			s.failPage(w, r, sess, err)
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
	v := s.newView(r, sess, "Related work", "search")
	if data.Q != "" {
		v.Title = data.Q + " – related work"
	}
	v.Data = data
	s.render(w, r, http.StatusOK, "search", v)
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
// whose hyphenated parts are. A plain lowercase match: the web pages
// don't know the embedder's tokenizer.
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

func (s *Site) signinPage(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	v := s.newView(r, sess, "Sign in", "signin")
	v.Data = localPath(r.URL.Query().Get("next"), "/")
	s.render(w, r, http.StatusOK, "signin", v)
}

// signinPost checks the token and keeps it in the session cookie. Login
// CSRF is stopped by CrossOriginProtection: there is no session yet to
// tie a form token to.
func (s *Site) signinPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, session{}, http.StatusBadRequest, "the form could not be read")
		return
	}
	next := localPath(r.PostFormValue("next"), "/")
	token := strings.TrimSpace(r.PostFormValue("token"))
	u, err := s.store.UserByToken(r.Context(), token)
	if token == "" || errors.Is(err, paperhound.ErrNotFound) {
		v := s.newView(r, session{}, "Sign in", "signin")
		v.Message = "That token is not valid: it may have been replaced by a newer one (paperhound users add NAME prints one)."
		v.Data = next
		s.render(w, r, http.StatusUnauthorized, "signin", v)
		return
	}
	if err != nil {
		s.failPage(w, r, session{}, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		MaxAge: int(sessionMaxAge / time.Second), HttpOnly: true, Secure: secure(r),
		SameSite: http.SameSiteLaxMode,
	})
	s.log.Info("signed in", "user", u.Name)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Site) signoutPost(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.signedInPost(w, r); !ok {
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
