package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"sync"
	"time"

	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/api/web"
	"github.com/paperhound/paperhound/recommend"
)

// samplePapers are about 40 papers from a Hugging Face Daily Papers page
// (tokenizers, KV caches, speculative decoding, retrieval), for --demo.
//
//go:embed sample-papers.jsonl
var samplePapers []byte

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	var cfg Config
	var demo bool
	fs := flags("serve", stderr)
	cfg.serveFlags(fs)
	cfg.backendFlags(fs)
	fs.BoolVar(&demo, "demo", false, "load the built-in sample papers before serving")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.checkAdminToken(); err != nil {
		return err
	}
	b, err := openBackend(ctx, cfg, roleServe, log)
	if err != nil {
		return err
	}
	defer b.Close()
	engine := b.engine
	if demo {
		var sum summary
		if err := ingestPapers(ctx, engine, "sample-papers.jsonl", bytes.NewReader(samplePapers), &sum, io.Discard); err != nil {
			return fmt.Errorf("load sample papers: %w", err)
		}
		log.Info("sample papers loaded", "added", sum.Added, "updated", sum.Updated, "unchanged", sum.Unchanged)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another server running there? choose another with --addr)", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           api.Handler(log, api.New(engine, b.store, log, api.WithAdminToken(cfg.AdminToken)), web.New(engine, b.store, log)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "paperhound is serving %s on %s\n", redactDB(cfg.DB), url)
	if demo {
		fmt.Fprintf(stdout, `Open %[1]s/ in a browser, or try:
  curl '%[1]s/v1/papers/2407.18121'
  curl '%[1]s/v1/papers/2407.18121/similar?limit=5'
  curl '%[1]s/v1/search?q=speculative+decoding&limit=5'
  curl -X POST '%[1]s/v1/search' -d '{"text": "compressing the KV cache of long-context LLMs", "limit": 5}'
`, url)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	// Background work ends before the store closes.
	var background sync.WaitGroup
	defer background.Wait()
	bgCtx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	// With Qdrant, ingest runs in other processes write the shared
	// collection themselves.
	if cfg.Refresh > 0 {
		// Qdrant is written by ingest directly; the embedded index is ours.
		papers := b.qdrant == nil
		background.Go(func() { refresh(bgCtx, engine, cfg.Refresh, papers, log) })
	}
	if b.endpoint != nil {
		background.Go(func() { engine.KeepCompleting(bgCtx, pendingEvery, pendingIdle) })
	}
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// refresh keeps the engine in step with what ingest runs in other
// processes store, until ctx ends: votes always, and with papers the
// embedded index.
func refresh(ctx context.Context, engine *recommend.Engine, every time.Duration, papers bool, log *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if papers {
			n, err := engine.Refresh(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error("refresh the index from the store", "err", err)
			case n > 0:
				log.Debug("index refreshed", "papers", n)
			}
		}
		reloaded, err := engine.RefreshVotes(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("refresh votes from the store", "err", err)
		case reloaded:
			log.Info("votes reloaded: another process changed them")
		}
	}
}

// redactDB hides the password of a postgres:// URL: stdout ends up in logs.
func redactDB(dsn string) string {
	if u, err := neturl.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dsn
}
