package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	neturl "net/url"
	"os"
	"strings"
	"sync"
)

// serve runs an App until ctx ends (Ctrl-C or SIGTERM).
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, log, err := serveConfig(args, stderr)
	if err != nil {
		return err
	}
	// The collector's headroom follows the index (gc.go), unless GOGC says
	// otherwise.
	if os.Getenv("GOGC") == "" {
		tuning, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { tuneGC(tuning) })
		defer func() { stop(); wg.Wait() }()
	}
	app, err := Listen(cfg, log)
	if err != nil {
		return err
	}
	if err := app.Open(ctx); err != nil {
		return errors.Join(err, app.Close())
	}
	if err := app.Start(ctx); err != nil {
		return errors.Join(err, app.Close())
	}
	banner(stdout, cfg, app.URL())
	err = app.Wait(ctx)
	if err == nil {
		log.Info("shutting down")
	}
	return errors.Join(err, app.Close())
}

// serveConfig reads serve's flags and environment.
func serveConfig(args []string, stderr io.Writer) (Config, *slog.Logger, error) {
	var cfg Config
	fs := cfg.flags("serve", stderr)
	cfg.serveFlags(fs)
	cfg.backendFlags(fs)
	cfg.syncFlags(fs)
	log, err := cfg.parse(fs, args)
	return cfg, log, err
}

// banner says where the server is, and with --demo what to try there, in
// one write: whoever reads the first line finds the rest with it.
func banner(w io.Writer, cfg Config, url string) {
	var b strings.Builder
	fmt.Fprintf(&b, "paperhound is serving %s on %s\n", redactDB(cfg.DB), url)
	if cfg.Demo {
		fmt.Fprintf(&b, `Open %[1]s/ in a browser, or try:
  curl '%[1]s/v1/papers/2407.18121'
  curl '%[1]s/v1/papers/2407.18121/similar?limit=5'
  curl '%[1]s/v1/search?q=speculative+decoding&limit=5'
  curl -X POST '%[1]s/v1/search' -d '{"text": "compressing the KV cache of long-context LLMs", "limit": 5}'
`, url)
	}
	io.WriteString(w, b.String())
}

// redactDB hides the password of a postgres:// URL: stdout ends up in logs.
func redactDB(dsn string) string {
	if u, err := neturl.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dsn
}
