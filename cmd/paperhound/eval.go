package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
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
	var data, split, seeds, variants string
	var validation, users int
	var baselines, randomTimes bool
	fs := cfg.flags("eval recommend", stderr)
	fs.StringVar(&data, "data", "../shared/data/citeulike-a", "the citeulike-a data set folder")
	fs.StringVar(&split, "split", "10", "the standard split: 10 (ten train items per user) or 1")
	fs.StringVar(&seeds, "random-split", "", "instead of a standard split, hold out a fifth of each library of 5+ items at random, train votes untimed: one split per `seed` (3, 1-5 or 1,2,7), with the mean and spread over them")
	fs.BoolVar(&randomTimes, "random-times", false, "with --random-split, stamp each train vote at a random moment instead of none: votes in an order that says nothing of what users want next, which the feed's recency tuning must see")
	fs.IntVar(&validation, "validation", 0, "tune instead: score on a carve of the train votes (never the test set): with --split, each user keeps their N oldest train items of split 10; with --random-split, any N > 0 holds out a fifth of each user's train votes at random")
	fs.IntVar(&users, "users", 0, "score a random sample of this many users with held-out items (0: all); every user's train votes still count")
	fs.BoolVar(&baselines, "baselines", true, "also score the popularity and centroid-of-upvotes baselines")
	fs.StringVar(&variants, "weights", "", "also score feeds with other weights, `k=v,...;k=v,...` (keys content, collaborative, hidden, halflife, recency, neighbours, damping, pool, terms, searchterms, docfreq, and popularity for the FeedOptions weight; each variant starts from the defaults)")
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
	if users < 0 {
		return fmt.Errorf("--users must be 0 (all) or more, got %d", users)
	}
	if randomTimes && seeds == "" {
		return errors.New("--random-times needs --random-split")
	}
	var seedList []uint64
	if seeds != "" {
		if seedList, err = parseSeeds(seeds); err != nil {
			return fmt.Errorf("--random-split: %w", err)
		}
	}
	tried, err := parseFeedVariants(variants)
	if err != nil {
		return fmt.Errorf("--weights: %w", err)
	}
	d, err := evaluate.LoadCiteULike(data)
	if err != nil {
		return err
	}
	var splits []evaluate.Split
	switch {
	case len(seedList) > 0:
		for _, seed := range seedList {
			s := evaluate.RandomSplit(d.Libraries, seed)
			if validation > 0 {
				s = s.RandomValidation(seed)
			}
			if randomTimes {
				s.Name += ", random vote times"
				s.Times = evaluate.RandomTimes
			}
			splits = append(splits, s)
		}
	case validation > 0:
		s, err := evaluate.LoadSplit(data, "10", len(d.Titles))
		if err != nil {
			return err
		}
		splits = append(splits, s.Validation(validation))
	default:
		s, err := evaluate.LoadSplit(data, split, len(d.Titles))
		if err != nil {
			return err
		}
		splits = append(splits, s)
	}
	centroid := recommend.DefaultFeedWeights
	centroid.Content, centroid.Collaborative, centroid.TunedRecency = 1, 0, false
	var methods []feedMethod
	if baselines {
		methods = append(methods, feedMethod{name: "popularity"}, feedMethod{name: "centroid of upvotes", weights: centroid, popularity: new(0.0)})
	}
	methods = append(methods, feedMethod{name: "paperhound", weights: recommend.DefaultFeedWeights})
	methods = append(methods, tried...)
	scores := make([][]evaluate.FeedScores, len(methods))
	for i, s := range splits {
		if users > 0 {
			s = s.Sample(users, 1)
		}
		last := i == len(splits)-1
		got, err := evalFeeds(ctx, d, s, methods, last, log, stdout)
		if err != nil {
			return err
		}
		for m := range methods {
			scores[m] = append(scores[m], got[m])
		}
	}
	if len(splits) > 1 {
		fmt.Fprintf(stdout, "mean ± standard deviation over %d splits\n", len(splits))
		fmt.Fprintf(stdout, "%-22s %6s %13s %13s %13s %13s\n", "method", "users", "R@50", "R@100", "R@300", "nDCG@10")
		for m, method := range methods {
			s := scores[m]
			stat := func(f func(evaluate.FeedScores) float64) string {
				mean, sd := meanSD(s, f)
				return fmt.Sprintf("%.3f ± %.3f", mean, sd)
			}
			fmt.Fprintf(stdout, "%-22s %6d %13s %13s %13s %13s\n", method.name, s[0].Users,
				stat(func(x evaluate.FeedScores) float64 { return x.R50 }), stat(func(x evaluate.FeedScores) float64 { return x.R100 }),
				stat(func(x evaluate.FeedScores) float64 { return x.R300 }), stat(func(x evaluate.FeedScores) float64 { return x.NDCG10 }))
		}
	}
	return nil
}

// feedMethod is one row of the feed evaluation: the popularity baseline
// when weights are zero, else the engine's feed with these weights.
type feedMethod struct {
	name       string
	weights    recommend.FeedWeights
	popularity *float64 // nil: the engine's default
}

// evalFeeds loads the papers and the split's train votes into a fresh
// engine and scores each method on it; with latency, it then times a feed
// page.
func evalFeeds(ctx context.Context, d *evaluate.CiteULike, s evaluate.Split, methods []feedMethod, latency bool, log *slog.Logger, stdout io.Writer) ([]evaluate.FeedScores, error) {
	papers := make([]paperhound.Paper, len(d.Titles))
	for i := range papers {
		papers[i] = d.Paper(i, true)
	}
	engine, cleanup, err := evalEngine(ctx, papers, s.Votes(), log)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	// As serve does once it has loaded the votes.
	start := time.Now()
	tuning, err := engine.TuneFeed(ctx, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "feed tuned on the train votes (%s): %s\n", time.Since(start).Round(time.Second), tuning)
	fmt.Fprintf(stdout, "personal feeds, %s: held-out votes as relevant, every paper not in the user's train votes ranked\n", s.Name)
	fmt.Fprintf(stdout, "%-22s %6s %7s %7s %7s %8s\n", "method", "users", "R@50", "R@100", "R@300", "nDCG@10")
	out := make([]evaluate.FeedScores, len(methods))
	for i, m := range methods {
		rank := s.Popularity()
		if m.weights != (recommend.FeedWeights{}) {
			rank = func(ctx context.Context, u int, k int) ([]string, error) {
				recs, err := engine.FeedWith(ctx, evaluate.UserName(u), recommend.FeedOptions{Limit: k, Popularity: m.popularity}, m.weights)
				ids := make([]string, len(recs))
				for i, r := range recs {
					ids[i] = r.Paper.ID
				}
				return ids, err
			}
		}
		start := time.Now()
		sc, err := evaluate.RunFeeds(ctx, s, rank, runtime.GOMAXPROCS(0))
		if err != nil {
			return nil, fmt.Errorf("eval %s: %w", m.name, err)
		}
		// nDCG@10 to four places: the bars sit at the third.
		fmt.Fprintf(stdout, "%-22s %6d %7.3f %7.3f %7.3f %8.4f   (%s)\n", m.name, sc.Users, sc.R50, sc.R100, sc.R300, sc.NDCG10, time.Since(start).Round(time.Second))
		out[i] = sc
	}
	if latency {
		return out, feedLatency(ctx, engine, d, stdout)
	}
	return out, nil
}

func meanSD(s []evaluate.FeedScores, f func(evaluate.FeedScores) float64) (mean, sd float64) {
	for _, x := range s {
		mean += f(x)
	}
	mean /= float64(len(s))
	for _, x := range s {
		sd += (f(x) - mean) * (f(x) - mean)
	}
	if len(s) > 1 {
		sd = math.Sqrt(sd / float64(len(s)-1))
	}
	return mean, sd
}

// parseSeeds reads "3", "1-5" or "1,2,7" (and mixes: "1-3,9").
func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 64)
		b := a
		if err == nil && isRange {
			b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 64)
		}
		if err != nil || b < a || b-a >= 1000 {
			return nil, fmt.Errorf("want seeds such as 3, 1-5 or 1,2,7, got %q", part)
		}
		for seed := a; seed <= b; seed++ {
			out = append(out, seed)
		}
	}
	return out, nil
}

// parseFeedVariants reads --weights: variants separated by ";", each a
// list of key=value over the default feed weights.
func parseFeedVariants(s string) ([]feedMethod, error) {
	var out []feedMethod
	for variant := range strings.SplitSeq(s, ";") {
		variant = strings.TrimSpace(variant)
		if variant == "" {
			continue
		}
		w := recommend.DefaultFeedWeights
		var popularity *float64
		for kv := range strings.SplitSeq(variant, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
			var err error
			switch k {
			case "content":
				w.Content, err = strconv.ParseFloat(v, 64)
			case "collaborative":
				w.Collaborative, err = strconv.ParseFloat(v, 64)
			case "hidden":
				w.Hidden, err = strconv.ParseFloat(v, 64)
			case "halflife":
				w.Recency.HalfLife, err = time.ParseDuration(v)
				w.TunedRecency = false
			case "recency":
				w.Recency.Upvotes, err = strconv.ParseFloat(v, 64)
				w.TunedRecency = false
			case "neighbours":
				w.Neighbours, err = strconv.Atoi(v)
			case "damping":
				w.Damping, err = strconv.ParseFloat(v, 64)
			case "popularity":
				var p float64
				p, err = strconv.ParseFloat(v, 64)
				popularity = &p
			case "pool":
				w.Pool, err = strconv.Atoi(v)
			case "terms":
				w.Terms, err = strconv.Atoi(v)
			case "searchterms":
				w.SearchTerms, err = strconv.Atoi(v)
			case "docfreq":
				w.MaxDocFreq, err = strconv.ParseFloat(v, 64)
			default:
				return nil, fmt.Errorf("unknown key %q in %q", k, variant)
			}
			if err != nil {
				return nil, fmt.Errorf("%q: %w", kv, err)
			}
		}
		if w.Pool < 1 {
			return nil, fmt.Errorf("%q: pool must be 1 or more", variant)
		}
		out = append(out, feedMethod{name: variant, weights: w, popularity: popularity})
	}
	return out, nil
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
