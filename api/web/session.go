package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/api"
)

// Sessions: signing in with an API token makes a web session (in the
// store), whose random secret the HttpOnly cookie carries; the API token
// never leaves the sign-in form. Signing out or revoking a session on /me
// deletes it, so its cookie, kept or copied, no longer works. Forms carry a
// CSRF token derived from the session's secret.

const (
	sessionCookie = "paperhound_session"
	// sessionMaxAge is how long a session lasts from sign-in, used or not:
	// a fixed end, so the cookie's Max-Age and the store agree.
	sessionMaxAge = 30 * 24 * time.Hour
)

// session is the signed-in user of a request, if any.
type session struct {
	user   string
	id     int64  // the store's id of the session
	secret string // the cookie's value
}

// session reads the cookie and checks its session. A session that was
// signed out, revoked or expired reads as signed out.
func (s *Site) session(r *http.Request) (session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return session{}, nil
	}
	stored, err := s.store.UseSession(r.Context(), c.Value)
	if errors.Is(err, paperhound.ErrNotFound) {
		return session{}, nil
	}
	if err != nil {
		return session{}, err
	}
	return session{user: stored.User, id: stored.ID, secret: c.Value}, nil
}

// csrf is the form token of a session: an HMAC of its secret, so it
// proves the form came from one of our pages to this browser without
// showing the secret.
func (s *Site) csrf(sess session) string {
	mac := hmac.New(sha256.New, s.csrfKey)
	mac.Write([]byte("csrf\x00" + sess.secret))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (s *Site) checkCSRF(r *http.Request, sess session) bool {
	got := r.PostFormValue("csrf")
	want := s.csrf(sess)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// signedIn is the session of a page for signed-in users only (/me,
// /collections): without one it sends the browser to sign in and back,
// and returns false.
func (s *Site) signedIn(w http.ResponseWriter, r *http.Request) (session, bool) {
	sess, err := s.session(r)
	if err != nil {
		s.failPage(w, r, sess, err)
		return sess, false
	}
	if sess.user == "" {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
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

// signinPost checks the token and starts a session for its user. Login
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
	// Signing in again in this browser ends its earlier session, which
	// would otherwise stay on /me until it expired.
	old, err := s.session(r)
	if err == nil && old.user != "" {
		_, err = s.store.DeleteSession(r.Context(), old.user, old.id)
	}
	if err != nil {
		s.failPage(w, r, session{}, err)
		return
	}
	secret, stored, err := s.store.CreateSession(r.Context(), u.Name, r.UserAgent(), sessionMaxAge)
	if err != nil {
		s.failPage(w, r, session{}, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/",
		MaxAge: int(sessionMaxAge / time.Second), HttpOnly: true, Secure: secure(r),
		SameSite: http.SameSiteLaxMode,
	})
	s.log.Info("signed in", "user", u.Name, "session", stored.ID)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signoutPost ends the session in the store, then drops the cookie. If the
// store fails, the cookie stays: the session still works until signed out.
func (s *Site) signoutPost(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedInPost(w, r)
	if !ok {
		return
	}
	if _, err := s.store.DeleteSession(r.Context(), sess.user, sess.id); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// browserName names the browser and system a User-Agent header describes,
// as "Firefox on Linux", for the list of sessions on /me; "" when it names
// neither. The first match wins, so Edge and Opera (which say Chrome too)
// and Chrome (which says Safari too) come before.
func browserName(ua string) string {
	pick := func(known [][2]string) string {
		for _, k := range known {
			if strings.Contains(ua, k[0]) {
				return k[1]
			}
		}
		return ""
	}
	browser := pick([][2]string{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"HeadlessChrome/", "Headless Chrome"}, {"Chromium/", "Chromium"}, {"Chrome/", "Chrome"}, {"CriOS/", "Chrome"},
		{"Safari/", "Safari"}, {"curl/", "curl"},
	})
	system := pick([][2]string{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	})
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	}
	return system
}

// secure says whether the client reached us over TLS, directly or
// through a proxy that says so.
func secure(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}
