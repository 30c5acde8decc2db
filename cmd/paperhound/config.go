package main

import (
	"flag"
	"log/slog"
	"os"
	"time"
)

// Config is everything paperhound can be told, from flags with environment
// variables as their defaults. Every subcommand reads it from here.
type Config struct {
	DB      string // SQLite file path or postgres:// URL
	Addr    string
	Refresh time.Duration // how often serve looks for papers ingested elsewhere
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// storeFlags registers the flags every command that opens the store takes.
func (c *Config) storeFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", envOr("PAPERHOUND_DB", "paperhound.db"),
		"database: a SQLite file path, or a postgres:// URL (env PAPERHOUND_DB)")
}

func (c *Config) serveFlags(fs *flag.FlagSet) {
	c.storeFlags(fs)
	fs.StringVar(&c.Addr, "addr", envOr("PAPERHOUND_ADDR", "127.0.0.1:8080"),
		"address to listen on, HOST:PORT (env PAPERHOUND_ADDR)")
	refresh, err := time.ParseDuration(envOr("PAPERHOUND_REFRESH", "10s"))
	if err != nil {
		slog.Warn("ignoring PAPERHOUND_REFRESH: want a duration like 10s", "err", err)
		refresh = 10 * time.Second
	}
	fs.DurationVar(&c.Refresh, "refresh", refresh,
		"how often to pick up papers ingested by another process; 0 turns it off (env PAPERHOUND_REFRESH)")
}
