package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// kvCache are the sample papers about KV caches, Elastic Cache (2407.18121)
// among them.
var kvCache = ingest.SampleKVCache

// oldStyle is an arXiv id from before 2007, with a slash in it.
var oldStyle = apitest.OldStyle

// newAPI returns the whole API over store, filled with the sample papers
// and oldStyle through the engine, as the server fills it.
func newAPI(t *testing.T, store *schema.Store) http.Handler {
	t.Helper()
	return newHandler(apitest.SampleEngine(t, store), store, slog.New(slog.DiscardHandler))
}

// newHandler is the JSON API over engine and store as the server serves it.
func newHandler(engine *recommend.Engine, store *schema.Store, log *slog.Logger, opts ...api.Option) http.Handler {
	return api.Handler(log, api.NewMetrics(log), api.New(engine, store, log, opts...))
}

func do(t *testing.T, h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// rankedPaper is one paper of a {"papers": [...]} answer.
type rankedPaper struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Authors   []string `json:"authors"`
	Published *string  `json:"published"`
	URL       string   `json:"url"`
	Score     float64  `json:"score"`
}

// papers checks a 200 {"papers": [...]} answer field by field and returns it.
func papers(t *testing.T, w *httptest.ResponseRecorder) []rankedPaper {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var raw map[string][]map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatalf("body %s: %v", w.Body, err)
	}
	if keys := sortedKeys(raw); !slices.Equal(keys, []string{"papers"}) {
		t.Errorf("top-level keys %v, want [papers]", keys)
	}
	if raw["papers"] == nil {
		t.Errorf("papers is null, want a list: %s", w.Body)
	}
	want := []string{"authors", "id", "published", "score", "title", "url"}
	for i, p := range raw["papers"] {
		if keys := sortedKeys(p); !slices.Equal(keys, want) {
			t.Errorf("paper %d has keys %v, want %v", i, keys, want)
		}
		if string(p["authors"]) == "null" {
			t.Errorf("paper %d: authors is null, want a list", i)
		}
	}
	var out struct{ Papers []rankedPaper }
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	for i, p := range out.Papers {
		if p.ID == "" || p.Title == "" || p.Score <= 0 {
			t.Errorf("paper %d: %+v, want an id, a title and a positive score", i, p)
		}
		if i > 0 && p.Score > out.Papers[i-1].Score {
			t.Errorf("paper %d (%s) scores %v, above the one before it (%v)", i, p.ID, p.Score, out.Papers[i-1].Score)
		}
	}
	return out.Papers
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func ids(ps []rankedPaper) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

type problemJSON struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
}

// problem checks an RFC 9457 answer with the given status and returns it.
func problem(t *testing.T, w *httptest.ResponseRecorder, status int) problemJSON {
	t.Helper()
	if w.Code != status {
		t.Errorf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	var p problemJSON
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("body %s: %v", w.Body, err)
	}
	if p.Status != status || p.Title != http.StatusText(status) || p.Detail == "" {
		t.Errorf("problem %+v, want status %d, title %q and a detail", p, status, http.StatusText(status))
	}
	return p
}

func TestAPI(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			h := newAPI(t, b.Store)
			t.Run("Health", func(t *testing.T) { testHealth(t, h) })
			t.Run("Paper", func(t *testing.T) { testPaper(t, h) })
			t.Run("Similar", func(t *testing.T) { testSimilar(t, h) })
			t.Run("Search", func(t *testing.T) { testSearch(t, h) })
			t.Run("DateFilters", func(t *testing.T) { testDateFilters(t, h) })
			t.Run("Limit", func(t *testing.T) { testLimit(t, h) })
			t.Run("BadRequests", func(t *testing.T) { testBadRequests(t, h) })
			t.Run("NotFound", func(t *testing.T) { testNotFound(t, h) })
			t.Run("SlashInID", func(t *testing.T) { testSlashInID(t, h) })
		})
	}
}

func testHealth(t *testing.T, h http.Handler) {
	w := do(t, h, "GET", "/healthz", "")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if got := strings.TrimSpace(w.Body.String()); got != `{"status":"ok"}` {
		t.Errorf("body %s, want {\"status\":\"ok\"}", got)
	}
}

func testPaper(t *testing.T, h http.Handler) {
	w := do(t, h, "GET", "/v1/papers/2407.18121", "")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	// The sample paper has no authors and no categories, which are omitted;
	// the store's own timestamps never show.
	allowed := []string{"abstract", "authors", "categories", "id", "published", "title", "upvotes", "url"}
	for k := range raw {
		if !slices.Contains(allowed, k) {
			t.Errorf("unexpected field %q in %s", k, w.Body)
		}
	}
	for _, k := range []string{"abstract", "id", "published", "title", "url"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("field %q missing from %s", k, w.Body)
		}
	}
	var p struct {
		ID, Title, Abstract, Published, URL string
	}
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.ID != "2407.18121" ||
		p.Title != "Efficient Inference of Vision Instruction-Following Models with Elastic Cache" ||
		p.Published != "2024-07-25" || p.URL != "https://arxiv.org/abs/2407.18121" ||
		!strings.HasPrefix(p.Abstract, "In the field of instruction-following") {
		t.Errorf("paper %+v, want Elastic Cache of 2024-07-25", p)
	}
}

func testSimilar(t *testing.T, h http.Handler) {
	got := papers(t, do(t, h, "GET", "/v1/papers/2407.18121/similar", ""))
	if len(got) != 10 {
		t.Errorf("%d papers, want the default 10", len(got))
	}
	if slices.Contains(ids(got), "2407.18121") {
		t.Errorf("2407.18121 is similar to itself: %v", ids(got))
	}
	kv := 0
	for _, p := range got[:5] {
		if slices.Contains(kvCache, p.ID) {
			kv++
		}
	}
	if kv < 3 {
		t.Errorf("%d KV-cache papers in the top 5 similar to Elastic Cache, want 3 or more: %v", kv, ids(got[:5]))
	}

	// Never itself, whatever the paper and however many are asked for.
	for _, id := range append(kvCache, "2304.01982", "context-cascade-compression-exploring-the-upper-limits-of") {
		got := papers(t, do(t, h, "GET", "/v1/papers/"+id+"/similar?limit=100", ""))
		if slices.Contains(ids(got), id) {
			t.Errorf("%s is similar to itself", id)
		}
		if len(got) == 0 {
			t.Errorf("nothing similar to %s", id)
		}
	}
}

func testSearch(t *testing.T, h http.Handler) {
	get := papers(t, do(t, h, "GET", "/v1/search?q="+url.QueryEscape("KV cache compression")+"&limit=5", ""))
	if len(get) != 5 {
		t.Errorf("GET: %d papers, want 5", len(get))
	}
	for _, p := range get[:3] {
		if !slices.Contains(kvCache, p.ID) {
			t.Errorf("GET: %s in the top 3 for \"KV cache compression\" is not about KV caches: %v", p.ID, ids(get))
		}
	}

	draft := "Long-context inference with large language models is limited by the memory of the " +
		"key-value (KV) cache. We propose to evict and merge cached keys and values of the less " +
		"important tokens, per attention head, compressing the KV cache with little loss of accuracy."
	body, _ := json.Marshal(map[string]any{"text": draft, "limit": 5})
	post := papers(t, do(t, h, "POST", "/v1/search", string(body)))
	if len(post) != 5 {
		t.Errorf("POST: %d papers, want 5", len(post))
	}
	for _, p := range post[:3] {
		if !slices.Contains(kvCache, p.ID) {
			t.Errorf("POST: %s in the top 3 for a KV-cache draft is not about KV caches: %v", p.ID, ids(post))
		}
	}

	// The default limit, and GET and POST agreeing on the same text.
	get = papers(t, do(t, h, "GET", "/v1/search?q="+url.QueryEscape(draft), ""))
	post = papers(t, do(t, h, "POST", "/v1/search", `{"text": `+string(mustJSON(t, draft))+`}`))
	if len(get) != 10 || !slices.Equal(ids(get), ids(post)) {
		t.Errorf("GET ranks %v, POST %v: want the same 10", ids(get), ids(post))
	}

	// Filters in the POST body.
	post = papers(t, do(t, h, "POST", "/v1/search", `{"text": "KV cache", "limit": 100, "after": "2024-07-01", "before": "2024-12-31"}`))
	if len(post) == 0 {
		t.Error("POST with dates: no papers, want the KV-cache papers of late 2024")
	}
	for _, p := range post {
		if p.Published == nil || *p.Published < "2024-07-01" || *p.Published > "2024-12-31" {
			t.Errorf("POST with dates: %s published %v, outside 2024-07-01..2024-12-31", p.ID, p.Published)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testDateFilters(t *testing.T, h http.Handler) {
	for _, base := range []string{"/v1/papers/2407.18121/similar?limit=100", "/v1/search?limit=100&q=KV+cache+tokens"} {
		all := papers(t, do(t, h, "GET", base, ""))
		undated := 0
		for _, p := range all {
			if p.Published == nil {
				undated++
			}
		}
		if undated == 0 {
			t.Fatalf("%s: no undated paper among %v, so the test shows nothing", base, ids(all))
		}
		tests := []struct{ after, before string }{
			{"2024-01-01", ""},
			{"", "2024-12-31"},
			{"2024-01-01", "2024-12-31"},
			{"2024-07-21", "2024-07-21"}, // inclusive: RazorAttention's day
			{"2030-01-01", ""},           // nothing that late
		}
		for _, tt := range tests {
			target := base
			if tt.after != "" {
				target += "&after=" + tt.after
			}
			if tt.before != "" {
				target += "&before=" + tt.before
			}
			got := papers(t, do(t, h, "GET", target, ""))
			// Filtering keeps exactly the dated papers in range, every one of
			// which was found without the filter too.
			var want []string
			for _, p := range all {
				if p.Published != nil && (tt.after == "" || *p.Published >= tt.after) && (tt.before == "" || *p.Published <= tt.before) {
					want = append(want, p.ID)
				}
			}
			gotIDs := ids(got)
			slices.Sort(gotIDs)
			slices.Sort(want)
			if !slices.Equal(gotIDs, want) {
				t.Errorf("%s: got %v, want %v", target, gotIDs, want)
			}
			if len(got) >= len(all) {
				t.Errorf("%s: %d papers, no fewer than unfiltered (%d)", target, len(got), len(all))
			}
		}
	}
	got := papers(t, do(t, h, "GET", "/v1/papers/2407.18121/similar?after=2024-07-21&before=2024-07-21", ""))
	if !slices.Equal(ids(got), []string{"2407.15891"}) {
		t.Errorf("similar on 2024-07-21: %v, want [2407.15891]", ids(got))
	}
}

func testLimit(t *testing.T, h http.Handler) {
	tests := []struct {
		target string
		want   int
	}{
		{"/v1/papers/2407.18121/similar?limit=1", 1},
		{"/v1/papers/2407.18121/similar?limit=3", 3},
		{"/v1/search?q=speculative+decoding&limit=1", 1},
		{"/v1/search?q=speculative+decoding&limit=7", 7},
	}
	for _, tt := range tests {
		if got := papers(t, do(t, h, "GET", tt.target, "")); len(got) != tt.want {
			t.Errorf("%s: %d papers, want %d", tt.target, len(got), tt.want)
		}
	}
	// 100 is allowed, and returns every other paper with a word in common:
	// at most the 38 others.
	got := papers(t, do(t, h, "GET", "/v1/papers/2407.18121/similar?limit=100", ""))
	if len(got) < 20 || len(got) > 38 {
		t.Errorf("limit=100: %d papers, want between 20 and 38", len(got))
	}
	if got := papers(t, do(t, h, "POST", "/v1/search", `{"text": "speculative decoding", "limit": 2}`)); len(got) != 2 {
		t.Errorf("POST limit 2: %d papers", len(got))
	}
}

func testBadRequests(t *testing.T, h http.Handler) {
	big := `{"text": "` + strings.Repeat("kv cache ", 2<<20/9) + `"}`
	tests := []struct {
		name, method, target, body string
		status                     int
		mention                    string // the detail names the parameter at fault
	}{
		{"limit 0", "GET", "/v1/papers/2407.18121/similar?limit=0", "", 400, "limit"},
		{"limit 101", "GET", "/v1/papers/2407.18121/similar?limit=101", "", 400, "limit"},
		{"limit abc", "GET", "/v1/papers/2407.18121/similar?limit=abc", "", 400, "limit"},
		{"limit negative", "GET", "/v1/search?q=kv&limit=-1", "", 400, "limit"},
		{"search limit 101", "GET", "/v1/search?q=kv&limit=101", "", 400, "limit"},
		{"after month 13", "GET", "/v1/papers/2407.18121/similar?after=2024-13-01", "", 400, "after"},
		{"before malformed", "GET", "/v1/search?q=kv&before=yesterday", "", 400, "before"},
		{"before < after", "GET", "/v1/papers/2407.18121/similar?after=2024-06-01&before=2024-01-01", "", 400, "before"},
		{"empty q", "GET", "/v1/search?q=", "", 400, "q="},
		{"no q", "GET", "/v1/search", "", 400, "q="},
		{"whitespace q", "GET", "/v1/search?q=%20%09%20", "", 400, "q="},
		{"punctuation q", "GET", "/v1/search?q=%21%21%21", "", 400, "query"},
		{"POST malformed JSON", "POST", "/v1/search", `{"text": "kv`, 400, "JSON"},
		{"POST not an object", "POST", "/v1/search", `["kv cache"]`, 400, "JSON"},
		{"POST unknown field", "POST", "/v1/search", `{"text": "kv cache", "lmit": 5}`, 400, `"lmit"`},
		{"POST empty body", "POST", "/v1/search", "", 400, "empty body"},
		{"POST empty text", "POST", "/v1/search", `{"text": ""}`, 400, "text"},
		{"POST whitespace text", "POST", "/v1/search", `{"text": "  \n "}`, 400, "text"},
		{"POST limit 0", "POST", "/v1/search", `{"text": "kv cache", "limit": 0}`, 400, "limit"},
		{"POST limit 101", "POST", "/v1/search", `{"text": "kv cache", "limit": 101}`, 400, "limit"},
		{"POST limit string", "POST", "/v1/search", `{"text": "kv cache", "limit": "5"}`, 400, "limit"},
		{"POST bad after", "POST", "/v1/search", `{"text": "kv cache", "after": "2024-13-01"}`, 400, "after"},
		{"POST 2 MiB", "POST", "/v1/search", big, 413, "1048576"},
		{"POST 2 MiB after valid JSON", "POST", "/v1/search", `{"text": "kv cache"}` + strings.Repeat(" ", 2<<20), 413, "1048576"},
		{"POST 2 MiB not JSON", "POST", "/v1/search", strings.Repeat("x", 2<<20), 413, "1048576"},
		{"POST two objects", "POST", "/v1/search", `{"text": "kv cache"} {"text": "tokenizer"}`, 400, "JSON"},
		{"POST stray brace", "POST", "/v1/search", `{"text": "kv cache"}}`, 400, "follows"},
		{"POST after JSON", "POST", "/v1/search", `{"text": "kv cache"} x`, 400, "follows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := problem(t, do(t, h, tt.method, tt.target, tt.body), tt.status)
			if !strings.Contains(p.Detail, tt.mention) {
				t.Errorf("detail %q does not mention %q", p.Detail, tt.mention)
			}
			if want := strings.SplitN(tt.target, "?", 2)[0]; p.Instance != want {
				t.Errorf("instance %q, want %q", p.Instance, want)
			}
		})
	}
}

func testNotFound(t *testing.T, h http.Handler) {
	tests := []struct{ method, target, mention string }{
		{"GET", "/v1/papers/9999.99999", "9999.99999"},
		{"GET", "/v1/papers/9999.99999/similar", "9999.99999"},
		{"GET", "/v1/papers/9999.99999/similar?limit=5&after=2024-01-01", "9999.99999"},
		{"GET", "/v1/nothing", "/v1/nothing"},
		{"GET", "/nowhere", "/nowhere"},
		{"GET", "/v1/papers/", "/v1/papers/"},
		{"GET", "/v1/papers/2407.18121/cited-by", "/v1/papers/2407.18121/cited-by"},
		{"POST", "/v1/nothing", "/v1/nothing"},
	}
	for _, tt := range tests {
		p := problem(t, do(t, h, tt.method, tt.target, ""), http.StatusNotFound)
		if !strings.Contains(p.Detail, tt.mention) {
			t.Errorf("%s %s: detail %q does not mention %q", tt.method, tt.target, p.Detail, tt.mention)
		}
	}
}

// Old arXiv ids hold a slash, sent URL-encoded as %2F.
func testSlashInID(t *testing.T, h http.Handler) {
	w := do(t, h, "GET", "/v1/papers/hep-th%2F9901001", "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /v1/papers/hep-th%%2F9901001: status %d, body %s", w.Code, w.Body)
	}
	var p paperhound.Paper
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.ID != oldStyle.ID || p.Title != oldStyle.Title {
		t.Errorf("got %+v, want %s", p, oldStyle.ID)
	}

	got := papers(t, do(t, h, "GET", "/v1/papers/hep-th%2F9901001/similar?limit=100", ""))
	if slices.Contains(ids(got), oldStyle.ID) {
		t.Errorf("%s is similar to itself", oldStyle.ID)
	}

	// The unencoded form is another path, with no paper at it.
	problem(t, do(t, h, "GET", "/v1/papers/hep-th/9901001", ""), http.StatusNotFound)

	// And the paper comes back in rankings with its slash.
	got = papers(t, do(t, h, "GET", "/v1/search?q=string+dualities+compactifications", ""))
	if len(got) == 0 || got[0].ID != oldStyle.ID {
		t.Errorf("search for its abstract: %v, want %s first", ids(got), oldStyle.ID)
	}
}

// A panic anywhere below the API, here a nil engine, is a 500 problem that
// does not show the panic.
func TestPanicIs500(t *testing.T) {
	var logs bytes.Buffer
	h := newHandler(nil, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	w := do(t, h, "GET", "/v1/papers/2407.18121", "")
	p := problem(t, w, http.StatusInternalServerError)
	for _, leak := range []string{"nil pointer", "runtime error", "goroutine", ".go:"} {
		if strings.Contains(w.Body.String(), leak) {
			t.Errorf("body leaks %q: %s", leak, w.Body)
		}
	}
	if !strings.Contains(p.Detail, "server log") {
		t.Errorf("detail %q, want a pointer to the server log", p.Detail)
	}
	if !strings.Contains(logs.String(), "nil pointer") {
		t.Errorf("the log does not record the panic: %s", logs.String())
	}
}
