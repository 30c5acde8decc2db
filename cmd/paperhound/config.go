package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"
)

// Config is everything paperhound can be told, from flags with environment
// variables as their defaults. Every subcommand reads it from here.
type Config struct {
	DB      string // SQLite file path or postgres:// URL
	Addr    string
	Refresh time.Duration // how often serve looks for papers ingested elsewhere
	// AdminToken acts for every user in the API; "" turns that off.
	AdminToken string

	// The production path (backend.go): a dense channel from an
	// OpenAI-compatible embeddings endpoint, and Qdrant as the index. Each
	// is off while its URL is "". API keys come from the environment only,
	// never from a flag, so they stay out of shell history and ps.
	EmbedURL, EmbedModel, EmbedAPIKey string
	EmbedDims, EmbedBatch             int
	EmbedConcurrency, EmbedTPM        int
	EmbedRPS, EmbedWeight             float64
	QdrantURL, QdrantAPIKey           string
	QdrantCollection                  string

	badEnv []error // environment values that did not parse; reported by backendErr
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
	c.AdminToken = os.Getenv("PAPERHOUND_ADMIN_TOKEN")
	fs.Var(secretFlag{&c.AdminToken, "PAPERHOUND_ADMIN_TOKEN"}, "admin-token",
		"API token that acts for every user and adds papers, 16 characters or more (env PAPERHOUND_ADMIN_TOKEN)")
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

// backendFlags registers the embeddings endpoint and Qdrant settings, which
// every command that embeds or queries takes.
func (c *Config) backendFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.EmbedURL, "embed-url", os.Getenv("PAPERHOUND_EMBED_URL"),
		"OpenAI-compatible embeddings API root, e.g. http://localhost:11434/v1; adds a dense channel; its API key comes from env PAPERHOUND_EMBED_API_KEY or OPENAI_API_KEY (env PAPERHOUND_EMBED_URL)")
	fs.StringVar(&c.EmbedModel, "embed-model", os.Getenv("PAPERHOUND_EMBED_MODEL"),
		"embedding model name, e.g. nomic-embed-text or text-embedding-3-small (env PAPERHOUND_EMBED_MODEL)")
	// The more specific variable wins; OPENAI_API_KEY is the usual one.
	c.EmbedAPIKey = envOr("PAPERHOUND_EMBED_API_KEY", os.Getenv("OPENAI_API_KEY"))
	fs.IntVar(&c.EmbedDims, "embed-dims", c.envInt("PAPERHOUND_EMBED_DIMS", 0),
		"ask the model for vectors this long (text-embedding-3-*); 0 takes its own size (env PAPERHOUND_EMBED_DIMS)")
	fs.IntVar(&c.EmbedBatch, "embed-batch", c.envInt("PAPERHOUND_EMBED_BATCH", 64),
		"texts per embeddings request (env PAPERHOUND_EMBED_BATCH)")
	fs.IntVar(&c.EmbedConcurrency, "embed-concurrency", c.envInt("PAPERHOUND_EMBED_CONCURRENCY", 4),
		"embeddings requests in flight (env PAPERHOUND_EMBED_CONCURRENCY)")
	fs.Float64Var(&c.EmbedRPS, "embed-rps", c.envFloat("PAPERHOUND_EMBED_RPS", 0),
		"most embeddings requests per second; 0 is unlimited (env PAPERHOUND_EMBED_RPS)")
	fs.IntVar(&c.EmbedTPM, "embed-tpm", c.envInt("PAPERHOUND_EMBED_TPM", 0),
		"most tokens per minute sent to the endpoint, estimated; 0 is unlimited (env PAPERHOUND_EMBED_TPM)")
	fs.Float64Var(&c.EmbedWeight, "embed-weight", c.envFloat("PAPERHOUND_EMBED_WEIGHT", 1),
		"weight of the dense channel in the blend; each lexical channel weighs 1 (env PAPERHOUND_EMBED_WEIGHT)")
	fs.StringVar(&c.QdrantURL, "qdrant-url", os.Getenv("PAPERHOUND_QDRANT_URL"),
		"Qdrant's gRPC URL, e.g. http://localhost:6334; the index lives there instead of in process; its API key comes from env PAPERHOUND_QDRANT_API_KEY (env PAPERHOUND_QDRANT_URL)")
	c.QdrantAPIKey = os.Getenv("PAPERHOUND_QDRANT_API_KEY")
	fs.StringVar(&c.QdrantCollection, "qdrant-collection", envOr("PAPERHOUND_QDRANT_COLLECTION", "papers"),
		"Qdrant collection (env PAPERHOUND_QDRANT_COLLECTION)")
}

func (c *Config) envInt(key string, def int) int {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		c.badEnv = append(c.badEnv, fmt.Errorf("%s=%q: want a whole number", key, v))
		return def
	}
	return n
}

func (c *Config) envFloat(key string, def float64) float64 {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		c.badEnv = append(c.badEnv, fmt.Errorf("%s=%q: want a number", key, v))
		return def
	}
	return f
}

// backendErr checks the backend settings once flags are parsed.
func (c *Config) backendErr() error {
	if err := errors.Join(c.badEnv...); err != nil {
		return err
	}
	switch {
	case c.EmbedURL == "" && c.EmbedModel != "":
		return errors.New("--embed-model (or PAPERHOUND_EMBED_MODEL) is set but --embed-url is not: give the endpoint's API root, e.g. http://localhost:11434/v1")
	case c.EmbedURL != "" && c.EmbedModel == "":
		return errors.New("--embed-url is set but --embed-model is not: name the embedding model, e.g. nomic-embed-text")
	case c.EmbedDims < 0, c.EmbedBatch < 1, c.EmbedConcurrency < 1, c.EmbedRPS < 0, c.EmbedTPM < 0, c.EmbedWeight <= 0:
		return errors.New("--embed-batch and --embed-concurrency must be 1 or more; --embed-dims, --embed-rps and --embed-tpm 0 or more; --embed-weight above 0")
	}
	return nil
}
