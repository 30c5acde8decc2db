package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
)

// serve completes pending vectors at start-up, then every pendingEvery
// while some remain (backing off to 5 minutes while the endpoint is down),
// and looks again every pendingIdle once none remain, since an ingest run
// elsewhere may leave some.
const (
	pendingEvery = 30 * time.Second
	pendingIdle  = 5 * time.Minute
)

// role says what a command needs of its backend.
type role int

const (
	// roleServe: nothing is loaded here: the App loads the votes and the
	// index once it listens. An endpoint that is down at start-up leaves
	// it degraded (lexical channels) until a probe passes.
	roleServe role = iota
	// roleQuery: the endpoint must answer at start-up; the embedded index
	// is filled from the store here (Qdrant persists).
	roleQuery
	// roleIngest: an endpoint that is down leaves vectors pending; the
	// embedded index is not filled, since nothing reads it in this process.
	roleIngest
	// roleReindex: never calls the endpoint; requires Qdrant.
	roleReindex
)

// backend is what a command runs on, as Config chooses it: the store
// (SQLite or PostgreSQL); the lexical channels, plus a dense one with
// --embed-url; the embedded index, or Qdrant with --qdrant-url.
type backend struct {
	engine   *recommend.Engine
	store    *schema.Store
	channels []recommend.Channel
	endpoint *embed.Endpoint // nil without --embed-url
	qdrant   *index.Qdrant   // nil with the embedded index
	qconfig  index.QdrantConfig
	dims     int // the dense vectors' length; 0 unknown or no endpoint
	// deferred is set when ingest cannot size a Qdrant collection that does
	// not exist yet (the endpoint is down and no dense vector is stored):
	// papers then go to the store only, and the collection is built at the
	// end of the run once the size is known (see completePending).
	deferred bool
	closers  []func() error
}

// Close releases the index and the store.
func (b *backend) Close() error {
	var errs []error
	for i := len(b.closers) - 1; i >= 0; i-- {
		errs = append(errs, b.closers[i]())
	}
	return errors.Join(errs...)
}

func (b *backend) denseSpace() string {
	if b.endpoint == nil {
		return ""
	}
	return b.endpoint.Space()
}

// openBackend opens the store, the embedder and the index for a command in
// role r, and loads what the role needs.
func openBackend(ctx context.Context, cfg Config, r role, log *slog.Logger) (_ *backend, err error) {
	if err := cfg.backendErr(); err != nil {
		return nil, err
	}
	open := schema.Open
	if r == roleQuery || r == roleReindex {
		// They only read the store: a missing database is not created, an
		// old one not migrated, and a user who may only read it runs them.
		open = schema.OpenReadOnly
	}
	store, err := open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	b := &backend{store: store, closers: []func() error{store.Close}}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()

	channels := recommend.LexicalChannels()
	var sparse []string
	for _, c := range channels {
		sparse = append(sparse, c.Embedder.Space())
	}
	var down error // the endpoint's failed start-up probe
	if cfg.EmbedURL != "" {
		if down, err = b.openEndpoint(ctx, cfg, r, log); err != nil {
			return nil, err
		}
		// Weight 1, as each lexical channel: the two lexical channels
		// were tuned on citeulike-a, and no model can be measured offline,
		// so the dense one gets an equal share and not more (README).
		channels = append(channels, recommend.Channel{Embedder: b.endpoint, Weight: cfg.EmbedWeight, Remote: true, QueryTimeout: cfg.EmbedQueryTimeout})
	}

	var idx recommend.Index
	switch {
	case cfg.QdrantURL != "":
		qc := index.QdrantConfig{URL: cfg.QdrantURL, APIKey: cfg.QdrantAPIKey, Collection: cfg.QdrantCollection, Sparse: sparse}
		if space := b.denseSpace(); space != "" {
			qc.Dense = map[string]int{space: b.dims}
		}
		q, err := index.NewQdrant(ctx, qc)
		if err != nil {
			return nil, err
		}
		b.qdrant, b.qconfig, idx = q, qc, q
		b.closers = append(b.closers, q.Close)
		if r == roleIngest && b.endpoint != nil && b.dims == 0 {
			_, exists, err := q.Points(ctx)
			if err != nil {
				return nil, err
			}
			if !exists {
				b.deferred, idx = true, nil
				log.Warn("the Qdrant collection does not exist yet and the size of the dense vectors is unknown while the endpoint is down: papers go to the store, and to Qdrant once the endpoint answers",
					"collection", q.Collection())
			}
		}
	case r == roleReindex:
		return nil, errors.New("reindex rebuilds a Qdrant collection: set --qdrant-url (the embedded index is rebuilt from the store at every start)")
	case r == roleIngest:
		// No index (nil): nothing reads one in this process, and a server
		// builds its own from the store.
	default:
		idx = index.NewMemory()
	}

	b.channels = channels
	b.engine = recommend.New(store, idx, channels, log)
	if down != nil {
		b.engine.MarkUnavailable(b.endpoint.Space(), down)
	}
	if r == roleQuery && b.qdrant == nil {
		n, err := b.engine.Load(ctx)
		if err != nil {
			return nil, err
		}
		log.Info("index loaded", "papers", n)
	}
	return b, nil
}

// openEndpoint makes the endpoint embedder and settles the length of its
// vectors: that of the vectors stored in its space, checked by a probe,
// else the one the probe's answers agree on. An endpoint that does not
// answer is returned as down, and the command goes on without it (serve
// degraded, ingest with vectors pending); a wrong key, model or URL, or a
// model whose vectors no longer fit the stored ones, stops it.
func (b *backend) openEndpoint(ctx context.Context, cfg Config, r role, log *slog.Logger) (down, err error) {
	ep, err := embed.NewEndpoint(embed.EndpointConfig{
		BaseURL: cfg.EmbedURL, Model: cfg.EmbedModel, APIKey: cfg.EmbedAPIKey, Dimensions: cfg.EmbedDims,
		BatchSize: cfg.EmbedBatch, Concurrency: cfg.EmbedConcurrency,
		RequestsPerSecond: cfg.EmbedRPS, TokensPerMinute: cfg.EmbedTPM, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	b.endpoint = ep
	stored, err := recommend.StoredDims(ctx, b.store, ep.Space())
	if err != nil {
		return nil, err
	}
	if stored != 0 {
		ep.SetDims(stored)
	}
	if r != roleReindex {
		down = ep.Probe(ctx)
	}
	var lengthErr embed.LengthError
	switch {
	case down == nil:
	case errors.As(down, &lengthErr):
		return nil, recommend.DimsError{Space: ep.Space(), Stored: lengthErr.Want, Got: lengthErr.Got}
	case !errors.Is(down, embed.ErrUnavailable):
		// No later attempt would pass.
		return nil, fmt.Errorf("the embeddings endpoint failed its start-up check: %w; fix --embed-url, --embed-model and the API key, or leave --embed-url unset to run on the lexical channels alone", down)
	case r == roleIngest:
		log.Warn("the embeddings endpoint does not answer: papers are stored with their dense vectors pending", "err", down)
	default:
		log.Warn("the embeddings endpoint does not answer: starting degraded, on the lexical channels; the dense channel joins once a probe passes", "err", down)
	}
	b.dims = ep.Dims()
	return down, nil
}

// checkQdrant warns when the collection holds fewer papers than the store
// (those whose dense vector is pending aside):
// Qdrant persists on its own, so a new or emptied collection is filled by
// reindex, not by a server start.
func (b *backend) checkQdrant(ctx context.Context, log *slog.Logger) {
	points, _, err := b.qdrant.Points(ctx)
	if err != nil {
		log.Warn("count the points of the Qdrant collection", "err", err)
		return
	}
	papers, err := b.store.CountPapers(ctx)
	if err != nil {
		log.Warn("count the papers of the store", "err", err)
		return
	}
	// Pending papers go in as their vectors are computed.
	pending, err := b.engine.Pending(ctx)
	if err != nil {
		log.Warn("count the pending papers", "err", err)
		return
	}
	if points < papers-pending {
		log.Warn("the Qdrant collection holds fewer papers than the store: run \"paperhound reindex\" to fill it from the store",
			"collection", b.qdrant.Collection(), "points", points, "papers", papers)
	}
}

// buildDeferred creates and fills the Qdrant collection that ingest could
// not size at start-up, once the size of the dense vectors is known (from
// the endpoint, or from those stored since). It returns how many papers
// went in, and built false while the size is still unknown: every paper is
// then pending, and whoever embeds them first upserts them.
func (b *backend) buildDeferred(ctx context.Context, log *slog.Logger) (n int, built bool, err error) {
	space := b.endpoint.Space()
	dims := b.endpoint.Dims()
	if dims == 0 {
		if dims, err = recommend.StoredDims(ctx, b.store, space); err != nil || dims == 0 {
			return 0, false, err
		}
	}
	qc := b.qconfig
	qc.Dense = map[string]int{space: dims}
	q, err := index.NewQdrant(ctx, qc)
	if err != nil {
		return 0, false, err
	}
	defer q.Close()
	n, err = recommend.New(b.store, q, b.channels, log).LoadIndex(ctx)
	return n, err == nil, err
}
