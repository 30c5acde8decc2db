package recommend

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Reason is an upvoted paper a recommendation is close to.
type Reason struct {
	ID, Title  string
	Similarity float64
}

// explain attaches to each result the upvoted papers closest to it by the
// first channel's vectors (cosine of stored, normalised vectors).
func (e *Engine) explain(ctx context.Context, page []Result, ups []string) ([]Recommendation, error) {
	out := make([]Recommendation, len(page))
	ids := make([]string, 0, len(page)+len(ups))
	for i, r := range page {
		out[i] = Recommendation{Result: r}
		ids = append(ids, r.Paper.ID)
	}
	ids = append(ids, ups...)
	vecs, err := e.paperVectors(ctx, ids)
	if err != nil {
		return nil, err
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
			u, ok := vecs[up]
			if !ok {
				continue
			}
			if s := cosine(v[0], u[0]); s > 0 {
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
