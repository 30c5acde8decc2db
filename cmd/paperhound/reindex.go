package main

import (
	"context"
	"fmt"
	"io"

	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/schema"
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
		// The collection is rebuilt from the store alone: check that there
		// is one (a mistyped --db) before dropping it.
		store, err := schema.OpenReadOnly(ctx, cfg.DB)
		if err != nil {
			return err
		}
		store.Close()
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
