package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/api/apitest"
	"github.com/paperhound/paperhound/ingest"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

const adminToken = "admin-token-for-the-tests-0123456789"

// Sample papers the user tests vote on.
const (
	elasticCache = "2407.18121"
	razor        = "2407.15891"
	ems          = "2412.08521"
	compressKV   = "2508.02401"
	s2d          = "2407.01955" // speculative decoding
	zeroShotTok  = "2405.07883" // tokenizers
)

// users is an API over the sample papers with users alice and bob (with
// tokens), and carol and dave, whose upvotes came from an import.
type users struct {
	h      http.Handler
	engine *recommend.Engine
	store  *schema.Store
	token  map[string]string
}

func newUsers(t *testing.T, store *schema.Store) *users {
	t.Helper()
	ctx := context.Background()
	engine := apitest.SampleEngine(t, store)
	var imported []paperhound.Vote
	for _, id := range []string{elasticCache, razor, ems, "2411.02886", s2d} {
		imported = append(imported, paperhound.Vote{User: "carol", Paper: id, Value: 1})
	}
	for _, id := range []string{razor, compressKV, "2411.10803", zeroShotTok, "2411.18553"} {
		imported = append(imported, paperhound.Vote{User: "dave", Paper: id, Value: 1})
	}
	if _, err := store.SaveVotes(ctx, imported); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Load(ctx); err != nil {
		t.Fatal(err)
	}
	u := &users{engine: engine, store: store, token: map[string]string{"admin": adminToken}}
	for _, name := range []string{"alice", "bob"} {
		var err error
		if u.token[name], _, err = store.IssueToken(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	u.h = newHandler(engine, store, slog.New(slog.DiscardHandler), api.WithAdminToken(adminToken))
	return u
}

// do sends a request with "Authorization: Bearer token" when token is not "".
func (u *users) do(t *testing.T, method, target, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	return sendAs(t, u.h, method, target, "Bearer "+token, token != "", body)
}

func sendAs(t *testing.T, h http.Handler, method, target, auth string, withAuth bool, body string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	if withAuth {
		req.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// listed returns the ids of GET /v1/users/{user}/upvotes or /hidden.
func (u *users) listed(t *testing.T, user, kind string) []string {
	t.Helper()
	w := u.do(t, "GET", "/v1/users/"+user+"/"+kind, u.token["admin"], "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s's %s: %d %s", user, kind, w.Code, w.Body)
	}
	var raw struct {
		Papers []map[string]json.RawMessage
	}
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil || raw.Papers == nil {
		t.Fatalf("body %s: %v, want {\"papers\": [...]}", w.Body, err)
	}
	var ids []string
	for _, p := range raw.Papers {
		if keys := sortedKeys(p); !slices.Equal(keys, []string{"authors", "id", "published", "title", "url", "voted_at"}) {
			t.Errorf("listed paper keys %v", keys)
		}
		var id string
		json.Unmarshal(p["id"], &id)
		ids = append(ids, id)
	}
	return ids
}

func mustStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
}

// Who may do what, on every user endpoint.
func TestUserAuth(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			u := newUsers(t, b.Store)
			replaced := replacedToken(t, u, "alice")
			endpoints := []struct {
				method, path string
				ok           int
			}{
				{"GET", "/recommendations", 200},
				{"GET", "/upvotes", 200},
				{"GET", "/hidden", 200},
				{"PUT", "/upvotes/" + razor, 204},
				{"DELETE", "/upvotes/" + razor, 204},
				{"PUT", "/hidden/" + razor, 204},
				{"DELETE", "/hidden/" + razor, 204},
				{"GET", "/votes.jsonl", 200},
				{"POST", "/feed-key", 200},
				{"GET", "/feed.atom", 200}, // a bearer token works as well as the key
			}
			callers := []struct {
				name, user string
				header     string // Authorization; "" sends none
				want       int    // 0: the endpoint's own success status
			}{
				{"no token", "alice", "", 401},
				{"wrong token", "alice", "Bearer ph_not-a-token", 401},
				{"empty bearer", "alice", "Bearer ", 401},
				{"basic auth", "alice", "Basic " + u.token["alice"], 401},
				{"token without scheme", "alice", u.token["alice"], 401},
				{"replaced token", "alice", "Bearer " + replaced, 401},
				{"another user's token", "alice", "Bearer " + u.token["bob"], 403},
				{"own token", "alice", "Bearer " + u.token["alice"], 0},
				{"own token, lowercase scheme", "alice", "bearer " + u.token["alice"], 0},
				{"admin", "alice", "Bearer " + adminToken, 0},
				{"admin for an imported user", "carol", "Bearer " + adminToken, 0},
				{"admin for nobody", "nobody", "Bearer " + adminToken, 404},
				{"a user's token for nobody", "nobody", "Bearer " + u.token["alice"], 403},
			}
			for _, c := range callers {
				for _, e := range endpoints {
					target := "/v1/users/" + c.user + e.path
					w := sendAs(t, u.h, e.method, target, c.header, c.header != "", "")
					want := c.want
					if want == 0 {
						want = e.ok
					}
					if w.Code != want {
						t.Errorf("%s: %s %s: status %d, want %d; body %s", c.name, e.method, target, w.Code, want, w.Body)
						continue
					}
					if want >= 400 {
						problem(t, w, want)
					}
					if want == 401 && !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
						t.Errorf("%s: %s %s: 401 without WWW-Authenticate: Bearer", c.name, e.method, target)
					}
				}
			}
			// Nothing the refused callers tried was recorded.
			for _, user := range []string{"alice", "carol"} {
				if got := u.listed(t, user, "hidden"); len(got) != 0 {
					t.Errorf("%s's hidden: %v, want none", user, got)
				}
			}
			if _, err := u.store.User(context.Background(), "nobody"); err == nil {
				t.Error("user nobody was created")
			}

			// Without an admin token configured, none works.
			h := newHandler(u.engine, u.store, slog.New(slog.DiscardHandler))
			for _, token := range []string{adminToken, ""} {
				w := sendAs(t, h, "GET", "/v1/users/alice/upvotes", "Bearer "+token, true, "")
				problem(t, w, 401)
			}
			problem(t, sendAs(t, h, "POST", "/v1/papers", "Bearer ", true, `{"id": "x", "title": "y"}`), 401)
			// ... while users' tokens still do.
			if w := sendAs(t, h, "GET", "/v1/users/alice/upvotes", "Bearer "+u.token["alice"], true, ""); w.Code != 200 {
				t.Errorf("alice without an admin token configured: %d %s", w.Code, w.Body)
			}
		})
	}
}

// replacedToken gives user a token, then another; it returns the first,
// which no longer works, and keeps the second.
func replacedToken(t *testing.T, u *users, user string) string {
	t.Helper()
	old := u.token[user]
	tok, _, err := u.store.IssueToken(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	u.token[user] = tok
	return old
}

func TestVotesAPI(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			u := newUsers(t, b.Store)
			alice := u.token["alice"]
			vote := func(method, kind, paper string, want int) {
				t.Helper()
				w := u.do(t, method, "/v1/users/alice/"+kind+"/"+paper, alice, "")
				if w.Code != want {
					t.Fatalf("%s %s %s: %d, want %d; %s", method, kind, paper, w.Code, want, w.Body)
				}
				if want == 204 && w.Body.Len() != 0 {
					t.Errorf("204 with a body: %s", w.Body)
				}
			}
			check := func(step string, up, hidden []string) {
				t.Helper()
				if got := u.listed(t, "alice", "upvotes"); !slices.Equal(got, up) {
					t.Errorf("%s: upvotes %v, want %v", step, got, up)
				}
				if got := u.listed(t, "alice", "hidden"); !slices.Equal(got, hidden) {
					t.Errorf("%s: hidden %v, want %v", step, got, hidden)
				}
			}

			// An unknown paper is 404 and nothing is recorded.
			for _, m := range []string{"PUT", "DELETE"} {
				for _, kind := range []string{"upvotes", "hidden"} {
					p := problem(t, u.do(t, m, "/v1/users/alice/"+kind+"/9999.99999", alice, ""), 404)
					if !strings.Contains(p.Detail, "9999.99999") {
						t.Errorf("detail %q does not name the paper", p.Detail)
					}
				}
			}
			check("unknown paper", nil, nil)

			vote("PUT", "upvotes", razor, 204)
			vote("PUT", "upvotes", razor, 204) // idempotent
			check("upvote", []string{razor}, nil)
			before := u.do(t, "GET", "/v1/users/alice/upvotes", alice, "").Body.String()
			vote("PUT", "upvotes", razor, 204)
			if after := u.do(t, "GET", "/v1/users/alice/upvotes", alice, "").Body.String(); after != before {
				t.Errorf("upvoting again changed the list:\n%s\n%s", before, after)
			}

			vote("PUT", "hidden", razor, 204) // replaces the upvote
			check("hide replaces upvote", nil, []string{razor})
			vote("DELETE", "upvotes", razor, 204) // not an upvote: left alone
			check("delete upvote of a hidden paper", nil, []string{razor})
			vote("PUT", "upvotes", razor, 204) // replaces the hide
			check("upvote replaces hide", []string{razor}, nil)
			vote("DELETE", "hidden", razor, 204)
			check("delete hide of an upvoted paper", []string{razor}, nil)
			vote("DELETE", "upvotes", razor, 204)
			vote("DELETE", "upvotes", razor, 204) // idempotent
			check("delete upvote", nil, nil)

			// Newest first; an id with a slash, URL-encoded.
			vote("PUT", "upvotes", razor, 204)
			vote("PUT", "upvotes", "hep-th%2F9901001", 204)
			vote("PUT", "hidden", s2d, 204)
			check("several", []string{"hep-th/9901001", razor}, []string{s2d})

			// Bob's votes are his own.
			if got := u.listed(t, "bob", "upvotes"); len(got) != 0 {
				t.Errorf("bob's upvotes: %v", got)
			}
			// The admin votes for anyone, an imported user too.
			mustStatus(t, u.do(t, "PUT", "/v1/users/carol/hidden/"+zeroShotTok, adminToken, ""), 204)
			if got := u.listed(t, "carol", "hidden"); !slices.Equal(got, []string{zeroShotTok}) {
				t.Errorf("carol's hidden: %v", got)
			}
		})
	}
}

// The export reads back through the votes importer into the same votes.
func TestVotesExportRoundTrip(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			u := newUsers(t, b.Store)
			alice := u.token["alice"]
			for _, v := range []struct{ kind, paper string }{
				{"upvotes", razor}, {"upvotes", ems}, {"hidden", s2d}, {"upvotes", "hep-th%2F9901001"},
			} {
				mustStatus(t, u.do(t, "PUT", "/v1/users/alice/"+v.kind+"/"+v.paper, alice, ""), 204)
			}
			w := u.do(t, "GET", "/v1/users/alice/votes.jsonl", alice, "")
			mustStatus(t, w, 200)
			if ct := w.Header().Get("Content-Type"); ct != "application/x-ndjson" {
				t.Errorf("Content-Type %q", ct)
			}
			export := w.Body.String()
			sc := bufio.NewScanner(strings.NewReader(export))
			lines := 0
			for sc.Scan() {
				lines++
				var line map[string]any
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Fatalf("line %d %q: %v", lines, sc.Text(), err)
				}
				if keys := sortedKeys(line); !slices.Equal(keys, []string{"at", "paper", "user", "vote"}) {
					t.Errorf("line %d keys %v, want at paper user vote", lines, keys)
				}
			}
			if lines != 4 {
				t.Errorf("%d lines, want 4:\n%s", lines, export)
			}

			// Into a fresh store holding the same papers, as "paperhound
			// ingest --upvotes" reads it.
			fresh := schematest.Open(t, b.Name)
			papers, err := u.store.Papers(ctx, []string{razor, ems, s2d, "hep-th/9901001"})
			if err != nil {
				t.Fatal(err)
			}
			var list []paperhound.Paper
			for _, p := range papers {
				list = append(list, p)
			}
			if err := fresh.SavePapers(ctx, list); err != nil {
				t.Fatal(err)
			}
			var read []paperhound.Vote
			err = ingest.ReadVotes(ctx, strings.NewReader(export), "votes.jsonl",
				func(_ int, v paperhound.Vote) error { read = append(read, v); return nil },
				func(p ingest.Problem) error { return p })
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fresh.SaveVotes(ctx, read); err != nil {
				t.Fatal(err)
			}
			want, err := u.store.Votes(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			got, err := fresh.Votes(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if len(want) != 4 || !slices.EqualFunc(got, want, func(a, b paperhound.Vote) bool {
				return a.User == b.User && a.Paper == b.Paper && a.Value == b.Value && a.At.Equal(b.At)
			}) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}
