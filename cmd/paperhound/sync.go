package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/harvest"
)

// syncTimeout bounds one request to a source: an arXiv page takes seconds.
const syncTimeout = 2 * time.Minute

// syncCmd runs "paperhound sync": every source once, a line per page on a
// terminal, and the summary of each source on stdout.
func syncCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := cfg.flags("sync", stderr)
	cfg.storeFlags(fs)
	cfg.backendFlags(fs)
	cfg.syncFlags(fs)
	log, err := cfg.parse(fs, args)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "paperhound sync: takes no arguments, got %q\n", fs.Args())
		return errUsage
	}
	b, err := openBackend(ctx, cfg, roleIngest, log)
	if err != nil {
		return err
	}
	defer b.Close()

	hc := harvestConfig(cfg, log)
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		hc.Progress = func(p harvest.Progress) { fmt.Fprintf(stderr, "%s, page %d\n", p.Result, p.Page) }
	} else {
		hc.Progress = func(p harvest.Progress) { logProgress(log, slog.LevelInfo, p) }
	}
	results, err := harvest.Run(ctx, hc, b.store, b.engine)
	for _, r := range results {
		fmt.Fprintln(stdout, r)
	}
	if errors.Is(err, harvest.ErrBusy) {
		return err
	}
	var pendingErr error
	if b.endpoint != nil && ctx.Err() == nil {
		pending, perr := completePending(ctx, b, stdout, log)
		if perr != nil && !errors.Is(perr, embed.ErrUnavailable) {
			return errors.Join(err, perr)
		}
		fmt.Fprintf(stdout, "pending %d\n", pending)
		pendingErr = perr
	}
	return errors.Join(err, pendingErr)
}

// harvestConfig is cfg's sync settings, logging to log.
func harvestConfig(cfg Config, log *slog.Logger) harvest.Config {
	hc := cfg.Sync
	hc.Client = &http.Client{Timeout: syncTimeout}
	hc.Log = log
	return hc
}

func logProgress(log *slog.Logger, level slog.Level, p harvest.Progress) {
	log.Log(context.Background(), level, "sync page stored", "source", p.Source, "page", p.Page,
		"fetched", p.Fetched, "added", p.Added, "updated", p.Updated, "unchanged", p.Unchanged)
}

// syncEvery runs a sync at once and then every cfg.SyncEvery, until ctx
// ends, in serve's background: papers go through the engine, so they
// are in its index as soon as stored. A round that finds another sync
// running is skipped. count tells the metrics how each source's run ended:
// "ok", "failed", or "skipped" (source "all") when another sync held the
// lease; it is called before the run is logged, so that whoever reads the
// log line finds the run counted.
func syncEvery(ctx context.Context, cfg Config, b *backend, count func(source, outcome string), log *slog.Logger) {
	hc := harvestConfig(cfg, log)
	hc.Progress = func(p harvest.Progress) { logProgress(log, slog.LevelDebug, p) }
	for {
		results, err := harvest.Run(ctx, hc, b.store, b.engine)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, harvest.ErrBusy):
			count("all", "skipped")
			log.Info("sync skipped: another sync is running", "err", err)
		case err != nil && len(results) == 0:
			count("all", "failed")
			log.Error("sync failed", "err", err)
		}
		for _, r := range results {
			if r.Err != nil {
				count(r.Source, "failed")
				log.Error("sync failed", "source", r.Source, "fetched", r.Fetched, "added", r.Added, "updated", r.Updated, "unchanged", r.Unchanged, "err", r.Err)
				continue
			}
			count(r.Source, "ok")
			log.Info("sync done", "source", r.Source, "fetched", r.Fetched, "added", r.Added, "updated", r.Updated, "unchanged", r.Unchanged)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(cfg.SyncEvery):
		}
	}
}
