package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/evaluate"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
)

const evalUsage = "usage: paperhound eval similar|recommend --data DIR (\"paperhound eval similar -h\" for the flags)"

func evalCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "similar":
		return evalSimilarCmd(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "recommend":
		return evalRecommendCmd(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && isHelp(args[0]):
		fmt.Fprintln(stdout, evalUsage)
		return nil
	}
	fmt.Fprintln(stderr, evalUsage)
	return errUsage
}

func evalSimilarCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	var data string
	var k int
	fs := cfg.flags("eval similar", stderr)
	fs.StringVar(&data, "data", "../shared/data/citeulike-a", "the citeulike-a data set folder")
	fs.IntVar(&k, "k", 10, "cut-off of recall@k and nDCG@k")
	log, err := cfg.parse(fs, args)
	if err != nil {
		return err
	}
	if k < 1 {
		return fmt.Errorf("--k must be 1 or more, got %d", k)
	}
	d, err := evaluate.LoadCiteULike(data)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "similar papers: citation neighbours as relevant, every other paper ranked (k=%d)\n", k)
	fmt.Fprintf(stdout, "%-24s %7s %9s %9s   %-17s %-17s\n", "set", "queries", "recall", "nDCG", "even half R / N", "odd half R / N")
	for _, p := range d.SimilarProtocols() {
		for _, withVotes := range []bool{false, true} {
			name, votes := p.Name, []paperhound.Vote(nil)
			if withVotes {
				name, votes = p.Name+" + votes", p.Votes
			}
			s, err := evalSimilar(ctx, p, votes, k, log)
			if err != nil {
				return fmt.Errorf("eval %s: %w", name, err)
			}
			fmt.Fprintf(stdout, "%-24s %7d %9.3f %9.3f   %.3f / %.3f     %.3f / %.3f\n", name, s.All.Queries,
				s.All.Recall(), s.All.NDCG(), s.Even.Recall(), s.Even.NDCG(), s.Odd.Recall(), s.Odd.NDCG())
		}
	}
	return nil
}

// evalEngine loads papers and votes through the real ingest path into a
// throwaway SQLite store and returns an engine over them.
func evalEngine(ctx context.Context, papers []paperhound.Paper, votes []paperhound.Vote, log *slog.Logger) (*recommend.Engine, func(), error) {
	dir, err := os.MkdirTemp("", "paperhound-eval-")
	if err != nil {
		return nil, nil, err
	}
	store, err := schema.Open(ctx, filepath.Join(dir, "eval.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	cleanup := func() { store.Close(); os.RemoveAll(dir) }
	engine := recommend.New(store, index.NewMemory(), recommend.LexicalChannels(), log)
	start := time.Now()
	if _, err := engine.Ingest(ctx, papers); err != nil {
		cleanup()
		return nil, nil, err
	}
	if _, unknown, err := engine.ImportVotes(ctx, votes); err != nil || len(unknown) > 0 {
		cleanup()
		return nil, nil, cmp.Or(err, fmt.Errorf("%d votes on papers the data set does not hold", len(unknown)))
	}
	if _, err := engine.Load(ctx); err != nil {
		cleanup()
		return nil, nil, err
	}
	log.Info("eval data loaded", "papers", len(papers), "votes", len(votes), "took", time.Since(start).Round(time.Millisecond))
	return engine, cleanup, nil
}

// evalSimilar asks the engine for each query paper of the protocol, with
// votes (the users' libraries) loaded or not.
func evalSimilar(ctx context.Context, p evaluate.Protocol, votes []paperhound.Vote, k int, log *slog.Logger) (evaluate.Halves, error) {
	engine, cleanup, err := evalEngine(ctx, p.Papers, votes, log)
	if err != nil {
		return evaluate.Halves{}, err
	}
	defer cleanup()
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

func evalRecommendCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	var data, split string
	var validation int
	fs := cfg.flags("eval recommend", stderr)
	fs.StringVar(&data, "data", "../shared/data/citeulike-a", "the citeulike-a data set folder")
	fs.StringVar(&split, "split", "10", "the standard split: 10 (ten train items per user) or 1")
	fs.IntVar(&validation, "validation", 0, "tune instead: score on a carve of split 10's train votes, each user keeping this many oldest items (never the test set)")
	log, err := cfg.parse(fs, args)
	if err != nil {
		return err
	}
	if split != "1" && split != "10" {
		return fmt.Errorf("--split must be 1 or 10, got %q", split)
	}
	if validation < 0 {
		return fmt.Errorf("--validation must be 0 (off) or more, got %d", validation)
	}
	d, err := evaluate.LoadCiteULike(data)
	if err != nil {
		return err
	}
	s, err := evaluate.LoadSplit(data, split, len(d.Titles))
	if err != nil {
		return err
	}
	if validation > 0 {
		if s, err = evaluate.LoadSplit(data, "10", len(d.Titles)); err != nil {
			return err
		}
		s = s.Validation(validation)
	}
	papers := make([]paperhound.Paper, len(d.Titles))
	for i := range papers {
		papers[i] = d.Paper(i, true)
	}
	engine, cleanup, err := evalEngine(ctx, papers, s.Votes(), log)
	if err != nil {
		return err
	}
	defer cleanup()
	feed := func(w recommend.FeedWeights, popularity *float64) evaluate.FeedRanker {
		return func(ctx context.Context, u int, k int) ([]string, error) {
			recs, err := engine.FeedWith(ctx, evaluate.UserName(u), recommend.FeedOptions{Limit: k, Popularity: popularity}, w)
			ids := make([]string, len(recs))
			for i, r := range recs {
				ids[i] = r.Paper.ID
			}
			return ids, err
		}
	}
	centroid := recommend.DefaultFeedWeights
	centroid.Content, centroid.Collaborative, centroid.HalfLife = 1, 0, 0
	methods := []struct {
		name string
		rank evaluate.FeedRanker
	}{
		{"popularity", s.Popularity()},
		{"centroid of upvotes", feed(centroid, new(0.0))},
		{"paperhound", feed(recommend.DefaultFeedWeights, nil)},
	}
	fmt.Fprintf(stdout, "personal feeds, %s: held-out votes as relevant, every paper not in the user's train votes ranked\n", s.Name)
	fmt.Fprintf(stdout, "%-22s %6s %7s %7s %7s %8s\n", "method", "users", "R@50", "R@100", "R@300", "nDCG@10")
	for _, m := range methods {
		start := time.Now()
		sc, err := evaluate.RunFeeds(ctx, s, m.rank, runtime.GOMAXPROCS(0))
		if err != nil {
			return fmt.Errorf("eval %s: %w", m.name, err)
		}
		fmt.Fprintf(stdout, "%-22s %6d %7.3f %7.3f %7.3f %8.3f   (%s)\n", m.name, sc.Users, sc.R50, sc.R100, sc.R300, sc.NDCG10, time.Since(start).Round(time.Second))
	}
	return feedLatency(ctx, engine, d, stdout)
}

// feedLatency times one feed page (50 papers) for a user with 100 upvotes,
// taken from the largest library of the data set.
func feedLatency(ctx context.Context, engine *recommend.Engine, d *evaluate.CiteULike, stdout io.Writer) error {
	const upvotes, requests = 100, 200
	lib := slices.MaxFunc(d.Libraries, func(a, b []int) int { return len(a) - len(b) })
	var votes []paperhound.Vote
	for _, item := range lib[:min(upvotes, len(lib))] {
		votes = append(votes, paperhound.Vote{User: "latency-probe", Paper: strconv.Itoa(item), Value: 1})
	}
	// The store creates the user; Vote then brings each vote into the
	// engine's vote graph.
	if _, err := engine.Store().SaveVotes(ctx, votes); err != nil {
		return fmt.Errorf("latency probe: %w", err)
	}
	for _, v := range votes {
		if err := engine.Vote(ctx, v.User, v.Paper, 1); err != nil {
			return fmt.Errorf("latency probe: %w", err)
		}
	}
	took := make([]time.Duration, requests)
	for i := range took {
		start := time.Now()
		if _, err := engine.Feed(ctx, "latency-probe", recommend.FeedOptions{Limit: 50}); err != nil {
			return fmt.Errorf("latency probe: %w", err)
		}
		took[i] = time.Since(start)
	}
	slices.Sort(took)
	fmt.Fprintf(stdout, "one feed page of 50 for a user with %d upvotes, %d papers: p50 %s, p99 %s (%d requests)\n",
		min(upvotes, len(lib)), len(d.Titles), took[requests/2].Round(time.Microsecond), took[requests*99/100].Round(time.Microsecond), requests)
	return nil
}
