package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/api/web"
	"github.com/paperhound/paperhound/ingest"
	"github.com/paperhound/paperhound/recommend"
)

// App is the server that "paperhound serve" runs: the backend Config
// chooses, the web and API handler over it, and the background work that
// keeps it in step with the store. Open it, Start it, Close it; tests
// drive it so too, on port 0.
type App struct {
	cfg Config
	log *slog.Logger
	b   *backend

	ln     net.Listener
	srv    *http.Server
	served chan error // what http.Server.Serve returned

	stopBackground context.CancelFunc
	background     sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// Open opens the store, the embedders and the index that cfg names, loads
// the index and the votes, and with cfg.Demo stores the sample papers.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if err := cfg.checkAdminToken(); err != nil {
		return nil, err
	}
	b, err := openBackend(ctx, cfg, roleServe, log)
	if err != nil {
		return nil, err
	}
	b.store.SetMaxConns(cfg.DBMaxConns)
	a := &App{cfg: cfg, log: log, b: b, stopBackground: func() {}}
	if cfg.Demo {
		papers, err := ingest.SamplePapers()
		if err == nil {
			var stats recommend.IngestStats
			stats, err = b.engine.Ingest(ctx, papers)
			log.Info("sample papers loaded", "added", stats.Added, "updated", stats.Updated, "unchanged", stats.Unchanged)
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("load sample papers: %w", err), b.Close())
		}
	}
	return a, nil
}

// handler is the web and API handler over engine: the one place it is
// built.
func handler(b *backend, cfg Config, log *slog.Logger) http.Handler {
	return api.Handler(log,
		api.New(b.engine, b.store, log, api.WithAdminToken(cfg.AdminToken)),
		web.New(b.engine, b.store, log))
}

// Start listens on cfg.Addr and serves there, and starts the background
// work, until ctx ends or Close.
func (a *App) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another server running there? choose another with --addr)", a.cfg.Addr, err)
	}
	a.ln = ln
	a.srv = &http.Server{
		Handler:           handler(a.b, a.cfg, a.log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	a.served = make(chan error, 1)
	go func() { a.served <- a.srv.Serve(ln) }()

	ctx, a.stopBackground = context.WithCancel(ctx)
	if a.cfg.Refresh > 0 {
		// Ingest runs write Qdrant themselves; the embedded index is ours
		// to refresh.
		papers := a.b.qdrant == nil
		a.background.Go(func() { refresh(ctx, a.b.engine, a.cfg.Refresh, papers, a.log) })
	}
	if a.b.endpoint != nil {
		a.background.Go(func() { a.b.engine.KeepCompleting(ctx, pendingEvery, pendingIdle) })
	}
	return nil
}

// URL is where the started App serves, http://HOST:PORT.
func (a *App) URL() string { return "http://" + a.ln.Addr().String() }

// Wait returns nil once ctx ends, or the error that stopped the server.
func (a *App) Wait(ctx context.Context) error {
	select {
	case err := <-a.served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		return nil
	}
}

// Close stops the server, letting requests in flight finish for up to 10
// s, then the background work, and then closes the index and the store,
// which that work uses. Calls after the first return the first's error.
func (a *App) Close() error {
	a.closeOnce.Do(func() {
		var errs []error
		if a.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := a.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				errs = append(errs, fmt.Errorf("shut down: %w", err))
			}
		}
		a.stopBackground()
		a.background.Wait()
		a.closeErr = errors.Join(append(errs, a.b.Close())...)
	})
	return a.closeErr
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
