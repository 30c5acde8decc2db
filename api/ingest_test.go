package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/paperhound/paperhound/schema/schematest"
)

type addedAnswer struct {
	Added, Updated, Unchanged int
	Rejected, Warnings        []struct {
		Line   int
		Reason string
	}
}

func (u *users) post(t *testing.T, token, body string, status int) addedAnswer {
	t.Helper()
	w := u.do(t, "POST", "/v1/papers", token, body)
	mustStatus(t, w, status)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if keys := sortedKeys(raw); !slices.Equal(keys, []string{"added", "rejected", "unchanged", "updated", "warnings"}) {
		t.Errorf("keys %v, want added rejected unchanged updated warnings", keys)
	}
	if string(raw["rejected"]) == "null" || string(raw["warnings"]) == "null" {
		t.Error("rejected or warnings is null, want a list")
	}
	var a addedAnswer
	json.Unmarshal(w.Body.Bytes(), &a)
	return a
}

func TestAddPapers(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			u := newUsers(t, b.Store)
			one := `{"id": "2601.00001", "title": "Paged attention for tiny devices", "abstract": "We page the KV cache of small language models.", "published": "2026-01-05"}`

			// Admin only.
			problem(t, u.do(t, "POST", "/v1/papers", "", one), 401)
			problem(t, u.do(t, "POST", "/v1/papers", u.token["alice"], one), 403)
			problem(t, do(t, u.h, "GET", "/v1/papers/2601.00001", ""), 404)

			// One object, indented over several lines.
			indented := "{\n  \"id\": \"2601.00001\",\n  \"title\": \"Paged attention for tiny devices\",\n" +
				"  \"abstract\": \"We page the KV cache of small language models.\",\n  \"published\": \"2026-01-05\"\n}\n"
			if a := u.post(t, adminToken, indented, 200); a.Added != 1 || len(a.Rejected) != 0 {
				t.Errorf("one indented paper: %+v", a)
			}
			if a := u.post(t, adminToken, one, 200); a.Unchanged != 1 || a.Added+a.Updated != 0 {
				t.Errorf("the same again: %+v, want unchanged", a)
			}

			// A batch with a bad record: it is reported with its line, the
			// others are stored, and searchable at once.
			batch := `[
  {"id": "2601.00002", "title": "Speculative decoding on phones", "abstract": "Draft models for mobile inference."},
  {"id": "2601.00003", "abstract": "A paper without a title."},
  {"id": "2601.00001", "title": "Paged attention for tiny devices, revised", "abstract": "We page the KV cache of small language models."},
  {"id": "2601.00004", "title": "Tokenizer-free language models", "published": "2026-13-01"}
]`
			a := u.post(t, adminToken, batch, 200)
			if a.Added != 1 || a.Updated != 1 || len(a.Rejected) != 2 {
				t.Fatalf("batch: %+v, want 1 added, 1 updated, 2 rejected", a)
			}
			if a.Rejected[0].Line != 3 || !strings.Contains(a.Rejected[0].Reason, "title") ||
				a.Rejected[1].Line != 5 || !strings.Contains(a.Rejected[1].Reason, "2026-13-01") {
				t.Errorf("rejected %+v, want line 3 (no title) and line 5 (bad date)", a.Rejected)
			}
			for id, want := range map[string]int{"2601.00001": 200, "2601.00002": 200, "2601.00003": 404, "2601.00004": 404} {
				if w := do(t, u.h, "GET", "/v1/papers/"+id, ""); w.Code != want {
					t.Errorf("GET %s: %d, want %d", id, w.Code, want)
				}
			}
			if got := papers(t, do(t, u.h, "GET", "/v1/search?q="+url.QueryEscape("speculative decoding phones mobile"), "")); len(got) == 0 || got[0].ID != "2601.00002" {
				t.Errorf("search for the new paper: %v", ids(got))
			}

			// JSON Lines, and the Hugging Face format.
			lines := `{"id": "2601.00005", "title": "Five"}` + "\n" + `{"paper": {"id": "2601.00006", "title": "Six", "summary": "From the daily papers."}}` + "\n"
			if a := u.post(t, adminToken, lines, 200); a.Added != 2 || len(a.Rejected) != 0 {
				t.Errorf("JSON Lines: %+v", a)
			}

			tests := []struct {
				name, body string
				status     int
				mention    string
			}{
				{"empty", "", 400, "empty"},
				{"blank", " \n ", 400, "empty"},
				{"binary", "\x00\x01\x02garbage", 400, "not"},
				{"over 16 MiB", `[{"id": "x", "title": "` + strings.Repeat("a", 17<<20) + `"}]`, 413, "16777216"},
				// Not JSON, but text: one message, not one a line.
				{"text", "not json\nat all\n", 400, `not JSON Lines or a JSON array: starts with "not json"`},
			}
			for _, tt := range tests {
				p := problem(t, u.do(t, "POST", "/v1/papers", adminToken, tt.body), tt.status)
				if !strings.Contains(p.Detail, tt.mention) {
					t.Errorf("%s: detail %q does not mention %q", tt.name, p.Detail, tt.mention)
				}
			}
		})
	}
}

// Bodies that are not plain papers: gzip, votes, links that are not http(s).
func TestAddPapersBodies(t *testing.T) {
	gz := func(s string) string {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.String()
	}
	paper := `{"id": "2601.00001", "title": "Paged attention for tiny devices"}`
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			u := newUsers(t, b.Store)
			tests := []struct {
				name, body, encoding string
				status               int
				want                 string // the answer's counts and lists, or the problem's detail
			}{
				{"gzip, said so", gz(paper), "gzip", 200, "added 1 rejected [] warnings []"},
				{"gzip, not said", gz(paper), "", 200, "added 0 rejected [] warnings []"},
				{"said gzip, but not", paper, "gzip", 400, "the body is not gzip as Content-Encoding says: gzip: invalid header"},
				{"gzip magic, then junk", "\x1f\x8bjunk and more junk", "", 400, "the body starts like gzip but is not: gzip: invalid header"},
				{"gzip cut short", gz(paper)[:20], "", 400, "the gzip body is cut short or damaged: unexpected EOF"},
				{"gzip of over 16 MiB", gz(`[{"id": "x", "title": "` + strings.Repeat("a", 17<<20) + `"}]`), "gzip", 413, "the body is over 16777216 bytes once gunzipped: send the papers in several requests"},
				{"another encoding", paper, "br", 415, `Content-Encoding "br" is not supported: send the body as is, or gzip-compressed`},
				{"votes", `{"user": "alice", "paper": "2601.00001"}` + "\n" + `{"user": "bob", "paper": "2601.00001"}`, "", 400,
					"the body holds no papers: this looks like votes (user, paper), not papers: load them with `paperhound ingest --upvotes`"},
				{"a javascript: link", `{"id": "2601.00002", "title": "T", "url": "javascript:alert(1)"}`, "", 200,
					`added 1 rejected [] warnings [{1 "url" "javascript:alert(1)" is not an http or https link: the paper is kept without it}]`},
			}
			for _, tt := range tests {
				req := httptest.NewRequest("POST", "/v1/papers", strings.NewReader(tt.body))
				req.Header.Set("Authorization", "Bearer "+adminToken)
				if tt.encoding != "" {
					req.Header.Set("Content-Encoding", tt.encoding)
				}
				w := httptest.NewRecorder()
				u.h.ServeHTTP(w, req)
				var got string
				if tt.status == 200 {
					mustStatus(t, w, 200)
					var a addedAnswer
					json.Unmarshal(w.Body.Bytes(), &a)
					got = fmt.Sprintf("added %d rejected %v warnings %v", a.Added, a.Rejected, a.Warnings)
				} else {
					got = problem(t, w, tt.status).Detail
				}
				if got != tt.want {
					t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
				}
			}
			if w := do(t, u.h, "GET", "/v1/papers/2601.00002", ""); w.Code != 200 || strings.Contains(w.Body.String(), "javascript") {
				t.Errorf("the paper with a javascript: link: %d %s", w.Code, w.Body)
			}
		})
	}
}
