package api_test

import (
	"encoding/json"
	"encoding/xml"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paperhound/paperhound/schema/schematest"
)

// Sample papers on KV caches, besides razor, ems and compressKV.
const kvDiffusion = "2510.14973"

type collectionAnswer struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	PaperCount int    `json:"paper_count"`
	CreatedAt  string `json:"created_at"`
	Feed       string `json:"feed"`
	Papers     []struct {
		ID string `json:"id"`
	} `json:"papers"`
}

func decodeCollection(t *testing.T, body []byte) collectionAnswer {
	t.Helper()
	var c collectionAnswer
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatalf("collection %s: %v", body, err)
	}
	return c
}

// The collections of a user through the API: made, listed, filled, fed,
// renamed and deleted, with the votes they hold kept in step.
func TestCollectionsAPI(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			u := newUsers(t, b.Store)
			alice := u.token["alice"]
			base := "/v1/users/alice/collections"

			w := u.do(t, "POST", base, alice, `{"name": "  KV caches "}`)
			mustStatus(t, w, 201)
			kv := decodeCollection(t, w.Body.Bytes())
			path := base + "/" + strconv.FormatInt(kv.ID, 10)
			if kv.Name != "KV caches" || kv.PaperCount != 0 || kv.Feed != path+"/recommendations" || kv.CreatedAt == "" {
				t.Errorf("created %+v", kv)
			}
			if loc := w.Header().Get("Location"); loc != path {
				t.Errorf("Location %q, want %q", loc, path)
			}
			var raw map[string]json.RawMessage
			json.Unmarshal(w.Body.Bytes(), &raw)
			if keys := sortedKeys(raw); !slices.Equal(keys, []string{"created_at", "feed", "id", "name", "paper_count"}) {
				t.Errorf("collection keys %v", keys)
			}
			w = u.do(t, "POST", base, alice, `{"name": "Tokenizers"}`)
			mustStatus(t, w, 201)
			tok := decodeCollection(t, w.Body.Bytes())

			// Filing a paper not upvoted upvotes it.
			mustStatus(t, u.do(t, "PUT", path+"/papers/"+razor, alice, ""), 204)
			mustStatus(t, u.do(t, "PUT", path+"/papers/"+razor, alice, ""), 204) // again: no change
			mustStatus(t, u.do(t, "PUT", "/v1/users/alice/upvotes/"+zeroShotTok, alice, ""), 204)
			if got := u.listed(t, "alice", "upvotes"); !slices.Equal(got, []string{zeroShotTok, razor}) {
				t.Errorf("upvotes after filing %v, want [%s %s]", got, zeroShotTok, razor)
			}
			w = u.do(t, "GET", path, alice, "")
			mustStatus(t, w, 200)
			if c := decodeCollection(t, w.Body.Bytes()); c.PaperCount != 1 || len(c.Papers) != 1 || c.Papers[0].ID != razor {
				t.Errorf("collection %s", w.Body)
			}

			// Its feed comes from razor alone, and pages as the whole feed does.
			w = u.do(t, "GET", path+"/recommendations?limit=3", alice, "")
			mustStatus(t, w, 200)
			var first feedPage
			json.Unmarshal(w.Body.Bytes(), &first)
			if len(first.Papers) != 3 || first.NextCursor == "" {
				t.Fatalf("first page %s", w.Body)
			}
			kvPapers := []string{ems, compressKV, kvDiffusion, elasticCache}
			if !slices.Contains(kvPapers, first.Papers[0].ID) {
				t.Errorf("collection feed starts with %s, want a KV-cache paper (%v)", first.Papers[0].ID, first.ids())
			}
			for _, p := range first.Papers {
				if len(p.Because) == 0 || p.Because[0].ID != razor || p.ID == razor || p.ID == zeroShotTok {
					t.Errorf("%s because %+v, want razor only", p.ID, p.Because)
				}
			}
			w = u.do(t, "GET", path+"/recommendations?limit=3&cursor="+first.NextCursor, alice, "")
			mustStatus(t, w, 200)
			var second feedPage
			json.Unmarshal(w.Body.Bytes(), &second)
			for _, id := range second.ids() {
				if slices.Contains(first.ids(), id) {
					t.Errorf("%s on both pages", id)
				}
			}
			// The same parameters are checked as the whole feed's.
			problem(t, u.do(t, "GET", path+"/recommendations?limit=0", alice, ""), 400)
			problem(t, u.do(t, "GET", path+"/recommendations?cursor=nope", alice, ""), 400)
			// An empty collection has an empty feed, not a trending one.
			w = u.do(t, "GET", base+"/"+strconv.FormatInt(tok.ID, 10)+"/recommendations", alice, "")
			mustStatus(t, w, 200)
			if strings.TrimSpace(w.Body.String()) != `{"papers":[]}` {
				t.Errorf("empty collection's feed %s", w.Body)
			}

			// The Atom feed takes the user's feed key, as the whole feed does.
			w = u.do(t, "POST", "/v1/users/alice/feed-key", alice, "")
			mustStatus(t, w, 200)
			var k struct{ Key string }
			json.Unmarshal(w.Body.Bytes(), &k)
			w = do(t, u.h, "GET", path+"/feed.atom?key="+k.Key, "")
			mustStatus(t, w, 200)
			var doc atomDoc
			if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatalf("not an Atom feed: %v\n%s", err, w.Body)
			}
			if len(doc.Entries) == 0 || !strings.Contains(doc.Title, "KV caches") || doc.ID == "urn:paperhound:feed:alice" {
				t.Errorf("collection Atom feed: title %q, id %q, %d entries", doc.Title, doc.ID, len(doc.Entries))
			}
			for i, id := range first.ids() {
				if want := "urn:paperhound:paper:" + id; doc.Entries[i].ID != want {
					t.Errorf("Atom entry %d is %s, want %s, as the JSON feed", i, doc.Entries[i].ID, want)
				}
			}
			mustStatus(t, do(t, u.h, "GET", path+"/feed.atom", ""), 401)
			mustStatus(t, do(t, u.h, "GET", path+"/feed.atom?key=wrong", ""), 401)
			mustStatus(t, u.do(t, "GET", path+"/feed.atom", alice, ""), 200)

			// Rename, to a taken name in another case too.
			w = u.do(t, "PATCH", path, alice, `{"name": "KV cache compression"}`)
			mustStatus(t, w, 200)
			if c := decodeCollection(t, w.Body.Bytes()); c.Name != "KV cache compression" || c.PaperCount != 1 {
				t.Errorf("renamed %s", w.Body)
			}
			problem(t, u.do(t, "PATCH", path, alice, `{"name": "tokenizers"}`), 409)
			problem(t, u.do(t, "POST", base, alice, `{"name": "TOKENIZERS"}`), 409)
			problem(t, u.do(t, "POST", base, alice, `{"name": "two\nlines"}`), 400)
			problem(t, u.do(t, "POST", base, alice, `{"name": ""}`), 400)
			problem(t, u.do(t, "POST", base, alice, `{"title": "x"}`), 400)
			problem(t, u.do(t, "POST", base, alice, `{"name": "x"} {}`), 400)

			w = u.do(t, "GET", base, alice, "")
			mustStatus(t, w, 200)
			var list struct{ Collections []collectionAnswer }
			json.Unmarshal(w.Body.Bytes(), &list)
			if len(list.Collections) != 2 || list.Collections[0].Name != "KV cache compression" || list.Collections[1].Name != "Tokenizers" {
				t.Errorf("list %s", w.Body)
			}

			// Unfiling keeps the upvote; removing the upvote unfiles.
			mustStatus(t, u.do(t, "DELETE", path+"/papers/"+razor, alice, ""), 204)
			mustStatus(t, u.do(t, "DELETE", path+"/papers/"+razor, alice, ""), 204)
			if got := u.listed(t, "alice", "upvotes"); !slices.Contains(got, razor) {
				t.Errorf("upvotes after unfiling %v: razor is gone", got)
			}
			mustStatus(t, u.do(t, "PUT", path+"/papers/"+razor, alice, ""), 204)
			mustStatus(t, u.do(t, "PUT", "/v1/users/alice/hidden/"+razor, alice, ""), 204)
			w = u.do(t, "GET", path, alice, "")
			if c := decodeCollection(t, w.Body.Bytes()); c.PaperCount != 0 {
				t.Errorf("after hiding razor: %s", w.Body)
			}

			// Deleting leaves the upvotes.
			mustStatus(t, u.do(t, "PUT", path+"/papers/"+ems, alice, ""), 204)
			mustStatus(t, u.do(t, "DELETE", path, alice, ""), 204)
			problem(t, u.do(t, "DELETE", path, alice, ""), 404)
			problem(t, u.do(t, "GET", path+"/recommendations", alice, ""), 404)
			if got := u.listed(t, "alice", "upvotes"); !slices.Contains(got, ems) {
				t.Errorf("upvotes after deleting the collection %v: ems is gone", got)
			}
		})
	}
}

// Collections answer as the other user routes: 401 without a token, 403
// with another user's, 404 for what isn't there; nobody reaches another
// user's collection by its id.
func TestCollectionsAPIErrors(t *testing.T) {
	u := newUsers(t, schematest.Open(t, "sqlite"))
	alice, bob := u.token["alice"], u.token["bob"]
	w := u.do(t, "POST", "/v1/users/alice/collections", alice, `{"name": "mine"}`)
	mustStatus(t, w, 201)
	mine := "/v1/users/alice/collections/" + strconv.FormatInt(decodeCollection(t, w.Body.Bytes()).ID, 10)
	w = u.do(t, "POST", "/v1/users/bob/collections", bob, `{"name": "his"}`)
	mustStatus(t, w, 201)
	his := strconv.FormatInt(decodeCollection(t, w.Body.Bytes()).ID, 10)

	cases := []struct {
		method, target, token, body string
		status                      int
	}{
		{"GET", "/v1/users/alice/collections", "", "", 401},
		{"GET", "/v1/users/alice/collections", bob, "", 403},
		{"POST", "/v1/users/alice/collections", bob, `{"name": "x"}`, 403},
		{"PUT", mine + "/papers/" + razor, bob, "", 403},
		{"GET", mine + "/recommendations", bob, "", 403},
		{"GET", mine + "/feed.atom", bob, "", 403},
		{"GET", "/v1/users/nobody/collections", u.token["admin"], "", 404},
		{"GET", "/v1/users/alice/collections/" + his, alice, "", 404},
		{"PUT", "/v1/users/alice/collections/" + his + "/papers/" + razor, alice, "", 404},
		{"DELETE", "/v1/users/alice/collections/" + his, alice, "", 404},
		{"PATCH", "/v1/users/alice/collections/" + his, alice, `{"name": "stolen"}`, 404},
		{"GET", "/v1/users/alice/collections/" + his + "/recommendations", alice, "", 404},
		{"GET", "/v1/users/alice/collections/" + his + "/feed.atom", alice, "", 404},
		{"GET", "/v1/users/alice/collections/abc", alice, "", 404},
		{"GET", "/v1/users/alice/collections/0", alice, "", 404},
		{"GET", "/v1/users/alice/collections/01", alice, "", 404},
		{"PUT", mine + "/papers/no-such-paper", alice, "", 404},
		{"PATCH", mine, alice, "", 400},
		{"POST", "/v1/users/alice/collections", alice, "", 400},
	}
	for _, c := range cases {
		w := u.do(t, c.method, c.target, c.token, c.body)
		if w.Code != c.status || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s %s: %d %s, want a %d problem", c.method, c.target, w.Code, w.Body, c.status)
		}
	}
	// Nothing was upvoted by the refused filings.
	if got := u.listed(t, "alice", "upvotes"); len(got) != 0 {
		t.Errorf("alice's upvotes %v, want none", got)
	}
	if got := u.listed(t, "bob", "upvotes"); len(got) != 0 {
		t.Errorf("bob's upvotes %v, want none", got)
	}
}
