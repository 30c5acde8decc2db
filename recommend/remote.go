package recommend

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/schema"
)

// A remote channel's embedder calls a service (an embeddings endpoint) that
// may be down. The engine then keeps working without it: ingest stores
// papers with their other vectors and leaves this one pending (see
// CompletePending), queries rank on the other channels, and after a
// failure the service is left alone for a cool-down instead of making every
// batch and every query wait for retries that will fail too.

// Cool-downs after consecutive failures: 30 s, doubling to 5 minutes.
const (
	minCooldown = 30 * time.Second
	maxCooldown = 5 * time.Minute
)

// defaultQueryTimeout bounds embedding a query when its channel sets no
// QueryTimeout: past it the request is answered by the other channels
// rather than held.
const defaultQueryTimeout = 10 * time.Second

// errSkipped says a remote embedder was not called: it is cooling down
// after a failure, or its probe failed. The work stays pending.
var errSkipped = fmt.Errorf("skipped while cooling down after a failure: %w", embed.ErrUnavailable)

// prober is an embedder that can check it answers with single cheap
// attempts and settle the length of its vectors (Dims, 0 until settled;
// SetDims to the stored vectors' length), and embed with a single attempt
// for a query (embed.Endpoint).
type prober interface {
	Probe(ctx context.Context) error
	Dims() int
	SetDims(n int)
	EmbedOnce(ctx context.Context, texts []string) ([]embed.Vector, error)
}

// batcher is an embedder that sends texts in requests of a fixed size
// (embed.Endpoint); the engine saves each request's vectors as it returns.
type batcher interface {
	BatchSize() int
}

// remoteState is what the engine knows of its remote embedders.
type remoteState struct {
	health map[string]*embedderHealth // by space

	mu      sync.Mutex
	dims    map[string]int // by space: the length of stored vectors, once known
	pending int            // papers found pending by the last CompletePending pass; -1 unknown

	completing sync.Mutex // one CompletePending at a time
}

func newRemoteState(channels []Channel) *remoteState {
	r := &remoteState{health: map[string]*embedderHealth{}, dims: map[string]int{}, pending: -1}
	for _, c := range channels {
		if c.Remote {
			r.health[c.Embedder.Space()] = &embedderHealth{}
		}
	}
	return r
}

// embedderHealth is the last known state of one remote embedder: the
// outcome of the engine's own calls, never a call of its own.
type embedderHealth struct {
	mu        sync.Mutex
	lastOK    time.Time
	lastFail  time.Time
	lastErr   error
	failures  int       // consecutive
	downUntil time.Time // calls are skipped until then
}

func (h *embedderHealth) succeeded() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastOK, h.failures, h.lastErr, h.downUntil = time.Now(), 0, nil, time.Time{}
}

// failed records a failure; first says the last call before it worked.
func (h *embedderHealth) failed(err error) (first bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	first = h.failures == 0
	h.failures++
	h.lastFail, h.lastErr = time.Now(), err
	wait := maxCooldown
	if h.failures <= 5 {
		wait = min(maxCooldown, minCooldown<<(h.failures-1))
	}
	h.downUntil = h.lastFail.Add(wait)
	return first
}

// MarkUnavailable records that the remote embedder of space failed a check
// made before the engine existed (serve's start-up probe): the engine
// starts degraded, queries skip it for the cool-down, readiness reports it,
// and the next call probes it first.
func (e *Engine) MarkUnavailable(space string, err error) {
	if h := e.remote.health[space]; h != nil {
		h.failed(err)
	}
}

// state reports whether the last call failed and whether the cool-down is
// still running.
func (h *embedderHealth) state() (failing, cooling bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.failures > 0, time.Now().Before(h.downUntil)
}

// EmbedderStatus is the last known state of a remote embedder.
type EmbedderStatus struct {
	Space     string
	Up        bool      // no call failed since the last that worked (or none was made)
	LastOK    time.Time // zero when no call worked yet
	LastError string    // the last failure, when down
	Pending   int       // papers whose vector here is pending, as last counted; -1 unknown
}

// Embedders reports the last known state of each remote embedder without
// calling it.
func (e *Engine) Embedders() []EmbedderStatus {
	var out []EmbedderStatus
	e.remote.mu.Lock()
	pending := e.remote.pending
	e.remote.mu.Unlock()
	for _, c := range e.channels {
		h := e.remote.health[c.Embedder.Space()]
		if h == nil {
			continue
		}
		h.mu.Lock()
		s := EmbedderStatus{Space: c.Embedder.Space(), Up: h.failures == 0, LastOK: h.lastOK, Pending: pending}
		if h.lastErr != nil {
			s.LastError = h.lastErr.Error()
		}
		h.mu.Unlock()
		out = append(out, s)
	}
	return out
}

// callMode says how hard to try a remote embedder.
type callMode int

const (
	// storedOnly never calls a remote embedder: its vectors come from the
	// store or stay pending (start-up loads, reindex).
	storedOnly callMode = iota
	// unlessCooling calls it unless it is cooling down after a failure
	// (ingest batches).
	unlessCooling
	// always calls it, with a single-attempt probe first when the last
	// call failed (CompletePending).
	always
)

// ready reports whether a remote embedder may be called now: not when it is
// cooling down (unless mode is always), and after a failure only once a
// single-attempt probe has passed, so a dead endpoint costs one quick
// request instead of a round of retries. Before the first call it settles
// the vectors' length: that of the vectors stored in the space, checked by
// a probe, else the one a probe's answers agree on, so that no single
// answer decides it. A probe that passes brings the embedder back.
func (e *Engine) ready(ctx context.Context, c Channel, mode callMode) error {
	space := c.Embedder.Space()
	h := e.remote.health[space]
	failing, cooling := h.state()
	p, ok := c.Embedder.(prober)
	switch {
	case failing && cooling && mode != always:
		return errSkipped
	case !ok, !failing && p.Dims() != 0:
		return nil
	}
	if p.Dims() == 0 {
		stored, err := StoredDims(ctx, e.store, space)
		if err != nil {
			return err
		}
		if stored != 0 {
			p.SetDims(stored)
		}
	}
	if err := p.Probe(ctx); err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		h.failed(err)
		if le := (embed.LengthError{}); errors.As(err, &le) {
			return DimsError{Space: space, Stored: le.Want, Got: le.Got}
		}
		return err
	}
	h.succeeded()
	return nil
}

// embedQuery embeds one query text in channel c. For a remote channel that
// is down or slower than its QueryTimeout it returns a zero vector and no
// error: the query is answered by the other channels.
func (e *Engine) embedQuery(ctx context.Context, c Channel, text string) (embed.Vector, error) {
	if !c.Remote {
		v, err := c.Embedder.Embed(ctx, []string{text})
		if err != nil {
			return embed.Vector{}, err
		}
		return v[0], nil
	}
	h := e.remote.health[c.Embedder.Space()]
	timeout := c.QueryTimeout
	if timeout <= 0 {
		timeout = defaultQueryTimeout
	}
	qctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// A single attempt: the first failure rests the endpoint at once, so
	// the queries that follow do not wait for it too.
	embedOnce := c.Embedder.Embed
	if p, ok := c.Embedder.(prober); ok {
		embedOnce = p.EmbedOnce
	}
	// ready records a failed probe itself.
	err := e.ready(qctx, c, unlessCooling)
	if err == nil {
		var v []embed.Vector
		if v, err = embedOnce(qctx, []string{text}); err == nil {
			h.succeeded()
			return v[0], nil
		}
		if ctx.Err() == nil {
			if qctx.Err() != nil {
				err = fmt.Errorf("%w: no answer within %v", embed.ErrUnavailable, timeout)
			}
			h.failed(err)
		}
	}
	switch {
	case ctx.Err() != nil:
		return embed.Vector{}, context.Cause(ctx)
	case errors.Is(err, errSkipped):
	case errors.Is(err, embed.ErrUnavailable):
		e.log.Warn("embeddings endpoint unavailable; answering from the other channels", "space", c.Embedder.Space(), "err", err)
	default:
		return embed.Vector{}, err
	}
	return embed.Vector{}, nil
}

// embedRemote embeds texts (keyed by hashes) with a remote channel's
// embedder, a request's worth at a time, and saves each request's vectors
// in the store as soon as it returns: a run killed or stopped midway pays
// again for nothing it received. The embedder bounds the requests in
// flight. Texts whose request failed get no vector; the error is then one
// wrapping embed.ErrUnavailable when only unavailability (or the cool-down)
// stood in the way, and the vectors that did come back are still returned.
func (e *Engine) embedRemote(ctx context.Context, c Channel, hashes, texts []string, mode callMode) ([]embed.Vector, error) {
	space := c.Embedder.Space()
	h := e.remote.health[space]
	out := make([]embed.Vector, len(texts))
	if mode == storedOnly {
		return out, errSkipped
	}
	if err := e.ready(ctx, c, mode); err != nil {
		return out, err
	}
	size := len(texts)
	if b, ok := c.Embedder.(batcher); ok && b.BatchSize() > 0 {
		size = b.BatchSize()
	}
	var (
		wg          sync.WaitGroup
		mu          sync.Mutex
		unavailable error
		fatal       error
	)
	for first := 0; first < len(texts); first += size {
		last := min(first+size, len(texts))
		wg.Go(func() {
			vecs, err := c.Embedder.Embed(ctx, texts[first:last])
			if err == nil {
				err = e.saveRemote(ctx, space, hashes[first:last], vecs)
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				copy(out[first:], vecs)
			case ctx.Err() != nil:
				fatal = firstErr(fatal, context.Cause(ctx))
			case errors.Is(err, embed.ErrUnavailable):
				unavailable = firstErr(unavailable, err)
			default:
				fatal = firstErr(fatal, err)
			}
		})
	}
	wg.Wait()
	switch {
	case fatal != nil:
		if ctx.Err() == nil {
			h.failed(fatal)
		}
		return out, fatal
	case unavailable != nil:
		if h.failed(unavailable) {
			e.log.Warn("embeddings endpoint unavailable: papers are stored with their vectors pending, and computed once it answers",
				"space", space, "err", unavailable)
		}
		return out, unavailable
	}
	h.succeeded()
	return out, nil
}

// firstErr keeps the first error of several.
func firstErr(old, err error) error {
	if old != nil {
		return old
	}
	return err
}

// saveRemote checks one request's vectors against the length of those
// already stored in the space, then stores them. It does so even when ctx
// is being cancelled: the vectors are paid for, and saving takes
// milliseconds.
func (e *Engine) saveRemote(ctx context.Context, space string, hashes []string, vecs []embed.Vector) error {
	ctx = context.WithoutCancel(ctx)
	if err := e.checkDims(ctx, space, vecs); err != nil {
		return err
	}
	rows := make([]schema.Vector, len(vecs))
	for i, v := range vecs {
		data, err := v.MarshalBinary()
		if err != nil {
			return fmt.Errorf("encode %s vector: %w", space, err)
		}
		rows[i] = schema.Vector{Space: space, TextHash: hashes[i], Data: data}
	}
	return e.store.SaveVectors(ctx, rows)
}

// checkDims refuses vectors whose length differs from that of the vectors
// already stored in the space: the model behind a name changed its size,
// and mixing the two would make every comparison meaningless.
func (e *Engine) checkDims(ctx context.Context, space string, vecs []embed.Vector) error {
	if len(vecs) == 0 {
		return nil
	}
	e.remote.mu.Lock()
	want := e.remote.dims[space]
	e.remote.mu.Unlock()
	if want == 0 {
		var err error
		if want, err = StoredDims(ctx, e.store, space); err != nil {
			return err
		}
	}
	if want == 0 {
		want = len(vecs[0].Dense)
	}
	for _, v := range vecs {
		if len(v.Dense) != want {
			return DimsError{Space: space, Stored: want, Got: len(v.Dense)}
		}
	}
	e.remote.mu.Lock()
	e.remote.dims[space] = want
	e.remote.mu.Unlock()
	return nil
}

// DimsError says an embedder returned vectors of another length than those
// stored in its space. It is a paperhound.ErrConflict: the configured model
// contradicts the stored vectors.
type DimsError struct {
	Space       string
	Stored, Got int
}

func (DimsError) Unwrap() error { return paperhound.ErrConflict }

func (d DimsError) Error() string {
	return fmt.Sprintf("space %q holds %d-dimensional vectors, but the embedder now returns %d: "+
		"the model changed. Vectors of two models are never mixed: use another model name or --embed-dims "+
		"(each is its own space), or delete the space's rows from the embeddings table and embed again",
		d.Space, d.Stored, d.Got)
}

// StoredDims returns the length of the dense vectors stored in space, 0
// when it holds none (or sparse ones).
func StoredDims(ctx context.Context, store *schema.Store, space string) (int, error) {
	data, err := store.SampleVector(ctx, space)
	if errors.Is(err, paperhound.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var v embed.Vector
	if err := v.UnmarshalBinary(data); err != nil {
		return 0, fmt.Errorf("stored %s vector: %w", space, err)
	}
	return len(v.Dense), nil
}

// embedPending gives the papers at todo their vector in remote channel c,
// from one request per distinct text. Papers whose vector could not be had
// because the embedder is unavailable (or was not to be called) are left
// without (out.have false): stored and indexed without it, pending.
func (e *Engine) embedPending(ctx context.Context, c Channel, papers []paperhound.Paper, hashes []string, todo []int, out *channelVectors, mode callMode) error {
	slot := map[string]int{}
	var uniqHashes, texts []string
	for _, i := range todo {
		if _, ok := slot[hashes[i]]; !ok {
			slot[hashes[i]] = len(uniqHashes)
			uniqHashes = append(uniqHashes, hashes[i])
			texts = append(texts, papers[i].Text())
		}
	}
	vecs, err := e.embedRemote(ctx, c, uniqHashes, texts, mode)
	if err != nil && !errors.Is(err, embed.ErrUnavailable) {
		return fmt.Errorf("embed %s: %w", c.Embedder.Space(), err)
	}
	for _, i := range todo {
		if v := vecs[slot[hashes[i]]]; v.Dense != nil || v.Sparse.Len() > 0 {
			out.vecs[i], out.have[i] = v, true
		}
	}
	return nil
}
