package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/paperhound/paperhound/evaluate"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
)

func evalCmd(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] != "similar" {
		fmt.Fprintln(stderr, "usage: paperhound eval similar --data DIR")
		return errUsage
	}
	var data string
	var k int
	fs := flags("eval similar", stderr)
	fs.StringVar(&data, "data", "../shared/data/citeulike-a", "the citeulike-a data set folder")
	fs.IntVar(&k, "k", 10, "cut-off of recall@k and nDCG@k")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	d, err := evaluate.LoadCiteULike(data)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "similar papers: citation neighbours as relevant, every other paper ranked (k=%d)\n", k)
	fmt.Fprintf(stdout, "%-16s %7s %9s %9s   %-17s %-17s\n", "set", "queries", "recall", "nDCG", "even half R / N", "odd half R / N")
	for _, p := range d.SimilarProtocols() {
		s, err := evalSimilar(ctx, p, k, log)
		if err != nil {
			return fmt.Errorf("eval %s: %w", p.Name, err)
		}
		fmt.Fprintf(stdout, "%-16s %7d %9.3f %9.3f   %.3f / %.3f     %.3f / %.3f\n", p.Name, s.All.Queries,
			s.All.Recall(), s.All.NDCG(), s.Even.Recall(), s.Even.NDCG(), s.Odd.Recall(), s.Odd.NDCG())
	}
	return nil
}

// evalSimilar loads the protocol's papers through the real ingest path into
// a throwaway SQLite store, then asks the engine for each query paper.
func evalSimilar(ctx context.Context, p evaluate.Protocol, k int, log *slog.Logger) (evaluate.Split, error) {
	dir, err := os.MkdirTemp("", "paperhound-eval-")
	if err != nil {
		return evaluate.Split{}, err
	}
	defer os.RemoveAll(dir)
	store, err := schema.Open(ctx, filepath.Join(dir, "eval.db"))
	if err != nil {
		return evaluate.Split{}, err
	}
	defer store.Close()
	engine := recommend.New(store, recommend.NewMemory(), recommend.LexicalChannels(), log)
	start := time.Now()
	for i := 0; i < len(p.Papers); i += ingestBatch {
		if _, err := engine.Ingest(ctx, p.Papers[i:min(i+ingestBatch, len(p.Papers))]); err != nil {
			return evaluate.Split{}, err
		}
	}
	log.Info("eval papers ingested", "set", p.Name, "papers", len(p.Papers), "took", time.Since(start).Round(time.Millisecond))
	rank := func(ctx context.Context, id string, k int) ([]string, error) {
		results, err := engine.Similar(ctx, id, recommend.Options{Limit: k})
		ids := make([]string, len(results))
		for i, r := range results {
			ids[i] = r.Paper.ID
		}
		return ids, err
	}
	return evaluate.RunSimilar(ctx, p, rank, k, runtime.GOMAXPROCS(0))
}
