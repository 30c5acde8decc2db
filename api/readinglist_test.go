package api_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/api/apitest"
	"github.com/paperhound/paperhound/schema/schematest"
)

// postList sends a reading list to POST /v1/users/{user}/reading-list.
func (u *users) postList(t *testing.T, user, query, token, contentType string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", "/v1/users/"+user+"/reading-list"+query, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	u.h.ServeHTTP(w, req)
	return w
}

func report(t *testing.T, w *httptest.ResponseRecorder) api.ReadingListReport {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", w.Code, w.Body)
	}
	var r api.ReadingListReport
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// checkFixtureReport checks the report of the 50-entry fixture against
// what it names, entry by entry.
func checkFixtureReport(t *testing.T, r api.ReadingListReport, upvoted int) {
	t.Helper()
	var matched []apitest.ReadingListMatch
	for _, m := range r.Matched {
		matched = append(matched, apitest.ReadingListMatch{Key: m.Key, Paper: m.Paper, By: m.By})
		if m.Title == "" || m.Line == 0 || m.Entry == "" && m.Key == "" {
			t.Errorf("matched entry %+v lacks its line, its entry and key, or its title", m)
		}
	}
	if !reflect.DeepEqual(matched, apitest.ReadingListMatches) {
		t.Errorf("matched\n%v\nwant\n%v", matched, apitest.ReadingListMatches)
	}
	var missed []string
	for _, m := range r.Unmatched {
		missed = append(missed, m.Key)
	}
	if !reflect.DeepEqual(missed, apitest.ReadingListMisses) {
		t.Errorf("unmatched %v, want %v", missed, apitest.ReadingListMisses)
	}
	if r.Format != "bibtex" || r.Entries != 50 || r.Upvoted != upvoted {
		t.Errorf("format %q, %d entries, %d upvoted; want bibtex, 50, %d", r.Format, r.Entries, r.Upvoted, upvoted)
	}
	reasons := map[string]string{}
	for _, m := range r.Unmatched {
		reasons[m.Key] = m.Reason
	}
	for key, want := range map[string]string{
		"eprintUnknown": "no stored paper has the arXiv id 2501.99999 or this title",
		"urlUnknown":    "no stored paper has the arXiv id 2502.00001",
		"doiUnknown2":   "no stored paper has the DOI 10.1000/not.stored.either or this title",
		"titleUnknown1": "no stored paper has this title",
		"nothing":       "no arXiv eprint or link, DOI or title",
	} {
		if reasons[key] != want {
			t.Errorf("%s: reason %q, want %q", key, reasons[key], want)
		}
	}
}

func TestReadingListAPI(t *testing.T) {
	u := newUsers(t, schematest.Open(t, "sqlite"))
	apitest.GiveDOIs(t, u.engine)
	fixture := apitest.ReadingList(t)
	all := make([]string, len(apitest.ReadingListMatches))
	for i, m := range apitest.ReadingListMatches {
		all[i] = m.Paper
	}
	slices.Sort(all)

	// alice upvoted one of them before and hid another: the import upvotes
	// the other 38, the hidden one included.
	for _, req := range []struct{ method, target string }{
		{"PUT", "/v1/users/alice/upvotes/" + razor},
		{"PUT", "/v1/users/alice/hidden/" + elasticCache},
	} {
		if w := u.do(t, req.method, req.target, u.token["alice"], ""); w.Code != http.StatusNoContent {
			t.Fatalf("%s %s: %d %s", req.method, req.target, w.Code, w.Body)
		}
	}

	t.Run("auth", func(t *testing.T) {
		if w := u.postList(t, "alice", "", "", "application/x-bibtex", fixture); w.Code != http.StatusUnauthorized {
			t.Errorf("no token: %d, want 401", w.Code)
		}
		if w := u.postList(t, "alice", "", u.token["bob"], "application/x-bibtex", fixture); w.Code != http.StatusForbidden {
			t.Errorf("bob's token for alice: %d, want 403", w.Code)
		}
	})

	t.Run("dry run", func(t *testing.T) {
		r := report(t, u.postList(t, "alice", "?dry_run=true", u.token["alice"], "application/x-bibtex", fixture))
		checkFixtureReport(t, r, 38)
		if !r.DryRun {
			t.Error("dry_run is false in the report of a dry run")
		}
		if got := u.listed(t, "alice", "upvotes"); !reflect.DeepEqual(got, []string{razor}) {
			t.Errorf("a dry run upvoted: %v", got)
		}
		problem(t, u.postList(t, "alice", "?dry_run=maybe", u.token["alice"], "text/plain", fixture), http.StatusBadRequest)
	})

	t.Run("import", func(t *testing.T) {
		checkFixtureReport(t, report(t, u.postList(t, "alice", "", u.token["alice"], "application/x-bibtex", fixture)), 38)
		got := u.listed(t, "alice", "upvotes")
		slices.Sort(got)
		if !reflect.DeepEqual(got, all) {
			t.Errorf("alice's upvotes after the import:\n%v\nwant\n%v", got, all)
		}
		if hidden := u.listed(t, "alice", "hidden"); len(hidden) != 0 {
			t.Errorf("still hidden: %v", hidden)
		}
		// Again: the same report, nothing new.
		checkFixtureReport(t, report(t, u.postList(t, "alice", "", u.token["alice"], "text/plain", fixture)), 0)
	})

	t.Run("multipart upload, by the admin", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, err := mw.CreateFormFile("file", "library.bib")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(fixture)
		mw.Close()
		checkFixtureReport(t, report(t, u.postList(t, "bob", "", u.token["admin"], mw.FormDataContentType(), body.Bytes())), 39)
		got := u.listed(t, "bob", "upvotes")
		slices.Sort(got)
		if !reflect.DeepEqual(got, all) {
			t.Errorf("bob's upvotes after the upload: %v", got)
		}
	})
}

func TestReadingListSyntaxErrors(t *testing.T) {
	u := newUsers(t, schematest.Open(t, "sqlite"))
	// A good entry first: it must not be upvoted either.
	bib := "@article{good, eprint = {" + razor + "}}\n" +
		"@article{bad,\n  title = {T}\n  year = 2020\n}\n" +
		"@article{worse, journal = undefinedname}\n"
	w := u.postList(t, "alice", "", u.token["alice"], "application/x-bibtex", []byte(bib))
	var p struct {
		Status int    `json:"status"`
		Detail string `json:"detail"`
		Errors []struct {
			Line   int    `json:"line"`
			Reason string `json:"reason"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || w.Code != http.StatusBadRequest {
		t.Fatalf("%d %s, want a 400 problem", w.Code, w.Body)
	}
	var lines []int
	for _, e := range p.Errors {
		lines = append(lines, e.Line)
	}
	if !reflect.DeepEqual(lines, []int{4, 6}) || !strings.Contains(p.Detail, "4: expected ',' or '}' in entry bad") ||
		!strings.Contains(p.Detail, "nothing was upvoted") {
		t.Errorf("errors on lines %v, detail %q; want lines 4 and 6, named in the detail", lines, p.Detail)
	}
	if got := u.listed(t, "alice", "upvotes"); len(got) != 0 {
		t.Errorf("a list with errors upvoted %v", got)
	}

	for name, body := range map[string]string{
		"empty":         "",
		"comments only": "# nothing\n\n% here\n",
	} {
		if w := u.postList(t, "alice", "", u.token["alice"], "text/plain", []byte(body)); w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, w.Code, w.Body)
		}
	}
	big := bytes.Repeat([]byte("1706.03762\n"), api.MaxReadingList/11+1)
	problem(t, u.postList(t, "alice", "", u.token["alice"], "text/plain", big), http.StatusRequestEntityTooLarge)
}

// A new user who sends the papers they read gets a feed built on them at
// once, not the trending papers of a user without upvotes.
func TestReadingListFirstFeed(t *testing.T) {
	u := newUsers(t, schematest.Open(t, "sqlite"))
	list := strings.Join([]string{
		"# tokenizers I read",
		"https://arxiv.org/abs/" + zeroShotTok + "v2",
		"arXiv:2310.11628",
		"Explaining and Mitigating Crosslingual Tokenizer Inequities",
		"https://openreview.net/forum?id=x",
		"10.1000/unknown",
	}, "\n")
	r := report(t, u.postList(t, "bob", "", u.token["bob"], "text/plain", []byte(list)))
	var got []string
	for _, m := range r.Matched {
		got = append(got, m.Paper+" by "+m.By)
	}
	want := []string{zeroShotTok + " by arxiv", "2310.11628 by arxiv", "2510.21909 by title"}
	if r.Format != "list" || r.Entries != 5 || r.Upvoted != 3 || !reflect.DeepEqual(got, want) || len(r.Unmatched) != 2 {
		t.Fatalf("report %+v; want 5 entries, matched %v", r, want)
	}
	if m := r.Unmatched[0]; m.Line != 5 || m.Entry != "https://openreview.net/forum?id=x" {
		t.Errorf("first unmatched %+v, want line 5 and its text", m)
	}

	w := u.do(t, "GET", "/v1/users/bob/recommendations?limit=5", u.token["bob"], "")
	var feed struct {
		Papers []struct {
			ID       string `json:"id"`
			Trending bool   `json:"trending"`
			Because  []struct {
				ID string `json:"id"`
			} `json:"because"`
		} `json:"papers"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &feed); err != nil || w.Code != http.StatusOK || len(feed.Papers) == 0 {
		t.Fatalf("feed: %d %s", w.Code, w.Body)
	}
	for _, p := range feed.Papers {
		if p.Trending || len(p.Because) == 0 {
			t.Errorf("feed paper %s: trending %v, because %v; want one explained by bob's upvotes", p.ID, p.Trending, p.Because)
		}
	}
}
