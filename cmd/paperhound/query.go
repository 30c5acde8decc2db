package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/recommend"
)

// queryCmd answers "similar ID" and "search TEXT" from the command line,
// through the same engine the server uses.
func queryCmd(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	var limit int
	var after, before string
	fs := cfg.flags(cmd, stderr)
	cfg.storeFlags(fs)
	cfg.backendFlags(fs)
	fs.IntVar(&limit, "limit", 10, "how many papers, 1 to 100")
	fs.StringVar(&after, "after", "", "only papers published on or after this day, YYYY-MM-DD")
	fs.StringVar(&before, "before", "", "only papers published on or before this day, YYYY-MM-DD")
	log, err := cfg.parse(fs, args)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "paperhound %s: give a %s\n", cmd, map[string]string{"similar": "paper id", "search": "query text"}[cmd])
		return errUsage
	}
	if limit < 1 || limit > 100 {
		return fmt.Errorf("--limit must be from 1 to 100, got %d", limit)
	}
	opts := recommend.Options{Limit: limit}
	if opts.Filter.After, err = paperhound.ParseDate(after); err != nil {
		return fmt.Errorf("--after: %w", err)
	}
	if opts.Filter.Before, err = paperhound.ParseDate(before); err != nil {
		return fmt.Errorf("--before: %w", err)
	}
	b, err := openBackend(ctx, cfg, roleQuery, log)
	if err != nil {
		return err
	}
	defer b.Close()
	engine := b.engine
	var results []recommend.Result
	if cmd == "similar" {
		results, err = engine.Similar(ctx, fs.Arg(0), opts)
	} else {
		results, err = engine.Search(ctx, strings.Join(fs.Args(), " "), opts)
	}
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCORE\tID\tPUBLISHED\tTITLE")
	for _, r := range results {
		fmt.Fprintf(tw, "%.3f\t%s\t%s\t%s\n", r.Score, r.Paper.ID, r.Paper.Published, r.Paper.Title)
	}
	return tw.Flush()
}
