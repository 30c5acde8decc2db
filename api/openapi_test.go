package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/content"

	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/schema/schematest"
)

// routeTable is the route table of the routers the API serves, recorded as
// they register on a real mux.
type routeTable struct {
	*http.ServeMux
	patterns []string // "METHOD /path", as registered
}

func (rt *routeTable) Handle(pattern string, h http.Handler) {
	rt.patterns = append(rt.patterns, pattern)
	rt.ServeMux.Handle(pattern, h)
}

func (rt *routeTable) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	rt.patterns = append(rt.patterns, pattern)
	rt.ServeMux.HandleFunc(pattern, h)
}

// apiRoutes is the route table of the JSON API and the metrics: what
// openapi.yaml describes (the web pages are not in it).
func apiRoutes() *routeTable {
	log := slog.New(slog.DiscardHandler)
	rt := &routeTable{ServeMux: http.NewServeMux()}
	api.NewMetrics(log).Routes(rt)
	api.New(nil, nil, log).Routes(rt)
	return rt
}

// openAPIDoc fetches /openapi.json from the API as served.
func openAPIDoc(t *testing.T) []byte {
	t.Helper()
	w := do(t, newAPI(t, schematest.Open(t, "sqlite")), "GET", "/openapi.json", "")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	return w.Body.Bytes()
}

// The document served is OpenAPI 3.1, and valid against its schema.
func TestOpenAPIDocument(t *testing.T) {
	doc, err := libopenapi.NewDocument(openAPIDoc(t))
	if err != nil {
		t.Fatal(err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Errorf("OpenAPI version %q, want 3.1.0", v)
	}
	if _, err := doc.BuildV3Model(); err != nil {
		t.Fatalf("build the model: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("%s: %s (%s), line %d", e.Message, e.Reason, e.Context, e.SpecLine)
		}
	}
}

// methods are the operations of an OpenAPI path item.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// The document has every route of the route table and no other: each
// missing one is named, with where to add it.
func TestOpenAPIRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(openAPIDoc(t), &doc); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, item := range doc.Paths {
		for m := range item {
			if slices.Contains(methods, m) {
				documented = append(documented, strings.ToUpper(m)+" "+path)
			}
		}
	}
	routes := apiRoutes().patterns
	if len(routes) < 20 {
		t.Fatalf("recorded %d routes: %v", len(routes), routes)
	}
	for _, r := range routes {
		method, path, ok := strings.Cut(r, " ")
		if !ok {
			t.Errorf("route %q has no method: the document describes each method of a path", r)
			continue
		}
		if !slices.Contains(documented, r) {
			t.Errorf("route %q is in the route table but not in api/openapi.yaml: add paths.%q.%s", r, path, strings.ToLower(method))
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("api/openapi.yaml describes %q, which no route serves: remove it, or register the route (api.go)", d)
		}
	}
}

// What the API answers, successes and errors, fits the document: every
// documented operation is called at least once and its request and
// answer validated.
func TestOpenAPIResponses(t *testing.T) {
	v := newValidator(t)
	u := newUsers(t, schematest.Open(t, "sqlite"))
	alice, bob, admin := u.token["alice"], u.token["bob"], u.token["admin"]
	key := struct{ Key string }{}
	{
		w := u.do(t, "POST", "/v1/users/alice/feed-key", alice, "")
		mustStatus(t, w, http.StatusOK)
		json.Unmarshal(w.Body.Bytes(), &key)
	}
	// Two collections of alice's: KV caches, and Tokenizers, left empty.
	newCollection := func(name string) string {
		c, err := u.store.CreateCollection(t.Context(), "alice", name)
		if err != nil {
			t.Fatal(err)
		}
		return api.CollectionPath(c)
	}
	kv, tok := newCollection("KV caches"), newCollection("Tokenizers")
	onePaper := `{"id": "2501.00001", "title": "A paper posted to the API", "abstract": "Caching keys and values.", "published": "2025-01-02"}`
	// Reading lists: as text, as BibTeX, and as the forms a browser sends.
	plainList := "1706.03762\nhttps://arxiv.org/abs/2407.18121\n10.18653/v1/N19-1423\n"
	bib := "@article{tok, title = {Zero-Shot Tokenizer Transfer}, eprint = {2405.07883}}\n@misc{unknown, title = {No Such Paper}}\n"
	badBib := "@article{bad,\n  title = {T}\n  year = 2020\n}\n"
	listForm, listFormType := multipartForm(t, "list", "", plainList)
	fileForm, fileFormType := multipartForm(t, "file", "library.bib", bib)
	bothForm, bothFormType := multipartForm(t, "list", "", plainList, "file", "library.bib", bib)
	tests := []struct {
		method, target, token, body string
		header                      string // "Name: value"
		status                      int
	}{
		{"GET", "/healthz", "", "", "", 200},
		{"GET", "/readyz", "", "", "", 200},
		{"GET", "/openapi.json", "", "", "", 200},
		{"GET", "/metrics", "", "", "", 200},
		{"GET", "/v1/papers/2407.18121", "", "", "", 200},
		{"GET", "/v1/papers/hep-th%2F9901001", "", "", "", 200},
		{"GET", "/v1/papers/no-such-paper", "", "", "", 404},
		{"GET", "/v1/papers/2407.18121/similar?limit=3&after=2024-01-01", "", "", "", 200},
		{"GET", "/v1/papers/2407.18121/similar?limit=0", "", "", "", 400},
		{"GET", "/v1/search?q=speculative+decoding&limit=5", "", "", "", 200},
		{"GET", "/v1/search", "", "", "", 400},
		{"POST", "/v1/search", "", `{"text": "compressing the KV cache of long-context LLMs", "limit": 3}`, "", 200},
		{"POST", "/v1/search", "", `{"txt": "a typo"}`, "", 400},
		{"POST", "/v1/search", "", `{"text": "` + strings.Repeat("a", api.MaxBody) + `"}`, "", 413},
		{"GET", "/v1/trending?days=30&limit=5", "", "", "", 200},
		{"GET", "/v1/trending?days=0", "", "", "", 400},
		{"POST", "/v1/papers", admin, onePaper, "", 200},
		{"POST", "/v1/papers", admin, "", "", 400},
		{"POST", "/v1/papers", "", onePaper, "", 401},
		{"POST", "/v1/papers", alice, onePaper, "", 403},
		{"POST", "/v1/papers", admin, onePaper, "Content-Encoding: br", 415},
		{"PUT", "/v1/users/alice/upvotes/2407.18121", alice, "", "", 204},
		{"PUT", "/v1/users/alice/upvotes/no-such-paper", alice, "", "", 404},
		{"PUT", "/v1/users/alice/upvotes/2407.18121", bob, "", "", 403},
		{"PUT", "/v1/users/alice/hidden/2407.15891", alice, "", "", 204},
		{"GET", "/v1/users/alice/upvotes", alice, "", "", 200},
		{"GET", "/v1/users/alice/hidden", admin, "", "", 200},
		{"GET", "/v1/users/nobody/hidden", admin, "", "", 404},
		{"GET", "/v1/users/alice/recommendations?limit=2&popularity=0.5", alice, "", "", 200},
		{"GET", "/v1/users/bob/recommendations", bob, "", "", 200}, // no upvotes: trending
		{"GET", "/v1/users/alice/recommendations?cursor=nonsense", alice, "", "", 400},
		{"GET", "/v1/users/alice/recommendations", "", "", "", 401},
		{"GET", "/v1/users/alice/recommendations", "wrong-token", "", "", 401},
		{"GET", "/v1/users/alice/votes.jsonl", alice, "", "", 200},
		{"GET", "/v1/users/alice/feed.atom?key=" + key.Key, "", "", "", 200},
		{"GET", "/v1/users/alice/feed.atom?key=wrong", "", "", "", 401},
		{"GET", "/v1/users/alice/feed.atom?limit=5", alice, "", "", 200},
		{"POST", "/v1/users/alice/reading-list?dry_run=true", alice, plainList, "Content-Type: text/plain", 200},
		{"POST", "/v1/users/alice/reading-list", alice, bib, "Content-Type: application/x-bibtex", 200},
		{"POST", "/v1/users/alice/reading-list?dry_run=false", admin, listForm, "Content-Type: " + listFormType, 200},
		{"POST", "/v1/users/alice/reading-list", alice, fileForm, "Content-Type: " + fileFormType, 200},
		{"POST", "/v1/users/alice/reading-list", alice, bothForm, "Content-Type: " + bothFormType, 400},
		{"POST", "/v1/users/alice/reading-list", alice, badBib, "Content-Type: application/x-bibtex", 400},
		{"POST", "/v1/users/alice/reading-list", alice, "# nothing\n", "Content-Type: text/plain", 400},
		{"POST", "/v1/users/alice/reading-list?dry_run=maybe", alice, plainList, "Content-Type: text/plain", 400},
		{"POST", "/v1/users/alice/reading-list", alice, strings.Repeat("a", api.MaxReadingList+1), "Content-Type: text/plain", 413},
		{"POST", "/v1/users/alice/reading-list", bob, plainList, "Content-Type: text/plain", 403},
		{"POST", "/v1/users/alice/collections", alice, `{"name": "Long context"}`, "", 201},
		{"POST", "/v1/users/alice/collections", alice, `{"name": "kv  Caches "}`, "", 409},
		{"POST", "/v1/users/alice/collections", alice, `{"name": " "}`, "", 400},
		{"POST", "/v1/users/alice/collections", bob, `{"name": "Mine"}`, "", 403},
		{"POST", "/v1/users/alice/collections", admin, `{"name": "Reasoning"}`, "", 201},
		{"GET", "/v1/users/alice/collections", alice, "", "", 200},
		{"GET", "/v1/users/alice/collections", "", "", "", 401},
		{"PUT", kv + "/papers/2407.18121", alice, "", "", 204},
		{"PUT", kv + "/papers/hep-th%2F9901001", admin, "", "", 204},
		{"PUT", kv + "/papers/no-such-paper", alice, "", "", 404},
		{"PUT", "/v1/users/alice/collections/99/papers/2407.18121", alice, "", "", 404},
		{"GET", kv, alice, "", "", 200},
		{"GET", "/v1/users/alice/collections/one", alice, "", "", 404},
		{"GET", "/v1/users/bob/collections/1", bob, "", "", 404},
		{"GET", kv + "/recommendations?limit=2&after=2024-01-01", alice, "", "", 200},
		{"GET", tok + "/recommendations", alice, "", "", 200}, // empty: an empty feed
		{"GET", kv + "/recommendations?cursor=nonsense", alice, "", "", 400},
		{"GET", kv + "/feed.atom?key=" + key.Key, "", "", "", 200},
		{"GET", kv + "/feed.atom?limit=5", admin, "", "", 200},
		{"GET", kv + "/feed.atom?key=wrong", "", "", "", 401},
		{"GET", "/v1/users/alice/collections/99/feed.atom?key=" + key.Key, "", "", "", 404},
		{"PATCH", kv, alice, `{"name": "Caches"}`, "", 200},
		{"PATCH", kv, alice, `{"name": "tokenizers"}`, "", 409},
		{"PATCH", kv, alice, `{"title": "Caches"}`, "", 400},
		{"DELETE", kv + "/papers/hep-th%2F9901001", alice, "", "", 204},
		{"DELETE", "/v1/users/alice/collections/99/papers/2407.18121", alice, "", "", 404},
		{"DELETE", tok, alice, "", "", 204},
		{"DELETE", tok, alice, "", "", 404},
		{"POST", "/v1/users/alice/feed-key", admin, "", "", 200},
		{"DELETE", "/v1/users/alice/upvotes/2407.18121", alice, "", "", 204},
		{"DELETE", "/v1/users/alice/hidden/2407.15891", admin, "", "", 204},
	}
	routes := apiRoutes()
	called := map[string]bool{}
	for _, tt := range tests {
		name := fmt.Sprintf("%s %s %d", tt.method, tt.target, tt.status)
		if len(name) > 80 {
			name = name[:80]
		}
		t.Run(name, func(t *testing.T) {
			req := func() *http.Request {
				r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
				if tt.body != "" {
					r.Header.Set("Content-Type", "application/json")
				}
				if tt.token != "" {
					r.Header.Set("Authorization", "Bearer "+tt.token)
				}
				if name, value, ok := strings.Cut(tt.header, ": "); ok {
					r.Header.Set(name, value)
				}
				return r
			}
			w := httptest.NewRecorder()
			u.h.ServeHTTP(w, req())
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			// A request that is wrong on purpose does not fit the document;
			// the answer to it must.
			check, what := v.ValidateHttpResponse, "answer"
			if tt.status < 400 {
				check, what = v.ValidateHttpRequestResponse, "request or answer"
			}
			if ok, errs := check(req(), w.Result()); !ok {
				for _, e := range errs {
					t.Errorf("%s does not fit the document: %s: %s %v", what, e.Message, e.Reason, e.SchemaValidationErrors)
				}
				t.Logf("answer: %.500s", w.Body)
			}
			_, pattern := routes.Handler(req())
			called[pattern] = true
		})
	}
	for _, r := range routes.patterns {
		if !called[r] {
			t.Errorf("no request above calls %q: add one, so that its answers are checked against the document", r)
		}
	}
}

// While the index loads, /readyz answers 503 with the shape documented.
func TestOpenAPIReadyLoading(t *testing.T) {
	v := newValidator(t)
	store := schematest.Open(t, "sqlite")
	life := new(api.Lifecycle)
	life.Loading(3, 10)
	log := slog.New(slog.DiscardHandler)
	h := api.Handler(log, api.NewMetrics(log), api.New(nil, store, log, api.WithLifecycle(life)))
	w := do(t, h, "GET", "/readyz", "")
	mustStatus(t, w, http.StatusServiceUnavailable)
	if ok, errs := v.ValidateHttpResponse(httptest.NewRequest("GET", "/readyz", nil), w.Result()); !ok {
		for _, e := range errs {
			t.Errorf("answer does not fit the document: %s: %s", e.Message, e.Reason)
		}
	}
}

// multipartForm is a multipart/form-data body of the given parts (name,
// file name, or "" for a field, and content, three by three) and its
// content type.
func multipartForm(t *testing.T, parts ...string) (body, contentType string) {
	t.Helper()
	var b strings.Builder
	mw := multipart.NewWriter(&b)
	for i := 0; i+2 < len(parts); i += 3 {
		var w io.Writer
		var err error
		if parts[i+1] == "" {
			w, err = mw.CreateFormField(parts[i])
		} else {
			w, err = mw.CreateFormFile(parts[i], parts[i+1])
		}
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, parts[i+2])
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String(), mw.FormDataContentType()
}

func newValidator(t *testing.T) validator.Validator {
	t.Helper()
	doc, err := libopenapi.NewDocument(openAPIDoc(t))
	if err != nil {
		t.Fatal(err)
	}
	// Text, forms and BibTeX are validated too, not only JSON.
	v, errs := validator.NewValidator(doc, config.WithStandardBodyDecoders(),
		config.WithBodyDecoder(api.JSONLines, content.DecoderFunc(jsonLines)),
		config.WithBodyDecoder("application/x-bibtex", content.TextDecoder()))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return v
}

// jsonLines reads JSON Lines as the array of their values, which the
// document's schemas of JSON Lines describe.
func jsonLines(in *content.DecodeInput) (any, error) {
	dec := json.NewDecoder(in.Body)
	lines := []any{}
	for {
		var v any
		switch err := dec.Decode(&v); {
		case errors.Is(err, io.EOF):
			return lines, nil
		case err != nil:
			return nil, err
		}
		lines = append(lines, v)
	}
}
