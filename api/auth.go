package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/paperhound/paperhound"
)

// Who may do what:
//
//   - a user's API token (paperhound users add) acts for that user only:
//     their votes, their feed;
//   - the admin token (--admin-token) acts for every user, and alone adds
//     papers;
//   - a feed key (POST /v1/users/{user}/feed-key) reads that user's Atom
//     feeds (the whole feed's and each collection's) and nothing else;
//   - similar papers, search and trending need nothing.
//
// Tokens come as "Authorization: Bearer TOKEN". No token or a wrong one is
// 401; a valid token acting for someone else is 403. Each route declares
// which rule it follows in the route table (api.go) with the middleware
// below: actingFor, adminOnly, feedReader.

// Option configures the API.
type Option func(*Server)

// WithAdminToken sets the token that acts for every user. Without it, or
// with "", nothing is allowed that needs an admin.
func WithAdminToken(token string) Option {
	return func(s *Server) { s.adminToken = token }
}

// caller is who a request's token says it is.
type caller struct {
	admin bool
	user  string
}

// bearer returns the token of an "Authorization: Bearer" header, or "".
func bearer(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// isAdmin compares in constant time: the admin token is the one secret
// compared rather than looked up.
func (s *Server) isAdmin(token string) bool {
	if s.adminToken == "" || token == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(token)), sha256.Sum256([]byte(s.adminToken))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// authenticate finds who the request's bearer token belongs to. When there
// is none, or nobody has it, it answers 401 and returns false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (caller, bool) {
	token := bearer(r)
	if token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="paperhound"`)
		problem(w, r, http.StatusUnauthorized, "this needs an API token: send \"Authorization: Bearer TOKEN\" (paperhound users add NAME prints one)")
		return caller{}, false
	}
	if s.isAdmin(token) {
		return caller{admin: true}, true
	}
	u, err := s.store.UserByToken(r.Context(), token)
	if errors.Is(err, paperhound.ErrNotFound) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="paperhound", error="invalid_token"`)
		problem(w, r, http.StatusUnauthorized, "the API token is not valid: it may have been replaced by a newer one")
		return caller{}, false
	}
	if err != nil {
		s.fail(w, r, err)
		return caller{}, false
	}
	return caller{user: u.Name}, true
}

// actFor says whether the request's token may act for user: that user's
// own, or the admin's for a user that exists. Otherwise it answers 401,
// 403 or 404 and returns false.
func (s *Server) actFor(w http.ResponseWriter, r *http.Request, user string) bool {
	c, ok := s.authenticate(w, r)
	if !ok {
		return false
	}
	if c.admin {
		if _, err := s.store.User(r.Context(), user); err != nil {
			s.fail(w, r, err)
			return false
		}
		return true
	}
	if c.user != user {
		// Whether user exists is not the caller's business.
		problem(w, r, http.StatusForbidden, fmt.Sprintf("this token acts for user %q only", c.user))
		return false
	}
	return true
}

// actingFor lets a request through to next when its token may act for the
// {user} of its path (actFor).
func (s *Server) actingFor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.actFor(w, r, r.PathValue("user")) {
			next.ServeHTTP(w, r)
		}
	})
}

// adminOnly lets a request through to next when it carries the admin token.
func (s *Server) adminOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		if !c.admin {
			problem(w, r, http.StatusForbidden, "only the admin token (--admin-token) may do this")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// feedReader lets a request through to next when it may read an Atom feed
// of the {user} of its path: with that user's feed key in ?key=, since feed
// readers can't send headers, or with a token that may act for the user.
func (s *Server) feedReader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := r.PathValue("user")
		switch key := r.URL.Query().Get("key"); {
		case key != "":
			ok, err := s.store.CheckFeedKey(r.Context(), user, key)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="paperhound"`)
				problem(w, r, http.StatusUnauthorized, fmt.Sprintf("the feed key is not valid for this feed: it may have been replaced; POST /v1/users/%s/feed-key issues a new one", url.PathEscape(user)))
				return
			}
		case bearer(r) != "":
			if !s.actFor(w, r, user) {
				return
			}
		default:
			w.Header().Set("WWW-Authenticate", `Bearer realm="paperhound"`)
			problem(w, r, http.StatusUnauthorized, fmt.Sprintf("this feed needs its key: add ?key=FEED_KEY (POST /v1/users/%s/feed-key issues one)", url.PathEscape(user)))
			return
		}
		next.ServeHTTP(w, r)
	})
}
