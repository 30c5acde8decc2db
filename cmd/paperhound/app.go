package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/api/web"
	"github.com/paperhound/paperhound/ingest"
	"github.com/paperhound/paperhound/recommend"
)

// App is the server that "paperhound serve" runs: the backend Config
// chooses, the web and API handler over it, and the background work that
// loads it and keeps it in step with the store. Listen, Open, Start, Close
// it; tests drive it so too, on port 0.
type App struct {
	cfg Config
	log *slog.Logger
	b   *backend

	ln     net.Listener
	srv    *http.Server
	served chan error // what http.Server.Serve returned
	// handler is what srv answers with: the starting one until Start.
	handler atomic.Pointer[http.Handler]
	// debug serves the profiles on cfg.DebugAddr, when set.
	debugLn net.Listener
	debug   *http.Server

	// life is loading, serving or shutting down, for /readyz and the
	// routes; loaded is closed once the index is loaded, and failed has
	// the error that stopped the load instead.
	life   *api.Lifecycle
	loaded chan struct{}
	failed chan error
	// metrics are served at /metrics; the background sync counts its runs.
	metrics *api.Metrics

	stopBackground context.CancelFunc
	background     sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// Listen listens on cfg.Addr and answers there from now on: /healthz 200,
// /readyz and every other route 503 until Start. Open then opens the
// store, which after an upgrade migrates it: at a million papers that
// takes seconds, during which a liveness probe must find the server alive.
func Listen(cfg Config, log *slog.Logger) (*App, error) {
	if err := cfg.checkAdminToken(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another server running there? choose another with --addr)", cfg.Addr, err)
	}
	a := &App{cfg: cfg, log: log, ln: ln, life: new(api.Lifecycle), metrics: api.NewMetrics(log), stopBackground: func() {},
		loaded: make(chan struct{}), failed: make(chan error, 1)}
	a.life.Opening()
	a.serve(a.life.Gate(api.Handler(log, a.metrics, api.Starting(a.life))))
	a.srv = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*a.handler.Load()).ServeHTTP(w, r) }),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	a.served = make(chan error, 1)
	go func() { a.served <- a.srv.Serve(ln) }()
	return a, nil
}

// serve has the listener answer with h from the next request on.
func (a *App) serve(h http.Handler) { a.handler.Store(&h) }

// Open opens the store, the embedders and the index that the App's Config
// names, and with cfg.Demo stores the sample papers. Start loads the votes
// and the index.
func (a *App) Open(ctx context.Context) error {
	b, err := openBackend(ctx, a.cfg, roleServe, a.log)
	if err != nil {
		return err
	}
	a.b = b
	b.store.SetMaxConns(a.cfg.DBMaxConns)
	registerMetrics(a.metrics, b)
	a.life.Loading(0, 0)
	if a.cfg.Demo {
		papers, err := ingest.SamplePapers()
		if err == nil {
			var stats recommend.IngestStats
			stats, err = b.engine.Ingest(ctx, papers)
			a.log.Info("sample papers loaded", "added", stats.Added, "updated", stats.Updated, "unchanged", stats.Unchanged)
		}
		if err != nil {
			return fmt.Errorf("load sample papers: %w", err)
		}
	}
	return nil
}

// handler is the web and API handler over engine, held back by life
// while the index loads: the one place it is built.
func handler(b *backend, cfg Config, life *api.Lifecycle, metrics *api.Metrics, log *slog.Logger) http.Handler {
	return life.Gate(api.Handler(log, metrics,
		api.New(b.engine, b.store, log, api.WithAdminToken(cfg.AdminToken), api.WithLifecycle(life)),
		web.New(b.engine, b.store, log)))
}

// Start serves the web and the API on the listener, loads the votes and
// the index in the background (the routes that need them answer 503
// meanwhile), and then starts the work that keeps them in step with the
// store, until ctx ends or Close.
func (a *App) Start(ctx context.Context) error {
	a.serve(handler(a.b, a.cfg, a.life, a.metrics, a.log))
	if a.cfg.DebugAddr != "" {
		var err error
		if a.debugLn, err = net.Listen("tcp", a.cfg.DebugAddr); err != nil {
			return fmt.Errorf("listen on --debug-addr %s: %w", a.cfg.DebugAddr, err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		a.debug = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go a.debug.Serve(a.debugLn)
		a.log.Info("profiles served", "url", a.DebugURL()+"/debug/pprof/")
	}

	ctx, a.stopBackground = context.WithCancel(ctx)
	a.background.Go(func() {
		if err := a.load(ctx); err != nil {
			if ctx.Err() == nil {
				a.failed <- err
			}
			return
		}
		// Feeds rank with the last tuning from the first request on.
		untilTune := restoreTuning(ctx, a.b.engine, a.log)
		a.life.Serving()
		close(a.loaded)
		a.background.Go(func() { tuneFeed(ctx, a.b.engine, untilTune, a.log) })
		if a.cfg.Refresh > 0 {
			// Ingest runs write Qdrant themselves; the embedded index is
			// ours to refresh.
			papers := a.b.qdrant == nil
			a.background.Go(func() { refresh(ctx, a.b.engine, a.cfg.Refresh, papers, a.log) })
		}
		if a.b.endpoint != nil {
			a.background.Go(func() { a.b.engine.KeepCompleting(ctx, pendingEvery, pendingIdle) })
		}
		if a.cfg.SyncEvery > 0 {
			a.background.Go(func() { syncEvery(ctx, a.cfg, a.b, a.metrics.SyncRun, a.log) })
		}
	})
	return nil
}

// load reads the votes and fills the embedded index from the store,
// telling life how far it has come (Qdrant persists: it is only checked).
// At 100k papers this takes a minute or more, hence after Start listens.
func (a *App) load(ctx context.Context) error {
	start := time.Now()
	total, err := a.b.store.CountPapers(ctx)
	if err != nil {
		return fmt.Errorf("load the index: %w", err)
	}
	a.life.Loading(0, total)
	if err := a.b.engine.LoadVotes(ctx); err != nil {
		return err
	}
	if a.b.qdrant != nil {
		a.b.checkQdrant(ctx, a.log)
		return nil
	}
	path := a.cfg.snapshotPath()
	if path != "" {
		held, added, err := a.b.engine.LoadSnapshot(ctx, path)
		switch {
		case err == nil:
			a.log.Info("index loaded from its snapshot", "path", path, "papers", held, "since", added,
				"took", time.Since(start).Round(time.Millisecond))
			a.afterLoad(ctx, path, added > 0)
			return nil
		case !errors.Is(err, recommend.ErrNoSnapshot):
			return err
		case !errors.Is(err, fs.ErrNotExist):
			a.log.Warn("loading the index from the store instead", "error", err)
		}
	}
	n, err := a.b.engine.LoadIndexProgress(ctx, func(indexed int) { a.life.Loading(indexed, total) })
	if err != nil {
		return err
	}
	a.log.Info("index loaded", "papers", n, "took", time.Since(start).Round(time.Millisecond))
	a.afterLoad(ctx, path, true)
	return nil
}

// afterLoad hands the garbage of loading back, and saves the snapshot
// when it has changed, in the background: at a million papers writing it
// takes seconds, while the server already answers.
func (a *App) afterLoad(ctx context.Context, path string, changed bool) {
	// Loading leaves the garbage of every decoded batch behind: gigabytes
	// at a million papers, which the collector would keep until the heap
	// had grown by GOGC. Hand it back before serving.
	debug.FreeOSMemory()
	if path == "" || !changed {
		return
	}
	a.background.Go(func() {
		start := time.Now()
		if err := a.b.engine.SaveSnapshot(ctx, path); err != nil {
			a.log.Warn("index snapshot not saved", "error", err)
			return
		}
		a.log.Info("index snapshot saved", "path", path, "took", time.Since(start).Round(time.Millisecond))
	})
}

// URL is where the started App serves, http://HOST:PORT.
func (a *App) URL() string { return "http://" + a.ln.Addr().String() }

// DebugURL is where the started App serves its profiles, http://HOST:PORT.
func (a *App) DebugURL() string { return "http://" + a.debugLn.Addr().String() }

// Wait returns nil once ctx ends, or the error that stopped the server or
// its start-up load.
func (a *App) Wait(ctx context.Context) error {
	select {
	case err := <-a.served:
		return fmt.Errorf("serve: %w", err)
	case err := <-a.failed:
		return err
	case <-ctx.Done():
		return nil
	}
}

// shutdownTimeout bounds how long Close waits for the requests in flight
// once it stops accepting.
const shutdownTimeout = 10 * time.Second

// Close drains the server: /readyz answers 503 at once while every route
// still answers for cfg.Drain, so that load balancers stop sending; then
// it stops accepting and lets the requests in flight finish, for up to
// shutdownTimeout. Then it stops the background work, and closes the index
// and the store, which that work uses. Calls after the first return the
// first's error.
func (a *App) Close() error {
	a.closeOnce.Do(func() {
		var errs []error
		if a.srv != nil {
			if a.life.Drain() && a.cfg.Drain > 0 {
				a.log.Info("draining: /readyz answers 503; still serving", "for", a.cfg.Drain)
				time.Sleep(a.cfg.Drain)
			}
			ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			switch err := a.srv.Shutdown(ctx); {
			case errors.Is(err, context.DeadlineExceeded):
				a.log.Warn("requests still running were cut off", "after", shutdownTimeout)
				a.srv.Close()
			case err != nil:
				errs = append(errs, fmt.Errorf("shut down: %w", err))
			}
		}
		if a.debug != nil {
			a.debug.Close()
		}
		a.stopBackground()
		a.background.Wait()
		if a.b != nil {
			errs = append(errs, a.b.Close())
		}
		a.closeErr = errors.Join(errs...)
	})
	return a.closeErr
}

// tuneEvery is how often serve re-tunes the feed on the votes it holds,
// on one core: users' habits change slowly, and with a thousand users
// sampled at a million papers a tuning costs an hour of CPU.
const tuneEvery = 24 * time.Hour

// restoreTuning makes the engine's feeds use the tuning the store saved
// last, and returns how long until the next is due.
func restoreTuning(ctx context.Context, engine *recommend.Engine, log *slog.Logger) time.Duration {
	at, ok, err := engine.RestoreTuning(ctx)
	switch {
	case err != nil:
		log.Warn("the feed's last tuning not restored: tuning again", "err", err)
	case ok:
		log.Info("feed tuning restored", "tuned_at", at)
		return max(0, tuneEvery-time.Since(at))
	}
	return 0
}

// tuneFeed tunes the engine's feed after wait and every tuneEvery, until
// ctx ends.
func tuneFeed(ctx context.Context, engine *recommend.Engine, wait time.Duration, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		start := time.Now()
		tuning, err := engine.TuneFeed(ctx, 1)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("tune the feed", "err", err)
		case err == nil:
			log.Info("feed tuned", "recency", tuning.Recency.String(), "report", tuning.String(), "took", time.Since(start).Round(time.Millisecond))
		}
		wait = tuneEvery
	}
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
