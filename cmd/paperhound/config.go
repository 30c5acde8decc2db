package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/harvest"
	"github.com/paperhound/paperhound/schema"
)

// Config is everything paperhound can be told, from flags with environment
// variables as their defaults. Every subcommand reads it from here.
type Config struct {
	DB        string     // SQLite file path or postgres:// URL
	LogLevel  slog.Level // the least important log records shown, on stderr
	LogFormat logFormat  // text or JSON log records

	// serve's.
	Addr    string
	Refresh time.Duration // how often serve looks for papers ingested elsewhere
	Demo    bool          // load the built-in sample papers before serving
	// Drain is how long serve keeps answering after the shutdown signal,
	// /readyz saying 503, before it stops accepting connections.
	Drain time.Duration
	// AdminToken acts for every user in the API; "" turns that off.
	AdminToken string
	DBMaxConns int // most connections to PostgreSQL; more requests wait for one
	// IndexSnapshot is the file the embedded index is saved to and started
	// from: a path, "auto" or "off" (snapshotPath).
	IndexSnapshot string
	// DebugAddr serves Go's profiles (net/http/pprof) there; "" never.
	DebugAddr string

	// The production path (backend.go): a dense channel from an
	// OpenAI-compatible embeddings endpoint, and Qdrant as the index. Each
	// is off while its URL is "". API keys come from the environment only,
	// never from a flag, so they stay out of shell history and ps.
	EmbedURL, EmbedModel, EmbedAPIKey string
	EmbedDims, EmbedBatch             int
	EmbedConcurrency, EmbedTPM        int
	EmbedRPS, EmbedWeight             float64
	EmbedQueryTimeout                 time.Duration
	QdrantURL, QdrantAPIKey           string
	QdrantCollection                  string

	// sync's, and serve's with SyncEvery: see harvest.Config.
	Sync      harvest.Config
	SyncEvery time.Duration // serve syncs this often; 0 never

	badEnv []error // environment values that did not parse; reported by parse
}

// flags returns the flag set of command name, with the flags every command
// takes; it writes errors and help to stderr.
func (c *Config) flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("paperhound "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.LogLevel = slog.LevelInfo
	if v := os.Getenv("PAPERHOUND_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			c.badEnv = append(c.badEnv, fmt.Errorf("PAPERHOUND_LOG_LEVEL=%q: want debug, info, warn or error", v))
		}
	}
	fs.TextVar(&c.LogLevel, "log-level", c.LogLevel, "show log records from this `level` up: debug, info, warn or error (env PAPERHOUND_LOG_LEVEL)")
	c.LogFormat = "text"
	c.envVar(fs, &c.LogFormat, "log-format", "PAPERHOUND_LOG_FORMAT",
		"log records as `text` (key=value) or json, one object a line")
	return fs
}

// logFormat is how log records are written: "text" or "json".
type logFormat string

func (f *logFormat) String() string { return string(*f) }

func (f *logFormat) Set(s string) error {
	if s != "text" && s != "json" {
		return errors.New("want text or json")
	}
	*f = logFormat(s)
	return nil
}

// logger writes records to w in c's format, from c's level up.
func (c *Config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// parse reads args into c and returns the command's logger, which writes
// where fs writes its errors (stderr), in c.LogFormat from c.LogLevel up.
// Flags may come before, between or after the positional arguments, as in
// most commands ("users add alice --db ph.db"); every argument after "--"
// is positional. fs.Args() is then the positional arguments. Errors in
// flags have been explained by fs, and are errUsage; -h is flag.ErrHelp.
func (c *Config) parse(fs *flag.FlagSet, args []string) (*slog.Logger, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		// fs stops at the first positional argument, or after "--".
		if read := args[:len(args)-len(rest)]; len(read) > 0 && read[len(read)-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Sets fs.Args() to the positional arguments, and no flag.
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		return nil, err
	}
	if err := errors.Join(c.badEnv...); err != nil {
		return nil, err
	}
	return c.logger(fs.Output()), nil
}

// envVar registers v as the flag name, taking the value of the variable env
// first when it is set: both go through v.Set, so they are checked alike.
func (c *Config) envVar(fs *flag.FlagSet, v flag.Value, name, env, usage string) {
	if s := os.Getenv(env); s != "" {
		if err := v.Set(s); err != nil {
			c.badEnv = append(c.badEnv, fmt.Errorf("%s=%q: %w", env, s, err))
		}
	}
	fs.Var(v, name, usage+" (env "+env+")")
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
	c.Refresh = 10 * time.Second
	c.envVar(fs, durationFlag{&c.Refresh}, "refresh", "PAPERHOUND_REFRESH",
		"how often to pick up papers ingested by another process, a `duration` such as 10s or 1m; 0 turns it off")
	fs.BoolVar(&c.Demo, "demo", false, "load the built-in sample papers before serving")
	c.Drain = 5 * time.Second
	c.envVar(fs, durationFlag{&c.Drain}, "drain", "PAPERHOUND_DRAIN",
		"on SIGTERM or Ctrl-C, keep serving this `duration` with /readyz answering 503, so that load balancers stop sending first")
	c.envVar(fs, durationFlag{&c.SyncEvery}, "sync-every", "PAPERHOUND_SYNC_EVERY",
		"run paperhound sync in the background this often, a `duration` such as 6h; 0 never")
	c.DBMaxConns = schema.DefaultMaxConns
	c.envVar(fs, connsFlag{&c.DBMaxConns}, "db-max-conns", "PAPERHOUND_DB_MAX_CONNS",
		"most connections to a PostgreSQL database; requests beyond wait for one")
	fs.StringVar(&c.DebugAddr, "debug-addr", os.Getenv("PAPERHOUND_DEBUG_ADDR"),
		"serve Go's CPU, heap and goroutine profiles under /debug/pprof/ on this HOST:PORT, apart from the API; keep it private (env PAPERHOUND_DEBUG_ADDR)")
	fs.StringVar(&c.IndexSnapshot, "index-snapshot", envOr("PAPERHOUND_INDEX_SNAPSHOT", "auto"),
		"the embedded index's snapshot, written once it is loaded and read at the next start: a file `path`, "+
			"auto (the SQLite file's path + .index; none with PostgreSQL) or off (env PAPERHOUND_INDEX_SNAPSHOT)")
}

// snapshotPath is the embedded index's snapshot file, or "" for none.
func (c *Config) snapshotPath() string {
	switch {
	case c.IndexSnapshot == "off" || c.IndexSnapshot == "":
		return ""
	case c.IndexSnapshot != "auto":
		return c.IndexSnapshot
	case schema.IsPostgres(c.DB) || c.DB == ":memory:":
		return ""
	}
	return c.DB + ".index"
}

// syncFlags registers what sync fetches and how, which serve takes too.
func (c *Config) syncFlags(fs *flag.FlagSet) {
	h := &c.Sync
	h.Sources = slices.Clone(harvest.Sources)
	fs.Var(sourcesFlag{&h.Sources}, "sources", "the sources to sync, a comma-separated `list` of "+strings.Join(harvest.Sources, ","))
	fs.StringVar(&h.ArxivURL, "arxiv-url", envOr("PAPERHOUND_ARXIV_URL", "https://oaipmh.arxiv.org/oai"),
		"arXiv's OAI-PMH base URL (env PAPERHOUND_ARXIV_URL)")
	fs.StringVar(&h.HFURL, "hf-url", envOr("PAPERHOUND_HF_URL", "https://huggingface.co"),
		"Hugging Face's base URL, for /api/daily_papers (env PAPERHOUND_HF_URL)")
	fs.StringVar(&h.Set, "set", "cs", "the arXiv OAI-PMH `set` to harvest: cs, math, physics:hep-th, ...; \"\" for all of arXiv")
	fs.Var(listFlag{&h.Categories}, "categories", "keep only arXiv papers in one of these categories, a comma-separated `list` such as cs.CL,cs.LG")
	fs.Var(sinceFlag{&h.Since}, "since", "the first `day` (YYYY-MM-DD) to fetch when a source has not got further; "+
		"unset, arXiv harvests the whole set and Hugging Face starts today")
	h.Pause = 3 * time.Second
	fs.Var(durationFlag{&h.Pause}, "pause", "the least time between two requests to a source, a `duration`: arXiv asks for 3s")
}

// sourcesFlag is a comma-separated list of harvest.Sources.
type sourcesFlag struct{ p *[]string }

func (f sourcesFlag) String() string { return listFlag(f).String() }

func (f sourcesFlag) Set(s string) error {
	var sources []string
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(harvest.Sources, name) {
			return fmt.Errorf("unknown source %q: want %s", name, strings.Join(harvest.Sources, ","))
		}
		sources = append(sources, name)
	}
	*f.p = sources
	return nil
}

// listFlag is a comma-separated list; empty items are dropped.
type listFlag struct{ p *[]string }

func (f listFlag) String() string {
	if f.p == nil {
		return ""
	}
	return strings.Join(*f.p, ",")
}

func (f listFlag) Set(s string) error {
	*f.p = nil
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*f.p = append(*f.p, item)
		}
	}
	return nil
}

// sinceFlag is a day no later than today.
type sinceFlag struct{ p *paperhound.Date }

func (f sinceFlag) String() string {
	if f.p == nil {
		return ""
	}
	return f.p.String()
}

func (f sinceFlag) Set(s string) error {
	d, err := paperhound.ParseDate(s)
	switch {
	case err != nil:
		return err
	case d.After(time.Now()):
		return fmt.Errorf("%s is a day not yet come", s)
	}
	*f.p = d
	return nil
}

// connsFlag is a number of connections: 1 or more.
type connsFlag struct{ p *int }

func (f connsFlag) String() string {
	if f.p == nil {
		return ""
	}
	return strconv.Itoa(*f.p)
}

func (f connsFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return errors.New("want a whole number, 1 or more")
	}
	*f.p = n
	return nil
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
	c.EmbedQueryTimeout = 10 * time.Second
	c.envVar(fs, durationFlag{&c.EmbedQueryTimeout}, "embed-query-timeout", "PAPERHOUND_EMBED_QUERY_TIMEOUT",
		"how long a query waits for the endpoint to embed it, a `duration`; past it the lexical channels answer alone")
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
	switch {
	case c.EmbedURL == "" && c.EmbedModel != "":
		return errors.New("--embed-model (or PAPERHOUND_EMBED_MODEL) is set but --embed-url is not: give the endpoint's API root, e.g. http://localhost:11434/v1")
	case c.EmbedURL != "" && c.EmbedModel == "":
		return errors.New("--embed-url is set but --embed-model is not: name the embedding model, e.g. nomic-embed-text")
	case c.EmbedDims < 0, c.EmbedBatch < 1, c.EmbedConcurrency < 1, c.EmbedRPS < 0, c.EmbedTPM < 0, c.EmbedWeight <= 0, c.EmbedQueryTimeout <= 0:
		return errors.New("--embed-batch and --embed-concurrency must be 1 or more; --embed-dims, --embed-rps and --embed-tpm 0 or more; --embed-weight and --embed-query-timeout above 0")
	}
	return nil
}

// minAdminToken is the shortest admin token serve accepts: it opens
// everything, so it must not be guessable.
const minAdminToken = 16

func (c *Config) checkAdminToken() error {
	switch {
	case c.AdminToken != "" && strings.TrimSpace(c.AdminToken) == "":
		return errors.New("--admin-token (or PAPERHOUND_ADMIN_TOKEN) is only white space: give a real token, or leave it unset for no admin")
	case strings.TrimSpace(c.AdminToken) != c.AdminToken:
		// The API trims the token a request presents: this one could never match.
		return errors.New("--admin-token (or PAPERHOUND_ADMIN_TOKEN) starts or ends with white space (a newline from a file?): remove it")
	}
	if c.AdminToken != "" && len(c.AdminToken) < minAdminToken {
		return fmt.Errorf("--admin-token (or PAPERHOUND_ADMIN_TOKEN) is %d characters: use at least %d, e.g. from \"openssl rand -base64 32\"", len(c.AdminToken), minAdminToken)
	}
	return nil
}

// secretFlag is a string flag whose value "-h" never shows: its default
// may come from the environment (env names the variable).
type secretFlag struct {
	p   *string
	env string
}

func (f secretFlag) String() string {
	if f.p == nil || *f.p == "" {
		return ""
	}
	return "$" + f.env
}

func (f secretFlag) Set(s string) error {
	*f.p = s
	return nil
}

// durationFlag is a time.Duration flag that refuses negative durations.
type durationFlag struct{ p *time.Duration }

func (f durationFlag) String() string {
	if f.p == nil {
		return ""
	}
	return f.p.String()
}

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return errors.New("want a duration such as 10s or 1m")
	case d < 0:
		return errors.New("must be 0 or more")
	}
	*f.p = d
	return nil
}
