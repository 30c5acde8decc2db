// Command paperhound is a recommendation engine for research papers: it
// ingests papers, embeds their abstracts, and serves similar papers and
// related-work search over HTTP.
//
// This package only wires: it reads flags and environment into a Config
// (config.go), opens the store, embedders and index that Config names
// (backend.go), and hands each command to the packages that do the work:
// ingest reads files, recommend ranks, api serves. serve runs an App
// (app.go), which tests drive directly.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

const usage = `paperhound: recommendations for research papers

Usage:
  paperhound serve   [--db DB] [--addr HOST:PORT] [--demo] [--sync-every 6h]
  paperhound ingest  [--db DB] FILE...            papers: JSON Lines, HF daily papers JSON, arXiv metadata
  paperhound ingest  [--db DB] --upvotes FILE...  votes: {"user","paper","at","vote"} lines
  paperhound sync    [--db DB] [--sources arxiv,hf] [--since DAY] [--set cs] [--categories cs.CL,...]  fetch new papers from arXiv and Hugging Face
  paperhound similar [--db DB] [--limit N] [--after DAY] [--before DAY] PAPER_ID
  paperhound search  [--db DB] [--limit N] [--after DAY] [--before DAY] TEXT
  paperhound reindex [--db DB] --qdrant-url URL [--recreate]  rebuild the Qdrant collection from the store
  paperhound users add [--db DB] NAME             create a user or give it a new API token; prints the token
  paperhound users feed-key [--db DB] NAME        a new key for the user's Atom feed; prints the key
  paperhound eval similar --data DIR              similar papers' quality on a data set with ground truth
  paperhound eval recommend --data DIR --split 10|1 [--validation N]  personal feeds' quality
  paperhound bench [--papers N] [--data DIR] [--db postgres://URL]  ingest, size, start-up, memory, CPU, latency at N papers
  paperhound version                              the version and source revision of this binary

DB is a SQLite file (default ./paperhound.db) or a postgres:// URL; env PAPERHOUND_DB.
similar, search and reindex only read it: they never create nor migrate it.
serve, ingest, sync, similar, search and reindex also take --embed-url and --embed-model (a dense
channel from an OpenAI-compatible endpoint) and --qdrant-url (the index in Qdrant).
Every command takes --log-level debug|info|warn|error (default info; env
PAPERHOUND_LOG_LEVEL) and --log-format text|json (default text; env
PAPERHOUND_LOG_FORMAT): logs go to stderr.
Flags may come before or after the other arguments; put -- before text that starts with "-".
Run "paperhound COMMAND -h" for a command's flags.
`

// errUsage marks errors already explained to the user; main exits 2.
var errUsage = errors.New("usage")

func main() {
	// The first signal cancels ctx (serve drains); a second stops at once,
	// serve's drain taking seconds. The default disposition comes back
	// before ctx is cancelled, so no second signal can land while the drain
	// already runs but the signal is still caught.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-sigs
		signal.Stop(sigs)
		cancel()
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "paperhound:", err)
		os.Exit(1)
	}
}

// run runs the command of args; each command logs to stderr at the level
// its Config says. Help that was asked for (-h, --help) is no error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := dispatch(ctx, args, stdout, stderr); !errors.Is(err, flag.ErrHelp) {
		return err
	}
	return nil
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "ingest":
		return ingestCmd(ctx, args, stdout, stderr)
	case "sync":
		return syncCmd(ctx, args, stdout, stderr)
	case "similar", "search":
		return queryCmd(ctx, cmd, args, stdout, stderr)
	case "reindex":
		return reindexCmd(ctx, args, stdout, stderr)
	case "users":
		return usersCmd(ctx, args, stdout, stderr)
	case "eval":
		return evalCmd(ctx, args, stdout, stderr)
	case "bench":
		return benchCmd(ctx, args, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "paperhound: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

// version is the module version and the VCS revision the binary was built
// from, as the go command recorded them: "(devel)" and no revision for a
// test binary or a build outside a checkout.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "paperhound: built without module support, version unknown"
	}
	v := "paperhound " + bi.Main.Version
	var rev, at, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", with uncommitted changes"
			}
		}
	}
	if rev != "" {
		v += fmt.Sprintf(" (revision %s of %s%s)", rev, at, modified)
	}
	return v + ", " + bi.GoVersion
}

// isHelp says whether arg asks a command with subcommands for its help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "help"
}
