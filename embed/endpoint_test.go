package embed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// The tests here run against httptest servers speaking OpenAI's wire format;
// endpoint_synctest_test.go checks timing (backoff, Retry-After, rate limits)
// on a fake clock.

// wireRequest is the body of POST /v1/embeddings.
type wireRequest struct {
	Input          []string `json:"input"`
	Model          string   `json:"model"`
	EncodingFormat string   `json:"encoding_format"`
	Dimensions     int      `json:"dimensions"`
}

// fakeVector is the fake model: a text's vector starts with its length and
// first byte, so tests can tell which text a vector belongs to.
func fakeVector(text string, dims int) []float32 {
	v := make([]float32, dims)
	v[0] = float32(len(text))
	if dims > 1 {
		v[1] = float32(text[0])
	}
	for i := 2; i < dims; i++ {
		v[i] = float32(i)
	}
	return v
}

// A fakeStep answers one request; fakeServer plays a list of them.
type fakeStep func(w http.ResponseWriter, r *http.Request, req wireRequest)

// answer embeds every input with dims dimensions, in reverse order when
// reversed, to check vectors are placed by index.
func answer(dims int, reversed bool) fakeStep {
	return func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		type item struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		data := make([]item, len(req.Input))
		for i, text := range req.Input {
			data[i] = item{"embedding", i, fakeVector(text, dims)}
		}
		if reversed {
			slices.Reverse(data)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"object": "list",
			"data":   data,
			"model":  req.Model,
			"usage":  map[string]int{"prompt_tokens": 1, "total_tokens": 1},
		})
	}
}

var answerOK = answer(4, false)

// fail answers with a status, a body and header pairs.
func answerError(code int, body string, header ...string) fakeStep {
	return func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if strings.HasPrefix(body, "{") {
			w.Header().Set("Content-Type", "application/json")
		} else {
			w.Header().Set("Content-Type", "text/html")
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func errorBody(msg string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error"}})
	return string(b)
}

const badGatewayHTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// answerNothing answers nothing until the client gives up.
func answerNothing(w http.ResponseWriter, r *http.Request, req wireRequest) { <-r.Context().Done() }

// answerReset resets the connection instead of answering.
func answerReset(w http.ResponseWriter, r *http.Request, req wireRequest) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
}

// fakeServer counts requests and plays steps in turn, repeating the last.
type fakeServer struct {
	t     testing.TB
	steps []fakeStep

	mu          sync.Mutex
	requests    []wireRequest
	inFlight    int
	maxInFlight int
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req wireRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.t.Errorf("request body: %v", err)
	}
	f.mu.Lock()
	n := len(f.requests)
	f.requests = append(f.requests, req)
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	f.steps[min(n, len(f.steps)-1)](w, r, req)
}

func (f *fakeServer) count() int { return len(f.sent()) }

// sent is the requests so far. It locks: the race detector does not see the
// network ordering a handler's writes before the client's reads.
func (f *fakeServer) sent() []wireRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

func (f *fakeServer) mostInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxInFlight
}

// serve starts a fake endpoint and returns an Endpoint for it with cfg, a
// backoff of milliseconds so retries take no real time.
func serveFake(t *testing.T, cfg EndpointConfig, steps ...fakeStep) (*Endpoint, *fakeServer) {
	t.Helper()
	f := &fakeServer{t: t, steps: steps}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL + "/v1"
	if cfg.Model == "" {
		cfg.Model = "m"
	}
	cfg.minBackoff, cfg.maxBackoff = time.Millisecond, 5*time.Millisecond
	e, err := NewEndpoint(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, f
}

// canonicalJSON re-encodes JSON with sorted keys, so bodies compare exactly
// (every field, no extra ones) whatever order the client wrote them in.
func canonicalJSON(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func TestEndpointSuccess(t *testing.T) {
	for _, tc := range []struct {
		name      string
		key       string
		dims      int
		wantBody  string
		wantSpace string
	}{
		{"with key", "sk-test", 0,
			`{"encoding_format":"float","input":["graph neural networks","attention is all you need"],"model":"text-embedding-3-small"}`,
			"endpoint/text-embedding-3-small"},
		{"no key (local server)", "", 0,
			`{"encoding_format":"float","input":["graph neural networks","attention is all you need"],"model":"text-embedding-3-small"}`,
			"endpoint/text-embedding-3-small"},
		{"dimensions", "sk-test", 3,
			`{"dimensions":3,"encoding_format":"float","input":["graph neural networks","attention is all you need"],"model":"text-embedding-3-small"}`,
			"endpoint/text-embedding-3-small@3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			texts := []string{"graph neural networks", "attention is all you need"}
			dims := orDefault(tc.dims, 5)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost {
					t.Errorf("method %s, want POST", r.Method)
				}
				if r.URL.Path != "/v1/embeddings" {
					t.Errorf("path %s, want /v1/embeddings", r.URL.Path)
				}
				if got, want := r.Header.Get("Authorization"), map[bool]string{true: "Bearer " + tc.key}[tc.key != ""]; got != want {
					t.Errorf("Authorization %q, want %q", got, want)
				}
				if got := r.Header.Get("Content-Type"); got != "application/json" {
					t.Errorf("Content-Type %q, want application/json", got)
				}
				body, _ := io.ReadAll(r.Body)
				if got := canonicalJSON(t, body); got != tc.wantBody {
					t.Errorf("body\n got %s\nwant %s", got, tc.wantBody)
				}
				var req wireRequest
				json.Unmarshal(body, &req)
				answer(dims, false)(w, r, req)
			}))
			defer srv.Close()

			e, err := NewEndpoint(EndpointConfig{BaseURL: srv.URL + "/v1", Model: "text-embedding-3-small", APIKey: tc.key, Dimensions: tc.dims})
			if err != nil {
				t.Fatal(err)
			}
			if e.Dims() != 0 {
				t.Errorf("Dims before any answer = %d, want 0", e.Dims())
			}
			got, err := e.Embed(context.Background(), texts)
			if err != nil {
				t.Fatal(err)
			}
			want := []Vector{{Dense: fakeVector(texts[0], dims)}, {Dense: fakeVector(texts[1], dims)}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if e.Dims() != dims {
				t.Errorf("Dims = %d, want %d", e.Dims(), dims)
			}
			if e.Space() != tc.wantSpace {
				t.Errorf("Space = %q, want %q", e.Space(), tc.wantSpace)
			}
		})
	}
}

func TestEndpointPlacesByIndex(t *testing.T) {
	e, _ := serveFake(t, EndpointConfig{}, answer(4, true))
	texts := []string{"alpha", "beta beta", "gamma gamma gamma"}
	got, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		if !slices.Equal(got[i].Dense, fakeVector(text, 4)) {
			t.Errorf("text %d got %v, want %v", i, got[i].Dense, fakeVector(text, 4))
		}
	}
}

// TestEndpointFaults plays failing servers and counts the attempts.
func TestEndpointFaults(t *testing.T) {
	inconsistent := func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		io.WriteString(w, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,2,3,4]},{"object":"embedding","index":1,"embedding":[1,2,3]}],"model":"m"}`)
	}
	fewer := func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		io.WriteString(w, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,2,3,4]}],"model":"m"}`)
	}
	duplicate := func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		io.WriteString(w, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,2]},{"object":"embedding","index":0,"embedding":[1,2]}],"model":"m"}`)
	}
	for _, tc := range []struct {
		name     string
		cfg      EndpointConfig
		steps    []fakeStep
		requests int    // the server must see exactly this many
		wantErr  string // "" for success; else every " | "-separated part must appear
	}{
		{name: "429 then ok", steps: []fakeStep{answerError(429, errorBody("Rate limit reached"), "Retry-After", "0"), answerOK}, requests: 2},
		{name: "500 JSON then ok", steps: []fakeStep{answerError(500, errorBody("internal error")), answerOK}, requests: 2},
		{name: "502 HTML then ok", steps: []fakeStep{answerError(502, badGatewayHTML), answerOK}, requests: 2},
		{name: "503 JSON twice then ok", steps: []fakeStep{answerError(503, errorBody("overloaded")), answerError(503, errorBody("overloaded")), answerOK}, requests: 3},
		{name: "503 HTML then ok", steps: []fakeStep{answerError(503, "<html><body>Service Unavailable</body></html>"), answerOK}, requests: 2},
		{name: "504 then ok", steps: []fakeStep{answerError(504, "upstream timed out"), answerOK}, requests: 2},
		{name: "503 JSON until exhausted", steps: []fakeStep{answerError(503, errorBody("The server is overloaded"))}, requests: 7,
			wantErr: "endpoint unavailable after 7 attempts, last: the endpoint failed (503 Service Unavailable): The server is overloaded"},
		{name: "502 HTML until exhausted", cfg: EndpointConfig{MaxRetries: 2}, steps: []fakeStep{answerError(502, badGatewayHTML)}, requests: 3,
			wantErr: "endpoint unavailable after 3 attempts, last: the endpoint failed (502 Bad Gateway): 502 Bad Gateway 502 Bad Gateway nginx"},
		{name: "500 with retries off", cfg: EndpointConfig{MaxRetries: -1}, steps: []fakeStep{answerError(500, errorBody("boom"))}, requests: 1,
			wantErr: "endpoint unavailable: the endpoint failed (500 Internal Server Error): boom"},
		{name: "timeout then ok", cfg: EndpointConfig{Timeout: 100 * time.Millisecond}, steps: []fakeStep{answerNothing, answerOK}, requests: 2},
		{name: "timeout until exhausted", cfg: EndpointConfig{Timeout: 100 * time.Millisecond, MaxRetries: 2}, steps: []fakeStep{answerNothing}, requests: 3,
			wantErr: "endpoint unavailable after 3 attempts, last: no answer within 100ms"},
		{name: "400 not retried", steps: []fakeStep{answerError(400, errorBody("This model's maximum context length is 8192 tokens"))}, requests: 1,
			wantErr: "the endpoint rejected the request (400 Bad Request): This model's maximum context length is 8192 tokens"},
		{name: "401 not retried", steps: []fakeStep{answerError(401, errorBody("Incorrect API key provided"))}, requests: 1,
			wantErr: "the endpoint rejected the API key (401): Incorrect API key provided"},
		{name: "404 not retried", steps: []fakeStep{answerError(404, `{"error":{"message":"model \"m\" not found, try pulling it first"}}`)}, requests: 1,
			wantErr: `unknown model or wrong URL (404): model "m" not found, try pulling it first`},
		{name: "404 plain text", steps: []fakeStep{answerError(404, "404 page not found")}, requests: 1,
			wantErr: "unknown model or wrong URL (404): 404 page not found"},
		// A 200 that is no embeddings answer, or a connection reset, is a
		// failed request like a 503: retried, then unavailable.
		{name: "HTML 200 then ok", steps: []fakeStep{answerError(200, "<html>welcome to nginx</html>"), answerOK}, requests: 2},
		{name: "wrong shape 200 then ok", steps: []fakeStep{answerError(200, `{"object": "error", "message": "model is loading"}`), answerOK}, requests: 2},
		{name: "reset then ok", steps: []fakeStep{answerReset, answerOK}, requests: 2},
		{name: "wrong length then ok", cfg: EndpointConfig{Dimensions: 4}, steps: []fakeStep{answer(3, false), answerOK}, requests: 2},
		{name: "malformed JSON", cfg: EndpointConfig{MaxRetries: 2}, steps: []fakeStep{answerError(200, "<html>welcome to nginx</html>")}, requests: 3,
			wantErr: "endpoint unavailable after 3 attempts, last: the endpoint's answer is not an embeddings response: invalid character '<'"},
		{name: "reset until exhausted", cfg: EndpointConfig{MaxRetries: 2}, steps: []fakeStep{answerReset}, requests: 3,
			wantErr: "endpoint unavailable after 3 attempts, last: cannot reach the endpoint"},
		{name: "wrong vector length", cfg: EndpointConfig{Dimensions: 3, MaxRetries: 2}, steps: []fakeStep{answer(4, false)}, requests: 3,
			wantErr: "endpoint unavailable after 3 attempts, last: the endpoint returned vectors of 4 dimensions, but Dimensions is 3"},
		{name: "inconsistent lengths", cfg: EndpointConfig{MaxRetries: 2}, steps: []fakeStep{inconsistent}, requests: 3,
			wantErr: "the endpoint returned a vector of 3 dimensions for text 1, but text 0's has 4"},
		{name: "fewer vectors than inputs", cfg: EndpointConfig{MaxRetries: 2}, steps: []fakeStep{fewer}, requests: 3,
			wantErr: "the endpoint returned 1 vectors for 2 inputs"},
		{name: "two vectors for one input", cfg: EndpointConfig{MaxRetries: 2}, steps: []fakeStep{duplicate}, requests: 3,
			wantErr: "the endpoint returned two vectors for text 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.APIKey = "sk-secret"
			e, f := serveFake(t, tc.cfg, tc.steps...)
			got, err := e.Embed(context.Background(), []string{"first paper", "second paper"})
			t.Logf("%d requests, %d retries", f.count(), f.count()-1)
			if f.count() != tc.requests {
				t.Errorf("server saw %d requests, want %d", f.count(), tc.requests)
			}
			// Every request failed but the last, unless it failed too.
			want := Stats{Requests: int64(tc.requests), Failures: int64(tc.requests - 1)}
			if tc.wantErr != "" {
				want.Failures++
			}
			if got := e.Stats(); got != want {
				t.Errorf("Stats = %+v, want %+v", got, want)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 2 || !slices.Equal(got[1].Dense, fakeVector("second paper", 4)) {
					t.Errorf("got %v", got)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.wantErr)
			}
			t.Log(err)
			if got != nil {
				t.Errorf("got vectors %v with the error", got)
			}
			prefix := "embed with endpoint " + e.cfg.BaseURL + " model m: "
			if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, tc.wantErr) {
				t.Errorf("error\n %s\nwant %s...%s...", msg, prefix, tc.wantErr)
			}
			if strings.Contains(err.Error(), "sk-secret") {
				t.Errorf("error shows the API key: %v", err)
			}
			var tr transient
			if errors.Is(err, ErrUnavailable) != errors.As(err, &tr) {
				t.Errorf("ErrUnavailable should mark exactly the transient failures: %v", err)
			}
		})
	}
}

// countingTransport counts requests that reach the network layer, for
// servers that cannot count them (a closed one).
type countingTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestEndpointConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	ct := &countingTransport{next: http.DefaultTransport}
	e, err := NewEndpoint(EndpointConfig{BaseURL: srv.URL + "/v1", Model: "m", MaxRetries: 3,
		transport: ct, minBackoff: time.Millisecond, maxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Embed(context.Background(), []string{"a paper"})
	t.Logf("%d attempts: %v", ct.n.Load(), err)
	if ct.n.Load() != 4 {
		t.Errorf("%d attempts, want 4", ct.n.Load())
	}
	if err == nil || !errors.Is(err, ErrUnavailable) ||
		!strings.Contains(err.Error(), "endpoint unavailable after 4 attempts, last: cannot reach the endpoint") ||
		!strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %v, want one saying the endpoint is unreachable after 4 attempts", err)
	}
}

// TestEndpointBatchFails: one of several concurrent batches is rejected; the
// whole call fails with that batch's message and returns nothing.
func TestEndpointBatchFails(t *testing.T) {
	poisoned := func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		time.Sleep(10 * time.Millisecond)
		if slices.Contains(req.Input, "poison") {
			answerError(400, errorBody("input 'poison' is not allowed"))(w, r, req)
			return
		}
		answerOK(w, r, req)
	}
	e, f := serveFake(t, EndpointConfig{BatchSize: 2, Concurrency: 4}, poisoned)
	texts := []string{"a", "b", "c", "d", "poison", "f", "g", "h"}
	got, err := e.Embed(context.Background(), texts)
	if got != nil {
		t.Errorf("got a partial result %v", got)
	}
	want := "texts 4 to 5: the endpoint rejected the request (400 Bad Request): input 'poison' is not allowed"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want it to contain %q", err, want)
	}
	poisonRequests := 0
	for _, r := range f.sent() {
		if slices.Contains(r.Input, "poison") {
			poisonRequests++
		}
	}
	if poisonRequests != 1 {
		t.Errorf("the rejected batch was sent %d times, want 1", poisonRequests)
	}
}

func TestEndpointTruncatesLongInput(t *testing.T) {
	e, f := serveFake(t, EndpointConfig{MaxInputTokens: 10}, answerOK) // 10 estimated tokens = 30 bytes
	long := strings.Repeat("é", 40)                                    // 80 bytes, 2 bytes a rune
	short := "under thirty bytes"
	if _, err := e.Embed(context.Background(), []string{long, short}); err != nil {
		t.Fatal(err)
	}
	got := f.sent()[0].Input
	if want := strings.Repeat("é", 15); got[0] != want {
		t.Errorf("the server received %q (%d bytes), want %q", got[0], len(got[0]), want)
	}
	if !utf8.ValidString(got[0]) {
		t.Errorf("cut inside a rune: %q", got[0])
	}
	if got[1] != short {
		t.Errorf("a short text was changed to %q", got[1])
	}
}

func TestEndpointBatching(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   EndpointConfig
		texts []string
		want  []int // texts in each request
	}{
		{"by count", EndpointConfig{BatchSize: 4}, slices.Repeat([]string{"a short text"}, 10), []int{4, 4, 2}},
		{"by tokens", EndpointConfig{MaxBatchTokens: 10}, slices.Repeat([]string{"twelve bytes"}, 5), []int{2, 2, 1}},
		{"by tokens then count", EndpointConfig{BatchSize: 3, MaxBatchTokens: 20},
			[]string{"x", "x", "x", "x", strings.Repeat("y", 57), "x", "x"}, []int{3, 2, 2}},
		{"one call, one request", EndpointConfig{}, slices.Repeat([]string{"a short text"}, 64), []int{64}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Concurrency = 1 // requests in order
			e, f := serveFake(t, tc.cfg, answerOK)
			got, err := e.Embed(context.Background(), tc.texts)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.texts) {
				t.Fatalf("%d vectors for %d texts", len(got), len(tc.texts))
			}
			var sizes []int
			for _, r := range f.sent() {
				sizes = append(sizes, len(r.Input))
			}
			if !slices.Equal(sizes, tc.want) {
				t.Errorf("batches %v, want %v", sizes, tc.want)
			}
		})
	}
}

func TestEndpointConcurrencyLimit(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		time.Sleep(30 * time.Millisecond)
		answerOK(w, r, req)
	}
	e, f := serveFake(t, EndpointConfig{BatchSize: 1, Concurrency: 3}, slow)
	texts := slices.Repeat([]string{"a paper"}, 12)
	// Two callers share the endpoint's limit.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := e.Embed(context.Background(), texts); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	t.Logf("%d requests, at most %d in flight", f.count(), f.mostInFlight())
	if f.mostInFlight() != 3 {
		t.Errorf("at most %d requests in flight, want 3", f.mostInFlight())
	}
}

func TestEndpointRejectsEmptyText(t *testing.T) {
	e, f := serveFake(t, EndpointConfig{}, answerOK)
	_, err := e.Embed(context.Background(), []string{"a paper", " \n\t"})
	if err == nil || !strings.Contains(err.Error(), "text 1 is empty") {
		t.Errorf("error %v, want one naming text 1", err)
	}
	if f.count() != 0 {
		t.Errorf("%d requests sent, want none", f.count())
	}
	got, err := e.Embed(context.Background(), nil)
	if err != nil || len(got) != 0 || f.count() != 0 {
		t.Errorf("no texts: got %v, %v after %d requests; want nothing, no request", got, err, f.count())
	}
}

func TestEndpointProbe(t *testing.T) {
	// The length is settled by two answers that agree, never by one: the
	// first may come from a replica serving another model version.
	for _, tc := range []struct {
		name     string
		stored   int // SetDims before the probe; 0 for none
		steps    []fakeStep
		requests int
		dims     int
		wantErr  string
	}{
		{"two agree", 0, []fakeStep{answer(7, false)}, 2, 7, ""},
		{"odd first answer", 0, []fakeStep{answer(3, false), answer(7, false)}, 3, 7, ""},
		{"stored length answered", 7, []fakeStep{answer(7, false)}, 1, 7, ""},
		{"odd answer before the stored length", 7, []fakeStep{answer(3, false), answer(7, false)}, 2, 7, ""},
		{"model changed", 7, []fakeStep{answer(3, false)}, 5, 7, "every answer of 5 has vectors of 3 dimensions, but the space's have 7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, f := serveFake(t, EndpointConfig{}, tc.steps...)
			if tc.stored > 0 {
				e.SetDims(tc.stored)
			}
			err := e.Probe(context.Background())
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Probe = %v, want %q", err, tc.wantErr)
			}
			var le LengthError
			if tc.wantErr != "" && (!errors.As(err, &le) || le.Got != 3 || errors.Is(err, ErrUnavailable)) {
				t.Errorf("Probe = %v, want a LengthError got 3, not unavailable", err)
			}
			if e.Dims() != tc.dims || f.count() != tc.requests {
				t.Errorf("after a probe Dims = %d after %d requests, want %d after %d", e.Dims(), f.count(), tc.dims, tc.requests)
			}
		})
	}

	down, f := serveFake(t, EndpointConfig{}, answerError(503, errorBody("loading model")))
	err := down.Probe(context.Background())
	want := "probe endpoint " + down.cfg.BaseURL + " model m: endpoint unavailable: the endpoint failed (503 Service Unavailable): loading model"
	if err == nil || err.Error() != want {
		t.Errorf("error\n %v\nwant %s", err, want)
	}
	// Asked again at once, as one replica may be down and the next not.
	if f.count() != probeAnswers {
		t.Errorf("a probe sent %d requests, want %d", f.count(), probeAnswers)
	}
	flaky, f := serveFake(t, EndpointConfig{}, answerReset, answerError(200, "<html>welcome to nginx</html>"), answer(7, false))
	if err := flaky.Probe(context.Background()); err != nil || flaky.Dims() != 7 || f.count() != 4 {
		t.Errorf("flaky endpoint: Probe = %v, Dims %d after %d requests; want nil, 7 after 4", err, flaky.Dims(), f.count())
	}
	later, f := serveFake(t, EndpointConfig{}, answerError(503, errorBody("down for maintenance"), "Retry-After", "3600"))
	if err := later.Probe(context.Background()); !errors.Is(err, ErrUnavailable) || f.count() != 1 {
		t.Errorf("a server asking to come back later: Probe = %v after %d requests, want unavailable after 1", err, f.count())
	}
}

func TestNewEndpointValidates(t *testing.T) {
	for _, tc := range []struct {
		cfg     EndpointConfig
		wantErr string
	}{
		{EndpointConfig{Model: "m"}, "endpoint: BaseURL is required"},
		{EndpointConfig{BaseURL: "localhost:11434/v1", Model: "m"}, `endpoint: BaseURL "localhost:11434/v1" must be an http:// or https:// URL with a host`},
		{EndpointConfig{BaseURL: "http:///v1", Model: "m"}, "must be an http:// or https:// URL with a host"},
		{EndpointConfig{BaseURL: "https://api.openai.com/v1/embeddings", Model: "m"}, "must be the API root (e.g. .../v1), not the embeddings URL"},
		{EndpointConfig{BaseURL: "http://h/v1"}, "endpoint: Model is required"},
		{EndpointConfig{BaseURL: "http://h/v1", Model: "m", Dimensions: -1}, "endpoint: Dimensions must not be negative"},
		{EndpointConfig{BaseURL: "http://h/v1", Model: "m", RequestsPerSecond: -2}, "endpoint: RequestsPerSecond must not be negative"},
		{EndpointConfig{BaseURL: "http://h/v1", Model: "m"}, ""},
	} {
		_, err := NewEndpoint(tc.cfg)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("NewEndpoint(%+v) = %v, want %q", tc.cfg, err, tc.wantErr)
		}
	}

	e, err := NewEndpoint(EndpointConfig{BaseURL: "http://user:pw@h/v1", Model: "m", TokensPerMinute: 1000})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%d %d %d %d %d %v", e.cfg.BatchSize, e.cfg.MaxBatchTokens, e.cfg.MaxInputTokens, e.cfg.Concurrency, e.cfg.MaxRetries, e.cfg.Timeout)
	if want := "64 1000 1000 4 6 1m0s"; got != want {
		t.Errorf("defaults %s, want %s (token limits capped by TokensPerMinute)", got, want)
	}
	if strings.Contains(e.where, "pw") {
		t.Errorf("errors would show the URL's password: %s", e.where)
	}
}

func TestEndpointParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{"-3", 0},
		{"Sat, 01 Mar 2025 12:00:30 GMT", 30 * time.Second},
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0},
		{"soon", 0},
	} {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestEndpointLogsWrongLengthOnce: answers of another length are discarded
// and asked again, and said once in the log, not once an answer.
func TestEndpointLogsWrongLengthOnce(t *testing.T) {
	var logs strings.Builder
	e, f := serveFake(t, EndpointConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil))},
		answer(4, false), answer(3, false), answer(4, false), answer(3, false), answer(4, false))
	for range 3 {
		if got, err := e.Embed(context.Background(), []string{"a paper"}); err != nil || len(got[0].Dense) != 4 {
			t.Fatalf("Embed = %v, %v; want a vector of 4", got, err)
		}
	}
	if f.count() != 5 {
		t.Errorf("%d requests, want 5: two answers discarded", f.count())
	}
	if n := strings.Count(logs.String(), "answered vectors of another length"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, logs.String())
	}
}
