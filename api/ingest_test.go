package api_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/paperhound/paperhound/schema/schematest"
)

type addedAnswer struct {
	Added, Updated, Unchanged int
	Rejected                  []struct {
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
	if keys := sortedKeys(raw); !slices.Equal(keys, []string{"added", "rejected", "unchanged", "updated"}) {
		t.Errorf("keys %v, want added rejected unchanged updated", keys)
	}
	if string(raw["rejected"]) == "null" {
		t.Error("rejected is null, want a list")
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
			}
			for _, tt := range tests {
				p := problem(t, u.do(t, "POST", "/v1/papers", adminToken, tt.body), tt.status)
				if !strings.Contains(p.Detail, tt.mention) {
					t.Errorf("%s: detail %q does not mention %q", tt.name, p.Detail, tt.mention)
				}
			}
			// Not JSON, but text: every line is reported.
			if a := u.post(t, adminToken, "not json\nat all\n", 200); a.Added != 0 || len(a.Rejected) != 2 {
				t.Errorf("text: %+v", a)
			}
		})
	}
}
