package recommend

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/paperhound/paperhound/embed"
)

// Reason is an upvoted paper a recommendation is close to.
type Reason struct {
	ID, Title  string
	Similarity float64
}

// explain attaches to each result of a feed page the upvoted papers
// closest to it by the first channel's vectors (cosine of normalised
// vectors): upVecs are the upvoted papers' vectors there.
func (e *Engine) explain(ctx context.Context, page []Result, ups []string, upVecs map[string]embed.Vector) ([]Recommendation, error) {
	out := make([]Recommendation, len(page))
	ids := make([]string, len(page))
	for i, r := range page {
		out[i] = Recommendation{Result: r}
		ids[i] = r.Paper.ID
	}
	vecs, err := e.vectors(ctx, e.channels[0], ids)
	if err != nil {
		return nil, fmt.Errorf("explain feed: %w", err)
	}
	titles, err := e.store.Papers(ctx, ups)
	if err != nil {
		return nil, fmt.Errorf("load upvoted papers: %w", err)
	}
	for i := range out {
		v, ok := vecs[out[i].Paper.ID]
		if !ok {
			continue
		}
		var reasons []Reason
		for _, up := range ups {
			u, ok := upVecs[up]
			if !ok {
				continue
			}
			if s := cosine(v, u); s > 0 {
				reasons = append(reasons, Reason{ID: up, Title: titles[up].Title, Similarity: s})
			}
		}
		slices.SortFunc(reasons, func(a, b Reason) int {
			if a.Similarity != b.Similarity {
				if a.Similarity > b.Similarity {
					return -1
				}
				return 1
			}
			return strings.Compare(a.ID, b.ID)
		})
		out[i].Because = reasons[:min(len(reasons), 3)]
	}
	return out, nil
}
