package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paperhound/paperhound/api/apitest"
)

// postReadingList sends the /me import form as a browser does: multipart,
// with the file (named library.bib; none when file is nil) and the pasted
// list.
func (s *webSite) postReadingList(t *testing.T, cookie, csrf string, file []byte, pasted string, dryRun bool, header ...string) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf)
	name := "library.bib"
	if file == nil {
		name = "" // a browser's file part when no file was chosen
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	mw.WriteField("list", pasted)
	if dryRun {
		mw.WriteField("dry_run", "1")
	}
	mw.Close()
	req := httptest.NewRequest("POST", "/me/reading-list", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "paperhound_session", Value: cookie})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

// upvoted is the ids of user's upvotes, sorted.
func (s *webSite) upvoted(t *testing.T, user string) []string {
	t.Helper()
	votes, err := s.engine.Votes(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range votes {
		if v.Value == 1 {
			ids = append(ids, v.Paper)
		}
	}
	slices.Sort(ids)
	return ids
}

var (
	matchedRow   = regexp.MustCompile(`<tr><td class="num">\d+</td><td><code>([^<]+)</code>[^<]*</td><td><a href="/papers/([^"]+)">[^<]+</a></td><td class="num">([^<]+)</td></tr>`)
	unmatchedRow = regexp.MustCompile(`<tr><td class="num">\d+</td><td><code>([^<]+)</code>[^<]*</td><td>[^<]+</td></tr>`)
)

func TestReadingListPage(t *testing.T) {
	s := newWebSite(t)
	apitest.GiveDOIs(t, s.engine)
	fixture := apitest.ReadingList(t)
	cookie := s.signIn(t, "alice", firefox)
	_, me := s.page(t, "GET", "/me", cookie, nil)
	if !strings.Contains(me, `action="/me/reading-list" enctype="multipart/form-data"`) {
		t.Fatal("/me has no reading-list form")
	}
	csrf := csrfOf(t, me)

	t.Run("refused", func(t *testing.T) {
		if code, _ := s.postReadingList(t, cookie, "x"+csrf, fixture, "", false); code != http.StatusForbidden {
			t.Errorf("wrong CSRF token: %d, want 403", code)
		}
		if code, _ := s.postReadingList(t, cookie, csrf, fixture, "", false, "Sec-Fetch-Site", "cross-site"); code != http.StatusForbidden {
			t.Errorf("cross-site: %d, want 403", code)
		}
		if code, _ := s.postReadingList(t, "", csrf, fixture, "", false); code != http.StatusSeeOther {
			t.Errorf("signed out: %d, want 303 to sign in", code)
		}
		if code, body := s.postReadingList(t, cookie, csrf, nil, "", false); code != http.StatusBadRequest || !strings.Contains(body, "neither a file") {
			t.Errorf("nothing sent: %d, want 400 saying so", code)
		}
		if code, _ := s.postReadingList(t, cookie, csrf, fixture, "1706.03762", false); code != http.StatusBadRequest {
			t.Errorf("a file and a pasted list: %d, want 400", code)
		}
		if got := s.upvoted(t, "alice"); len(got) != 0 {
			t.Errorf("refused imports upvoted %v", got)
		}
	})

	t.Run("syntax errors", func(t *testing.T) {
		bad := append(slices.Clone(fixture), "\n@article{broken,\n  title = {T}\n  year = 2020\n}\n"...)
		code, body := s.postReadingList(t, cookie, csrf, bad, "", false)
		line := strings.Count(string(fixture), "\n") + 4
		want := "Line " + strconv.Itoa(line) + ": expected &#39;,&#39; or &#39;}&#39; in entry broken"
		if code != http.StatusBadRequest || !strings.Contains(body, "Nothing was imported") || !strings.Contains(body, want) {
			t.Errorf("%d, want 400 with %q:\n%s", code, want, body)
		}
		if got := s.upvoted(t, "alice"); len(got) != 0 {
			t.Errorf("a file with errors upvoted %v", got)
		}
	})

	t.Run("dry run, then the upload", func(t *testing.T) {
		code, body := s.postReadingList(t, cookie, csrf, fixture, "", true)
		if code != http.StatusOK || !strings.Contains(body, "Importing would upvote 39 new papers; nothing was changed.") {
			t.Errorf("dry run: %d\n%s", code, body)
		}
		if got := s.upvoted(t, "alice"); len(got) != 0 {
			t.Errorf("a dry run upvoted %v", got)
		}

		code, body = s.postReadingList(t, cookie, csrf, fixture, "", false)
		if code != http.StatusOK || !strings.Contains(body, "50 entries: 39 matched, 11 not.") || !strings.Contains(body, "39 new upvotes.") {
			t.Fatalf("upload: %d\n%s", code, body)
		}
		by := map[string]string{"arxiv": "arXiv id", "doi": "DOI", "title": "title"}
		var rows, want []string
		for _, m := range matchedRow.FindAllStringSubmatch(body, -1) {
			rows = append(rows, m[1]+" "+m[2]+" "+m[3])
		}
		var all []string
		for _, m := range apitest.ReadingListMatches {
			want = append(want, m.Key+" "+strings.ReplaceAll(m.Paper, "/", "%2F")+" "+by[m.By])
			all = append(all, m.Paper)
		}
		if !slices.Equal(rows, want) {
			t.Errorf("matched rows\n%v\nwant\n%v", rows, want)
		}
		var missed []string
		for _, m := range unmatchedRow.FindAllStringSubmatch(body, -1) {
			missed = append(missed, m[1])
		}
		if !slices.Equal(missed, apitest.ReadingListMisses) {
			t.Errorf("unmatched rows %v, want %v", missed, apitest.ReadingListMisses)
		}
		slices.Sort(all)
		if got := s.upvoted(t, "alice"); !slices.Equal(got, all) {
			t.Errorf("alice's upvotes %v, want %v", got, all)
		}
		// /me lists them.
		if _, me := s.page(t, "GET", "/me", cookie, nil); !strings.Contains(me, `href="/papers/hep-th%2F9901001"`) {
			t.Error("/me does not list the imported upvotes")
		}
	})

	t.Run("a pasted list gives a first feed", func(t *testing.T) {
		bobCookie := s.signIn(t, "bob", firefox)
		_, me := s.page(t, "GET", "/me", bobCookie, nil)
		code, body := s.postReadingList(t, bobCookie, csrfOf(t, me), nil, "arXiv:2405.07883\nhttps://arxiv.org/abs/2310.11628v1\n", false)
		if code != http.StatusOK || !strings.Contains(body, "2 new upvotes.") {
			t.Fatalf("%d\n%s", code, body)
		}
		_, home := s.page(t, "GET", "/", bobCookie, nil)
		if !strings.Contains(home, "Because you upvoted") {
			t.Error("bob's home page after the import is not a feed explained by his upvotes")
		}
	})
}
