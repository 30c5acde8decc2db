package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	firefox  = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	iphone   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
	revokeRe = `action="/me/sessions/([^"/]+)/revoke"`
)

// Signing out ends the session on the server: the old cookie, replayed,
// is signed out.
func TestWebSignOutEndsSession(t *testing.T) {
	s := newWebSite(t)
	cookie := s.signIn(t, "alice", firefox)
	if cookie == s.token["alice"] {
		t.Error("the session cookie is the API token")
	}
	_, body := s.page(t, "GET", "/", cookie, nil)
	res, _ := s.page(t, "POST", "/signout", cookie, url.Values{"csrf": {csrfOf(t, body)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out = %d", res.StatusCode)
	}
	if who := s.signedInAs(t, cookie); who != "" {
		t.Errorf("the old cookie, replayed after sign-out, is signed in as %s", who)
	}
	if res, _ := s.page(t, "GET", "/me", cookie, nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("/me with the old cookie = %d, want 303 to sign in", res.StatusCode)
	}
}

// Signing in again in the same browser replaces its session.
func TestWebSignInAgain(t *testing.T) {
	s := newWebSite(t)
	first := s.signIn(t, "alice", firefox)
	res, _ := s.page(t, "POST", "/signin", first, url.Values{"token": {s.token["bob"]}})
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 {
		t.Fatalf("sign in again = %d, cookies %v", res.StatusCode, res.Cookies())
	}
	if who := s.signedInAs(t, first); who != "" {
		t.Errorf("the first session is still signed in as %s", who)
	}
	if who := s.signedInAs(t, res.Cookies()[0].Value); who != "bob" {
		t.Errorf("the new session is signed in as %q, want bob", who)
	}
}

// /me lists the user's sessions; revoking one there ends it, and only
// the user's own sessions can be revoked.
func TestWebRevokeSession(t *testing.T) {
	s := newWebSite(t)
	laptop := s.signIn(t, "alice", firefox)
	phone := s.signIn(t, "alice", iphone)
	bob := s.signIn(t, "bob", firefox)

	_, body := s.page(t, "GET", "/me", laptop, nil)
	wantIn(t, "/me sessions", body, "Firefox on Linux", "Safari on iPhone", "this one")
	revoke := regexp.MustCompile(revokeRe).FindAllStringSubmatch(body, -1)
	if len(revoke) != 1 {
		t.Fatalf("/me has %d revoke buttons, want 1 (the phone's; this one signs out)", len(revoke))
	}
	target := "/me/sessions/" + revoke[0][1] + "/revoke"

	// Bob's form can't revoke Alice's session, nor can a form without a
	// CSRF token.
	_, bobBody := s.page(t, "GET", "/me", bob, nil)
	s.page(t, "POST", target, bob, url.Values{"csrf": {csrfOf(t, bobBody)}})
	if res, _ := s.page(t, "POST", target, laptop, url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("revoke without CSRF token = %d, want 403", res.StatusCode)
	}
	if who := s.signedInAs(t, phone); who != "alice" {
		t.Fatalf("the phone is signed in as %q before it is revoked, want alice", who)
	}

	res, _ := s.page(t, "POST", target, laptop, url.Values{"csrf": {csrfOf(t, body)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/me" {
		t.Fatalf("revoke = %d %s, want 303 to /me", res.StatusCode, res.Header.Get("Location"))
	}
	if who := s.signedInAs(t, phone); who != "" {
		t.Errorf("the revoked phone is still signed in as %s", who)
	}
	if who := s.signedInAs(t, laptop); who != "alice" {
		t.Errorf("the laptop is signed in as %q after revoking the phone, want alice", who)
	}
	if _, body = s.page(t, "GET", "/me", laptop, nil); strings.Contains(body, "iPhone") {
		t.Error("/me still lists the revoked session")
	}
	if who := s.signedInAs(t, bob); who != "bob" {
		t.Errorf("bob is signed in as %q, want bob", who)
	}
}

// A session ends 30 days after sign-in, however busy: an expired cookie
// is signed out.
func TestWebSessionExpires(t *testing.T) {
	s := newWebSite(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s.store.Now = func() time.Time { return now }
	cookie := s.signIn(t, "alice", firefox)

	now = now.Add(30*24*time.Hour - time.Minute)
	if who := s.signedInAs(t, cookie); who != "alice" {
		t.Fatalf("a minute before expiry: signed in as %q, want alice", who)
	}
	now = now.Add(2 * time.Minute)
	if who := s.signedInAs(t, cookie); who != "" {
		t.Errorf("after 30 days: signed in as %s, want signed out", who)
	}
	if res, _ := s.page(t, "GET", "/me", cookie, nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("/me after 30 days = %d, want 303 to sign in", res.StatusCode)
	}
}
