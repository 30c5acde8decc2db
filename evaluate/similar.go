package evaluate

import (
	"context"
	"strconv"
	"sync"

	"github.com/paperhound/paperhound"
)

// Protocol is one similar-papers test: the papers to load, and for each
// query paper the ids that count as relevant (its citation neighbours).
type Protocol struct {
	Name     string
	Papers   []paperhound.Paper
	Relevant map[string]map[string]bool
	// Votes are the users' libraries as upvotes, on the protocol's papers:
	// the co-upvote channel's evidence.
	Votes []paperhound.Vote
}

// SimilarProtocols are the two tests of the reference table: the papers
// with abstracts (title and abstract, links inside the subset), and every
// paper by its title alone.
func (d *CiteULike) SimilarProtocols() []Protocol {
	abs := Protocol{Name: "abstract subset", Relevant: map[string]map[string]bool{}}
	titles := Protocol{Name: "titles", Relevant: map[string]map[string]bool{}}
	for i := range d.Titles {
		titles.Papers = append(titles.Papers, d.Paper(i, false))
		addLinks(titles.Relevant, i, d.Citations[i], func(int) bool { return true })
		if _, ok := d.Abstracts[i]; ok {
			abs.Papers = append(abs.Papers, d.Paper(i, true))
			addLinks(abs.Relevant, i, d.Citations[i], func(j int) bool { _, ok := d.Abstracts[j]; return ok })
		}
	}
	for u, items := range d.Libraries {
		for _, i := range items {
			v := paperhound.Vote{User: UserName(u), Paper: strconv.Itoa(i), Value: 1, At: voteTime(i)}
			titles.Votes = append(titles.Votes, v)
			if _, ok := d.Abstracts[i]; ok {
				abs.Votes = append(abs.Votes, v)
			}
		}
	}
	return []Protocol{abs, titles}
}

func addLinks(rel map[string]map[string]bool, i int, links []int, keep func(int) bool) {
	set := map[string]bool{}
	for _, j := range links {
		if keep(j) {
			set[strconv.Itoa(j)] = true
		}
	}
	if len(set) > 0 {
		rel[strconv.Itoa(i)] = set
	}
}

// Ranker returns the ids of the k papers most similar to the paper id.
type Ranker func(ctx context.Context, id string, k int) ([]string, error)

// Halves holds scores over all queries and over the two halves (even and
// odd ids): settings are chosen on one half and checked on the other.
type Halves struct {
	All, Even, Odd Scores
}

// RunSimilar ranks for every query of p, with workers in parallel.
func RunSimilar(ctx context.Context, p Protocol, rank Ranker, k, workers int) (Halves, error) {
	out := Halves{All: Scores{K: k}, Even: Scores{K: k}, Odd: Scores{K: k}}
	ids := make(chan string)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for id := range ids {
				ranked, err := rank(ctx, id, k)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				out.All.Add(ranked, p.Relevant[id])
				if n, _ := strconv.Atoi(id); n%2 == 0 {
					out.Even.Add(ranked, p.Relevant[id])
				} else {
					out.Odd.Add(ranked, p.Relevant[id])
				}
				mu.Unlock()
			}
		})
	}
	for id := range p.Relevant {
		if ctx.Err() != nil {
			break
		}
		ids <- id
	}
	close(ids)
	wg.Wait()
	if firstErr != nil {
		return out, firstErr
	}
	return out, ctx.Err()
}
