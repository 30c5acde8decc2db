// Package embedtest runs a fake OpenAI-compatible embeddings endpoint for
// tests and benchmarks: POST /v1/embeddings answers deterministic dense
// vectors (each word hashed into one of Dims buckets, L2-normalised), so
// that texts sharing words are near and a hybrid ranking means something.
// It counts every text it answers, can be taken down (503 with a
// Retry-After long enough that embed.Endpoint gives up at once instead of
// retrying), can add latency, can change its vector size, and can fail a
// share of its requests in the ways real endpoints do (SetFault).
//
// It must not be used outside tests. It knows nothing of paperhound.
package embedtest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

// Options configure a Server.
type Options struct {
	Dims    int           // vector length; default 64
	Latency time.Duration // added to every request
	APIKey  string        // when set, requests must carry "Authorization: Bearer APIKey"
}

// Server is a running fake endpoint.
type Server struct {
	// URL is the API root, http://127.0.0.1:port/v1, as embed.EndpointConfig
	// and --embed-url take it.
	URL string

	opts Options

	mu        sync.Mutex
	dims      int
	down      bool
	requests  int              // requests received
	answered  map[string]int   // per text: times answered with a vector
	answers   map[string][]int // per text: the requests that answered it
	log       []string         // a line per request, for failure messages
	texts     int              // texts answered
	onRequest func(n int) bool

	fault      Fault
	faultShare float64
	faulted    int            // requests since SetFault
	odd        map[string]int // per text: times answered with a vector of the wrong length
	received   map[string]int // per text: requests that carried it, answered or not
	quit       chan struct{}  // closed at the end of the test: stalled requests give up
}

// A Fault is a way the fake fails a request (see SetFault).
type Fault int

const (
	NoFault Fault = iota
	// WrongLength answers 200 with vectors of half the length, as a
	// replica serving another model version would. They count in Odd, not
	// in Count or Texts.
	WrongLength
	// HTML answers 200 with a web page, as a misrouted proxy would.
	HTML
	// WrongShape answers 200 with JSON that is not an embeddings response.
	WrongShape
	// Stall holds the request, answering nothing, until the client gives up.
	Stall
	// Reset reads the request and resets the connection without answering.
	Reset
)

// Start runs a Server until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Dims == 0 {
		o.Dims = 64
	}
	s := &Server{opts: o, dims: o.Dims, answered: map[string]int{}, answers: map[string][]int{},
		odd: map[string]int{}, received: map[string]int{}, quit: make(chan struct{})}
	hs := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(hs.Close)
	t.Cleanup(func() { close(s.quit) }) // runs first: Close waits for stalled requests
	s.URL = hs.URL + "/v1"
	return s
}

// SetDown makes every request fail with 503 (true) or be answered again.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// SetDims changes the length of the vectors answered from now on, as a
// model swapped behind the same name would.
func (s *Server) SetDims(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dims = n
}

// SetFault makes a share (0 to 1) of the requests from now on fail as f,
// spread evenly and starting with the first: with 0.3, requests 1, 4, 7,
// 10, 14, ... after the call. NoFault or a share of 0 ends the faults.
func (s *Server) SetFault(f Fault, share float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault, s.faultShare, s.faulted = f, share, 0
}

// Odd is how many times text was answered with a vector of the wrong
// length (WrongLength).
func (s *Server) Odd(text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.odd[text]
}

// Received is how many requests carried text, answered or not.
func (s *Server) Received(text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received[text]
}

// OnRequest sets a function called with each request's number, from 1,
// when it arrives; when it returns false the request fails with 503 and
// nothing is counted. Tests use it to stop a client midway.
func (s *Server) OnRequest(f func(n int) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onRequest = f
}

// Requests is the number of requests received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Texts is the number of texts answered with a vector.
func (s *Server) Texts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.texts
}

// Count is how many times text was answered with a vector.
func (s *Server) Count(text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answered[text]
}

// Answers returns the numbers of the requests that answered text, to say
// how a text came to be embedded twice.
func (s *Server) Answers(text string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.answers[text])
}

// Log returns a line per request received: its number, its texts, and
// how it was answered.
func (s *Server) Log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Repeated returns the texts answered more than once, sorted, except those
// in ignore (a start-up probe, say).
func (s *Server) Repeated(ignore ...string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for text, n := range s.answered {
		if n > 1 && !slices.Contains(ignore, text) {
			out = append(out, text)
		}
	}
	slices.Sort(out)
	return out
}

type request struct {
	Input      json.RawMessage `json:"input"`
	Model      string          `json:"model"`
	Dimensions int             `json:"dimensions"`
}

type datum struct {
	Object    string    `json:"object"`
	Index     int       `json:"index"`
	Embedding []float32 `json:"embedding"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		fail(w, http.StatusNotFound, fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
		return
	}
	if s.opts.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+s.opts.APIKey {
		fail(w, http.StatusUnauthorized, "Incorrect API key provided")
		return
	}
	var req request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	var inputs []string
	if err := json.Unmarshal(req.Input, &inputs); err != nil {
		var one string
		if err := json.Unmarshal(req.Input, &one); err != nil {
			fail(w, http.StatusBadRequest, "input must be a string or a list of strings")
			return
		}
		inputs = []string{one}
	}
	if req.Model == "" {
		fail(w, http.StatusBadRequest, "model is required")
		return
	}

	s.mu.Lock()
	s.requests++
	n, down, hook, dims := s.requests, s.down, s.onRequest, s.dims
	fault := s.nextFault()
	for _, text := range inputs {
		s.received[text]++
	}
	s.mu.Unlock()
	if req.Dimensions > 0 {
		dims = req.Dimensions
	}
	if hook != nil && !hook(n) {
		down = true
	}
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
			return
		}
	}
	s.mu.Lock()
	s.log = append(s.log, fmt.Sprintf("request %d: %d texts, down %v, fault %d, at %s", n, len(inputs), down, fault, time.Now().Format("15:04:05.000000")))
	s.mu.Unlock()
	if down {
		// embed.Endpoint treats a Retry-After past 5 minutes as down and
		// gives up at once.
		w.Header().Set("Retry-After", "3600")
		fail(w, http.StatusServiceUnavailable, "the model is unavailable")
		return
	}
	switch fault {
	case WrongLength:
		dims = max(1, dims/2)
	case HTML:
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>\n")
		return
	case WrongShape:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"object": "error", "message": "model is loading"}`+"\n")
		return
	case Stall:
		select {
		case <-r.Context().Done():
		case <-s.quit:
		}
		return
	case Reset:
		reset(w)
		return
	}

	data := make([]datum, len(inputs))
	for i, text := range inputs {
		data[i] = datum{Object: "embedding", Index: i, Embedding: Vector(text, dims)}
	}
	s.mu.Lock()
	for _, text := range inputs {
		if fault == WrongLength {
			s.odd[text]++
			continue
		}
		s.answered[text]++
		s.answers[text] = append(s.answers[text], n)
	}
	if fault != WrongLength {
		s.texts += len(inputs)
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": len(inputs), "total_tokens": len(inputs)},
	})
}

// nextFault counts a request and returns its fault. Request k since
// SetFault fails when ceil(k·share) steps up, so the faults are spread
// evenly and the first request fails. Call with s.mu held.
func (s *Server) nextFault() Fault {
	if s.fault == NoFault || s.faultShare <= 0 {
		return NoFault
	}
	s.faulted++
	k := float64(s.faulted)
	if math.Ceil(k*s.faultShare) > math.Ceil((k-1)*s.faultShare) {
		return s.fault
	}
	return NoFault
}

// reset closes the connection with a TCP RST, so the client reads
// "connection reset by peer" where it waits for the answer.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err) // httptest's server always hijacks
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "fake_error"}})
}

// Vector is the fake model: each word of three letters or more, lowercased
// and cut to its first six letters (a crude stem), adds ±1 to one of dims
// buckets chosen by its hash; the sum is L2-normalised. A text with no such
// word gets a fixed unit vector.
func Vector(text string, dims int) []float32 {
	v := make([]float32, dims)
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if len(w) < 3 {
			continue
		}
		if len(w) > 6 {
			w = w[:6]
		}
		h := fnv.New64a()
		h.Write([]byte(w))
		sum := h.Sum64()
		sign := float32(1)
		if sum&(1<<63) != 0 {
			sign = -1
		}
		v[sum%uint64(dims)] += sign
	}
	var norm float64
	for _, x := range v {
		norm += float64(x) * float64(x)
	}
	if norm == 0 {
		v[0] = 1
		return v
	}
	inv := float32(1 / math.Sqrt(norm))
	for i := range v {
		v[i] *= inv
	}
	return v
}
