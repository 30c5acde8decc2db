// Package web serves the web pages: server-rendered HTML for people, over
// the same engine and store as the JSON API (package api), whose parameter
// checks, error table and votes export it shares. Every page reads without
// JavaScript; static/app.js only adds small conveniences.
//
// A signed-in browser carries a session's secret in an HttpOnly cookie
// (sessionCookie); the API token it signed in with is never kept. Forms
// carry a CSRF token, an HMAC of the session's secret under a key made at
// start-up, and every POST must also pass http.CrossOriginProtection
// (Sec-Fetch-Site/Origin).
package web

import (
	"bytes"
	"crypto/rand"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
)

//go:embed *.html static
var files embed.FS

// pageLimit is how many papers a list page shows.
const pageLimit = 20

// Site holds what the pages need.
type Site struct {
	engine  *recommend.Engine
	store   *schema.Store // users and their tokens, feed keys, web sessions
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
func (s *Site) Routes(mux api.Mux) {
	static, _ := fs.Sub(files, "static")
	// Files only: a directory (/static/ itself) is not found rather than
	// listed.
	mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if info, err := fs.Stat(static, name); err != nil || info.IsDir() || name == "" {
			s.notFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.ServeFileFS(w, r, static, name)
	}))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, session{}, http.StatusForbidden, "This form was sent from another site, so it was refused. Go back, reload the page and try again.")
	})))
	page := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, cop.Handler(securityHeaders(h)))
	}
	page("GET /{$}", s.home)
	page("GET /papers/{id}", s.paperPage)
	page("POST /papers/{id}/vote", s.votePost)
	page("POST /papers/{id}/file", s.filePost)
	page("POST /papers/{id}/unfile", s.unfilePost)
	page("GET /search", s.searchPage)
	page("POST /search", s.searchPage)
	page("GET /me", s.mePage)
	page("GET /me/votes.jsonl", s.meExport)
	page("POST /me/feed-key", s.meFeedKey)
	page("POST /me/sessions/{id}/revoke", s.meRevokeSession)
	page("GET /collections", s.collectionsPage)
	page("POST /collections", s.createCollection)
	page("GET /collections/{id}", s.collectionPage)
	page("POST /collections/{id}/rename", s.renameCollection)
	page("POST /collections/{id}/delete", s.deleteCollection)
	page("POST /collections/{id}/feed-key", s.collectionFeedKey)
	page("POST /me/reading-list", s.meReadingList)
	page("GET /signin", s.signinPage)
	page("POST /signin", s.signinPost)
	page("POST /signout", s.signoutPost)
}

// ErrorPage is the error page api.Handler shows a browser for a path no
// route serves, or a panic (api.PageRouter).
func (s *Site) ErrorPage(w http.ResponseWriter, r *http.Request, status int, detail string) {
	securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, _ := s.session(r) // the store failing, the page still shows, signed out
		s.errorPage(w, r, sess, status, detail)
	})).ServeHTTP(w, r)
}

// notFound answers a browser with the 404 page and anything else with the
// API's problem.
func (s *Site) notFound(w http.ResponseWriter, r *http.Request) {
	if api.WantsPage(r) {
		s.ErrorPage(w, r, http.StatusNotFound, fmt.Sprintf("There is no page at %s.", r.URL.Path))
		return
	}
	api.NotFound(w, r)
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
		// shortAuthors is a card's: the first three, then "et al.".
		"shortAuthors": func(a []string) string {
			if len(a) > 3 {
				return strings.Join(a[:3], ", ") + " et al."
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
		"maxCollectionName": func() int { return paperhound.MaxCollectionName },
		"matchedBy": func(by string) string {
			return map[string]string{"arxiv": "arXiv id", "doi": "DOI", "title": "title"}[by]
		},
		"when": func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		"iso": func(d paperhound.Date) string {
			if d.IsZero() {
				return ""
			}
			return d.Format("2006-01-02")
		},
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"home", "paper", "search", "me", "readinglist", "signin", "error", "collections", "collection"} {
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(files, "layout.html", "card.html", "filing.html", name+".html"))
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
