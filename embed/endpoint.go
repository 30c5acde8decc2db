package embed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/sashabaranov/go-openai"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/paperhound/paperhound"
)

// EndpointConfig configures an Endpoint. Zero values take the defaults noted.
type EndpointConfig struct {
	// BaseURL is the API root, e.g. https://api.openai.com/v1 or
	// http://localhost:11434/v1 (Ollama); requests go to BaseURL/embeddings.
	BaseURL string
	// Model is the embedding model's name, e.g. text-embedding-3-small.
	Model string
	// APIKey is sent as "Authorization: Bearer"; empty sends no header
	// (local servers need none).
	APIKey string
	// Dimensions asks the model for shorter vectors (text-embedding-3-*);
	// 0 takes the model's own size.
	Dimensions int

	BatchSize      int // texts per request; default 64
	MaxBatchTokens int // estimated tokens per request; default 250,000 (OpenAI allows 300k)
	MaxInputTokens int // estimated tokens per text, longer texts are cut; default 8191

	Concurrency       int     // requests in flight per Endpoint; default 4
	RequestsPerSecond float64 // 0 = unlimited
	TokensPerMinute   int     // estimated tokens; 0 = unlimited

	// MaxRetries is how many times a request is repeated after a 408, 429,
	// 500, 502, 503 or 504 answer, a timeout or a connection error; default
	// 6, negative for none.
	MaxRetries int
	Timeout    time.Duration // per attempt; default 60 s

	// Logger hears of answers discarded for their vectors' length, once;
	// nil discards.
	Logger *slog.Logger

	// Tests replace the network and shorten the backoff.
	transport              http.RoundTripper
	minBackoff, maxBackoff time.Duration
}

const (
	defaultBatchSize      = 64
	defaultMaxBatchTokens = 250_000
	defaultMaxInputTokens = 8191
	defaultConcurrency    = 4
	defaultMaxRetries     = 6
	defaultTimeout        = 60 * time.Second
	defaultMinBackoff     = 500 * time.Millisecond
	defaultMaxBackoff     = 30 * time.Second

	// maxRetryAfter bounds how long a Retry-After may make us wait; a server
	// asking for longer is treated as down rather than waited for.
	maxRetryAfter = 5 * time.Minute

	// probeTimeout bounds a probe, all its attempts: a stalled endpoint is
	// down for start-up, not waited for as long as a request may take.
	probeTimeout = 10 * time.Second
	// probeAnswers is the most answers a probe asks for to settle the
	// vectors' length.
	probeAnswers = 5
)

// ErrUnavailable is wrapped by errors that more attempts did not cure: the
// endpoint is down, overloaded or too slow. Callers may keep the work for
// later (ingest marks dense vectors pending). It is of the domain's kind
// paperhound.ErrUnavailable, so the API answers 503.
var ErrUnavailable = fmt.Errorf("endpoint %w", paperhound.ErrUnavailable)

// Endpoint embeds texts as dense vectors with any server speaking OpenAI's
// embeddings API: OpenAI, vLLM, Ollama, TEI, llama.cpp. It batches,
// bounds the requests in flight, rate limits and retries; it is safe for
// concurrent use.
type Endpoint struct {
	cfg    EndpointConfig // defaults filled in
	where  string         // "endpoint URL model M", for errors; never the key
	client *openai.Client

	slots    chan struct{} // a slot per request in flight
	requests *rate.Limiter // nil when unlimited
	tokens   *rate.Limiter // nil when unlimited

	// dims is the vectors' length once settled (SetDims, Probe, or an
	// unprobed Endpoint's first answer); answers of another length are
	// discarded.
	dims      atomic.Int64
	log       *slog.Logger
	oddLogged atomic.Bool // an answer of another length was logged

	sent, failed atomic.Int64 // Stats
}

// Stats counts an Endpoint's requests since it was made, for monitoring.
type Stats struct {
	Requests int64 // sent, retries and probes included
	// Failures are the requests that brought no vectors: no answer in
	// time, an error answer, an answer that is not embeddings, or when
	// embedding, vectors of another length than the space's. A request
	// its caller gave up on is neither.
	Failures int64
}

// Stats returns the counts so far.
func (e *Endpoint) Stats() Stats {
	return Stats{Requests: e.sent.Load(), Failures: e.failed.Load()}
}

// NewEndpoint checks cfg, fills in defaults and makes an Endpoint. It sends
// nothing: call Probe to check the endpoint answers.
func NewEndpoint(cfg EndpointConfig) (*Endpoint, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("endpoint: BaseURL is required (the API root, e.g. http://localhost:11434/v1)")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint: BaseURL %q must be an http:// or https:// URL with a host", cfg.BaseURL)
	}
	if strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/embeddings") {
		return nil, fmt.Errorf("endpoint: BaseURL %q must be the API root (e.g. .../v1), not the embeddings URL", u.Redacted())
	}
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("endpoint: Model is required (the embedding model's name, e.g. text-embedding-3-small)")
	}
	for _, f := range []struct {
		name  string
		value float64
	}{
		{"Dimensions", float64(cfg.Dimensions)},
		{"BatchSize", float64(cfg.BatchSize)},
		{"MaxBatchTokens", float64(cfg.MaxBatchTokens)},
		{"MaxInputTokens", float64(cfg.MaxInputTokens)},
		{"Concurrency", float64(cfg.Concurrency)},
		{"RequestsPerSecond", cfg.RequestsPerSecond},
		{"TokensPerMinute", float64(cfg.TokensPerMinute)},
		{"Timeout", float64(cfg.Timeout)},
	} {
		if f.value < 0 {
			return nil, fmt.Errorf("endpoint: %s must not be negative (0 takes the default)", f.name)
		}
	}

	cfg.BatchSize = orDefault(cfg.BatchSize, defaultBatchSize)
	cfg.MaxBatchTokens = orDefault(cfg.MaxBatchTokens, defaultMaxBatchTokens)
	cfg.MaxInputTokens = orDefault(cfg.MaxInputTokens, defaultMaxInputTokens)
	cfg.Concurrency = orDefault(cfg.Concurrency, defaultConcurrency)
	cfg.Timeout = orDefault(cfg.Timeout, defaultTimeout)
	cfg.minBackoff = orDefault(cfg.minBackoff, defaultMinBackoff)
	cfg.maxBackoff = orDefault(cfg.maxBackoff, defaultMaxBackoff)
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = defaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	// One request must fit the token budget, and one text must fit a
	// request, or they could never be sent.
	if cfg.TokensPerMinute > 0 {
		cfg.MaxBatchTokens = min(cfg.MaxBatchTokens, cfg.TokensPerMinute)
	}
	cfg.MaxInputTokens = min(cfg.MaxInputTokens, cfg.MaxBatchTokens)

	transport := cfg.transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = cfg.Concurrency // keep a connection per slot
		transport = t
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = recordingClient{&http.Client{Transport: transport}}

	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Endpoint{
		log:    log,
		cfg:    cfg,
		where:  fmt.Sprintf("endpoint %s model %s", u.Redacted(), cfg.Model),
		client: openai.NewClientWithConfig(oc),
		slots:  make(chan struct{}, cfg.Concurrency),
	}
	if cfg.RequestsPerSecond > 0 {
		e.requests = rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), 1)
	}
	if cfg.TokensPerMinute > 0 {
		e.tokens = rate.NewLimiter(rate.Limit(float64(cfg.TokensPerMinute)/60), cfg.TokensPerMinute)
	}
	return e, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// Space names the model (and the vector size asked for), so vectors of
// different models are never compared.
func (e *Endpoint) Space() string {
	if e.cfg.Dimensions > 0 {
		return fmt.Sprintf("endpoint/%s@%d", e.cfg.Model, e.cfg.Dimensions)
	}
	return "endpoint/" + e.cfg.Model
}

// Dims is the length of the vectors, 0 until settled.
func (e *Endpoint) Dims() int { return int(e.dims.Load()) }

// SetDims settles the length of the vectors, as those already stored in
// the space have it: answers of another length are discarded and asked
// again, and Probe checks the endpoint still answers it.
func (e *Endpoint) SetDims(n int) { e.dims.Store(int64(n)) }

// BatchSize is the most texts one request carries, so callers can save
// each request's vectors as it returns.
func (e *Endpoint) BatchSize() int { return e.cfg.BatchSize }

// Probe embeds a short text with single attempts, all within probeTimeout,
// so start-up fails fast and says why when the endpoint is down or
// misconfigured, and settles the vectors' length. One answer alone never
// settles it: it may come from a replica serving another model version.
// When the length is known (SetDims, or Dimensions) an answer of that
// length suffices; else two answers must agree. A failed attempt or an
// answer of another length is asked again at once, up to probeAnswers
// attempts, unless the server asks to wait (Retry-After) or the time is
// up; when every attempt answered with the same other length than the
// known one, the model changed, and Probe returns a LengthError.
func (e *Endpoint) Probe(ctx context.Context) error {
	want := e.want()
	seen := map[int]int{} // answers by length
	var last error        // the last failed attempt
	deadline := time.Now().Add(probeTimeout)
	for range probeAnswers {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		vecs, retryAfter, err := e.attempt(ctx, batch{inputs: []string{"paperhound start-up probe"}, tokens: 9}, min(e.cfg.Timeout, left))
		if err != nil {
			if !errors.As(err, new(transient)) {
				return fmt.Errorf("probe %s: %w", e.where, err)
			}
			if last = err; retryAfter > 0 {
				break
			}
			continue
		}
		n := len(vecs[0])
		seen[n]++
		if want != 0 && n == want || want == 0 && seen[n] == 2 {
			e.dims.CompareAndSwap(0, int64(n))
			return nil
		}
	}
	if want != 0 && last == nil && len(seen) == 1 {
		for n, answers := range seen {
			return fmt.Errorf("probe %s: %w", e.where, LengthError{Want: want, Got: n, Answers: answers})
		}
	}
	if last == nil {
		last = fmt.Errorf("its answers have vectors of no one length: %v answers by length", seen)
	}
	return fmt.Errorf("probe %s: %w: %w", e.where, ErrUnavailable, last)
}

// LengthError says every answer of a probe has vectors of another length
// than the space's: the model behind the name changed.
type LengthError struct{ Want, Got, Answers int }

func (l LengthError) Error() string {
	return fmt.Sprintf("every answer of %d has vectors of %d dimensions, but the space's have %d", l.Answers, l.Got, l.Want)
}

// want is the length answers must have, 0 while unknown.
func (e *Endpoint) want() int {
	if n := e.Dims(); n != 0 {
		return n
	}
	return e.cfg.Dimensions
}

// Embed returns a dense vector per text, in order. Texts longer than
// MaxInputTokens are cut; an empty text is an error. Either every text gets
// its vector or Embed fails.
func (e *Endpoint) Embed(ctx context.Context, texts []string) ([]Vector, error) {
	out, err := e.embed(ctx, texts, e.cfg.MaxRetries)
	if err != nil {
		return nil, fmt.Errorf("embed with %s: %w", e.where, err)
	}
	return out, nil
}

// EmbedOnce is Embed with a single attempt per request, for a caller that
// would rather do without than wait for retries (a query).
func (e *Endpoint) EmbedOnce(ctx context.Context, texts []string) ([]Vector, error) {
	out, err := e.embed(ctx, texts, 0)
	if err != nil {
		return nil, fmt.Errorf("embed with %s: %w", e.where, err)
	}
	return out, nil
}

func (e *Endpoint) embed(ctx context.Context, texts []string, maxRetries int) ([]Vector, error) {
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			return nil, fmt.Errorf("text %d is empty: there is nothing to embed", i)
		}
	}
	out := make([]Vector, len(texts))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(e.cfg.Concurrency)
	for _, b := range e.batches(texts) {
		g.Go(func() error {
			vecs, err := e.embedBatch(ctx, b, maxRetries)
			if err != nil {
				if len(b.inputs) < len(texts) {
					return fmt.Errorf("texts %d to %d: %w", b.first, b.first+len(b.inputs)-1, err)
				}
				return err
			}
			for i, v := range vecs {
				out[b.first+i] = Vector{Dense: v}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// A batch is the texts[first:first+len(inputs)] of one request, cut to
// MaxInputTokens.
type batch struct {
	first  int
	inputs []string
	tokens int // estimated
}

// batches splits texts into requests of at most BatchSize texts and
// MaxBatchTokens estimated tokens.
func (e *Endpoint) batches(texts []string) []batch {
	var bs []batch
	cur := batch{}
	for i, t := range texts {
		t = truncateTokens(t, e.cfg.MaxInputTokens)
		n := estimateTokens(t)
		if len(cur.inputs) > 0 && (len(cur.inputs) == e.cfg.BatchSize || cur.tokens+n > e.cfg.MaxBatchTokens) {
			bs = append(bs, cur)
			cur = batch{first: i}
		}
		cur.inputs = append(cur.inputs, t)
		cur.tokens += n
	}
	if len(cur.inputs) > 0 {
		bs = append(bs, cur)
	}
	return bs
}

// estimateTokens over-estimates a text's tokens without a tokenizer: English
// runs about four bytes a token, so a third of the bytes leaves a margin;
// CJK, three bytes a character, comes out near a token a character.
func estimateTokens(s string) int { return (len(s) + 2) / 3 }

// truncateTokens cuts s to at most maxTokens estimated tokens.
func truncateTokens(s string, maxTokens int) string { return cutBytes(s, 3*maxTokens) }

// cutBytes cuts s to at most n bytes, on a rune boundary.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// embedBatch sends one batch, retrying what may pass on a second try with
// exponential backoff and full jitter, or as long as Retry-After asks.
func (e *Endpoint) embedBatch(ctx context.Context, b batch, maxRetries int) ([][]float32, error) {
	for attempt := 1; ; attempt++ {
		vecs, retryAfter, err := e.attempt(ctx, b, e.cfg.Timeout)
		if err == nil {
			if err = e.fits(vecs); err == nil {
				return vecs, nil
			}
			e.failed.Add(1)
			// The endpoint answers, from a replica of another length: even
			// a single-attempt call asks again for a sound one.
			maxRetries = max(maxRetries, e.cfg.MaxRetries)
		}
		var t transient
		if !errors.As(err, &t) {
			return nil, err
		}
		if attempt > maxRetries {
			if attempt == 1 {
				return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
			}
			return nil, fmt.Errorf("%w after %d attempts, last: %w", ErrUnavailable, attempt, err)
		}
		if retryAfter > maxRetryAfter {
			return nil, fmt.Errorf("%w: it asks to retry after %v: %w", ErrUnavailable, retryAfter, err)
		}
		wait := max(e.backoff(attempt), retryAfter)
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("%w after %d attempts, last: %w", context.Cause(ctx), attempt, err)
		}
	}
}

// backoff is the wait after the given failed attempt: uniform in
// [0, min(maxBackoff, minBackoff·2^(attempt-1))], "full jitter", so clients
// failing together do not retry together.
func (e *Endpoint) backoff(attempt int) time.Duration {
	ceiling := e.cfg.maxBackoff
	if attempt <= 20 {
		ceiling = min(ceiling, e.cfg.minBackoff<<(attempt-1))
	}
	return rand.N(ceiling + 1)
}

// attempt sends one request, waiting at most timeout for the answer, and
// checks its shape. retryAfter is what the server asked for, 0 if nothing.
func (e *Endpoint) attempt(ctx context.Context, b batch, timeout time.Duration) (vecs [][]float32, retryAfter time.Duration, err error) {
	select {
	case e.slots <- struct{}{}:
		defer func() { <-e.slots }()
	case <-ctx.Done():
		return nil, 0, context.Cause(ctx)
	}
	// Wait for the rate limits holding the slot, so the request leaves as
	// soon as they allow and no earlier.
	if e.requests != nil {
		if err := e.requests.Wait(ctx); err != nil {
			return nil, 0, err
		}
	}
	if e.tokens != nil {
		if err := e.tokens.WaitN(ctx, b.tokens); err != nil {
			return nil, 0, err
		}
	}

	var header http.Header
	actx, cancel := context.WithTimeout(context.WithValue(ctx, headerSink{}, &header), timeout)
	defer cancel()
	e.sent.Add(1)
	resp, err := e.client.CreateEmbeddings(actx, openai.EmbeddingRequest{
		Input:          b.inputs,
		Model:          openai.EmbeddingModel(e.cfg.Model),
		EncodingFormat: openai.EmbeddingEncodingFormatFloat,
		Dimensions:     e.cfg.Dimensions,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, context.Cause(ctx)
		}
		e.failed.Add(1)
		if actx.Err() != nil {
			return nil, 0, transient{fmt.Errorf("no answer within %v", timeout)}
		}
		return nil, parseRetryAfter(header.Get("Retry-After"), time.Now()), explain(err)
	}
	if vecs, err = e.place(resp.Data, b); err != nil {
		e.failed.Add(1)
	}
	return vecs, 0, err
}

// place orders the vectors by their index field (servers need not answer in
// order) and checks that every input got exactly one vector, all of one
// length. An answer that fails is a failed request (transient): a proxy or
// a replica answered, and another attempt may reach a sound one.
func (e *Endpoint) place(data []openai.Embedding, b batch) ([][]float32, error) {
	n := len(b.inputs)
	if len(data) != n {
		return nil, transient{fmt.Errorf("the endpoint returned %d vectors for %d inputs", len(data), n)}
	}
	vecs := make([][]float32, n)
	for _, d := range data {
		switch {
		case d.Index < 0 || d.Index >= n:
			return nil, transient{fmt.Errorf("the endpoint returned a vector for input %d of a batch of %d", d.Index, n)}
		case vecs[d.Index] != nil:
			return nil, transient{fmt.Errorf("the endpoint returned two vectors for text %d", b.first+d.Index)}
		case len(d.Embedding) == 0:
			return nil, transient{fmt.Errorf("the endpoint returned an empty vector for text %d", b.first+d.Index)}
		}
		vecs[d.Index] = d.Embedding
	}
	for i, v := range vecs {
		if len(v) != len(vecs[0]) {
			return nil, transient{fmt.Errorf("the endpoint returned a vector of %d dimensions for text %d, but text %d's has %d", len(v), b.first+i, b.first, len(vecs[0]))}
		}
	}
	return vecs, nil
}

// fits checks an answer's vectors have the settled length. An answer of
// another length (a replica serving another model version) is a failed
// request, asked again, and logged once. An Endpoint nobody probed or told
// the length takes its first answer's; the engine probes first.
func (e *Endpoint) fits(vecs [][]float32) error {
	n := len(vecs[0])
	want, source := e.want(), "the space's are"
	if e.Dims() == 0 && e.cfg.Dimensions != 0 {
		source = "Dimensions is"
	}
	if want == 0 || n == want {
		// Two first answers may race: the one that settles wins, the
		// other must agree.
		e.dims.CompareAndSwap(0, int64(n))
		if want = e.Dims(); n == want {
			return nil
		}
	}
	err := fmt.Errorf("the endpoint returned vectors of %d dimensions, but %s %d", n, source, want)
	if !e.oddLogged.Swap(true) {
		e.log.Warn("the embeddings endpoint answered vectors of another length (a replica serving another model?): such answers are discarded and asked again",
			"endpoint", e.where, "got", n, "want", want)
	}
	return transient{err}
}

// transient marks an error another attempt may cure.
type transient struct{ err error }

func (t transient) Error() string { return t.err.Error() }
func (t transient) Unwrap() error { return t.err }

// explain turns what go-openai and net/http return into an error a person
// can act on, marked transient when another attempt may pass.
func explain(err error) error {
	var reqErr *openai.RequestError // a non-JSON error body, e.g. a proxy's HTML
	var apiErr *openai.APIError     // an OpenAI-style {"error": {"message": ...}}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.As(err, &reqErr):
		msg := snippet(string(reqErr.Body))
		if msg == "" && reqErr.Err != nil {
			msg = reqErr.Err.Error()
		}
		return statusError(reqErr.HTTPStatusCode, msg)
	case errors.As(err, &apiErr) && apiErr.HTTPStatusCode != 0:
		return statusError(apiErr.HTTPStatusCode, apiErr.Message)
	case errors.As(err, &syntaxErr), errors.As(err, &typeErr):
		// A 200 from a proxy's web page or a server not yet ready.
		return transient{fmt.Errorf("the endpoint's answer is not an embeddings response: %w", err)}
	case errors.As(err, &netErr) && netErr.Timeout():
		return transient{fmt.Errorf("timed out: %w", err)}
	case errors.As(err, &opErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return transient{fmt.Errorf("cannot reach the endpoint: %w", err)}
	}
	return err
}

// statusError describes an HTTP error answer with the server's message.
func statusError(code int, msg string) error {
	status := strconv.Itoa(code)
	if text := http.StatusText(code); text != "" {
		status += " " + text
	}
	switch code {
	case http.StatusUnauthorized:
		return fmt.Errorf("the endpoint rejected the API key (401): %s", msg)
	case http.StatusForbidden:
		return fmt.Errorf("the endpoint refused access (403): %s", msg)
	case http.StatusNotFound:
		return fmt.Errorf("unknown model or wrong URL (404): %s", msg)
	case http.StatusTooManyRequests:
		return transient{fmt.Errorf("rate limited (%s): %s", status, msg)}
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return transient{fmt.Errorf("the endpoint failed (%s): %s", status, msg)}
	}
	return fmt.Errorf("the endpoint rejected the request (%s): %s", status, msg)
}

// snippet makes an error body printable: tags dropped (proxies answer in
// HTML), whitespace collapsed, at most 200 bytes.
func snippet(body string) string {
	var b strings.Builder
	inTag := false
	for _, r := range body {
		switch {
		case r == '<':
			inTag = true
			b.WriteByte(' ')
		case r == '>':
			inTag = false
		case !inTag:
			b.WriteRune(r)
		}
	}
	s := strings.Join(strings.Fields(b.String()), " ")
	if len(s) > 200 {
		s = cutBytes(s, 200) + "..."
	}
	return s
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return max(0, time.Duration(s)*time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now))
	}
	return 0
}

// go-openai drops response headers from its errors, so Retry-After would be
// lost. recordingClient is the HTTP client it calls: it stores each
// response's header where the request's context points (headerSink).
type recordingClient struct{ *http.Client }

type headerSink struct{}

func (c recordingClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.Client.Do(req)
	if sink, ok := req.Context().Value(headerSink{}).(*http.Header); ok && resp != nil {
		*sink = resp.Header
	}
	return resp, err
}
