package recommend

import (
	"context"
	"fmt"

	"github.com/paperhound/paperhound/embed"
)

// paperVectors returns the stored vectors of papers, one per channel.
func (e *Engine) paperVectors(ctx context.Context, ids []string) (map[string][]embed.Vector, error) {
	papers, err := e.store.Papers(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load voted papers: %w", err)
	}
	hashes := make([]string, 0, len(papers))
	for _, p := range papers {
		hashes = append(hashes, p.TextHash())
	}
	out := make(map[string][]embed.Vector, len(papers))
	for ci, c := range e.channels {
		stored, err := e.store.Vectors(ctx, c.Embedder.Space(), hashes)
		if err != nil {
			return nil, err
		}
		for id, p := range papers {
			data, ok := stored[p.TextHash()]
			if !ok {
				continue
			}
			if out[id] == nil {
				out[id] = make([]embed.Vector, len(e.channels))
			}
			if err := out[id][ci].UnmarshalBinary(data); err != nil {
				return nil, fmt.Errorf("stored %s vector of %q: %w", c.Embedder.Space(), id, err)
			}
		}
	}
	return out, nil
}
