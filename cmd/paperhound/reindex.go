package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
)

// reindexCmd rebuilds the Qdrant collection from the store, which holds
// every vector: no embedder is called. Papers whose dense vector is pending
// go in with their lexical vectors and are reported.
func reindexCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	var recreate bool
	fs := cfg.flags("reindex", stderr)
	cfg.storeFlags(fs)
	cfg.backendFlags(fs)
	fs.BoolVar(&recreate, "recreate", false,
		"delete the collection and create it anew: after a change of embedding model or vector size (searches find less until the rebuild ends)")
	log, err := cfg.parse(fs, args)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "paperhound reindex takes no arguments, got %q\n", fs.Args())
		return errUsage
	}
	if recreate && cfg.QdrantURL != "" {
		if err := dropCollection(ctx, cfg); err != nil {
			return err
		}
	}
	b, err := openBackend(ctx, cfg, roleReindex, log)
	if err != nil {
		return err
	}
	defer b.Close()
	if b.endpoint != nil && b.dims == 0 {
		if _, exists, err := b.qdrant.Points(ctx); err != nil {
			return err
		} else if !exists {
			return fmt.Errorf("no vector of %s is stored yet, so the size of the collection's dense vectors is unknown: "+
				"every paper is pending. Run ingest or serve while the endpoint answers; they fill the collection as they embed",
				b.endpoint.Space())
		}
	}
	n, err := b.engine.LoadIndex(ctx)
	if err != nil {
		return err
	}
	pending, err := b.engine.Pending(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "indexed %d papers into Qdrant collection %q\n", n, b.qdrant.Collection())
	if pending > 0 {
		fmt.Fprintf(stdout, "%d of them without their dense vector, which is pending: ingest, or serve, computes it once the endpoint answers\n", pending)
	}
	return nil
}

// dropCollection deletes the configured collection, whatever spaces it
// holds.
func dropCollection(ctx context.Context, cfg Config) error {
	q, err := index.NewQdrant(ctx, index.QdrantConfig{URL: cfg.QdrantURL, APIKey: cfg.QdrantAPIKey, Collection: cfg.QdrantCollection})
	if err != nil {
		return err
	}
	defer q.Close()
	return q.DeleteCollection(ctx)
}

// finishIngest completes the dense vectors left pending (by this run or an
// earlier one) and, when ingest could not create the Qdrant collection,
// builds it from the store once the vectors' size is known. It returns the
// papers still pending, with an error wrapping embed.ErrUnavailable that
// says what happens to them when the endpoint is still down.
func finishIngest(ctx context.Context, b *backend, stdout io.Writer, log *slog.Logger) (int, error) {
	stats, err := b.engine.CompletePending(ctx)
	if stats.Embedded > 0 {
		fmt.Fprintf(stdout, "embedded %d papers whose dense vectors were pending\n", stats.Embedded)
	}
	if err != nil && !errors.Is(err, embed.ErrUnavailable) {
		return stats.Pending, err
	}
	if b.deferred {
		if err := buildDeferred(ctx, b, stdout, log); err != nil {
			return stats.Pending, err
		}
	}
	if err != nil {
		return stats.Pending, fmt.Errorf("%d papers are stored, but their dense vectors are pending because the embeddings endpoint does not answer; "+
			"the next ingest run computes them, and so does serve once the endpoint answers (%w)", stats.Pending, err)
	}
	return stats.Pending, nil
}

// buildDeferred creates and fills the Qdrant collection that ingest could
// not size at start-up, if the size is known now.
func buildDeferred(ctx context.Context, b *backend, stdout io.Writer, log *slog.Logger) error {
	space := b.endpoint.Space()
	dims := b.endpoint.Dims()
	if dims == 0 {
		var err error
		if dims, err = recommend.StoredDims(ctx, b.store, space); err != nil {
			return err
		}
	}
	if dims == 0 {
		// Nothing of the space is stored, so every paper is pending, and
		// whoever embeds them first upserts them into the collection.
		return nil
	}
	qc := b.qconfig
	qc.Dense = map[string]int{space: dims}
	q, err := index.NewQdrant(ctx, qc)
	if err != nil {
		return err
	}
	defer q.Close()
	n, err := recommend.New(b.store, q, b.channels, log).LoadIndex(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "filled Qdrant collection %q with %d papers\n", q.Collection(), n)
	return nil
}
