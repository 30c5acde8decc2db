package recommend

import (
	"context"
	"fmt"
	"slices"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
)

// vectorHolder is an index that keeps the vectors it searches and hands
// them back (index.Memory), so that queries read none from the store.
type vectorHolder interface {
	Vectors(space string, ids []string) map[string]embed.Vector
}

// vectors returns the vectors in c's space of the papers among ids that
// have one there: held by the index when it can hand them back, else
// embedded again from the papers' text for an offline channel (their
// vectors are not stored), or read from the store for a remote one
// (index.Qdrant; or a paper the index lacks, such as one whose remote
// vector is pending).
func (e *Engine) vectors(ctx context.Context, c Channel, ids []string) (map[string]embed.Vector, error) {
	space := c.Embedder.Space()
	out := map[string]embed.Vector{}
	missing := ids
	if h, ok := e.index.(vectorHolder); ok {
		out = h.Vectors(space, ids)
		missing = nil
		for _, id := range ids {
			if _, ok := out[id]; !ok {
				missing = append(missing, id)
			}
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	if !c.Remote {
		papers, err := e.store.Papers(ctx, missing)
		if err != nil {
			return nil, err
		}
		var found []paperhound.Paper
		for _, id := range missing {
			if p, ok := papers[id]; ok {
				found = append(found, p)
			}
		}
		vecs, err := embedTexts(ctx, c, found)
		if err != nil {
			return nil, err
		}
		for i, p := range found {
			out[p.ID] = vecs[i]
		}
		return out, nil
	}
	stored, err := e.store.PaperVectors(ctx, space, missing)
	if err != nil {
		return nil, err
	}
	for id, data := range stored {
		var v embed.Vector
		if err := v.UnmarshalBinary(data); err != nil {
			return nil, fmt.Errorf("stored %s vector of %q: %w", space, id, err)
		}
		out[id] = v
	}
	return out, nil
}

// paperVectors is vectors in every channel's space, by channel.
func (e *Engine) paperVectors(ctx context.Context, ids []string) ([]map[string]embed.Vector, error) {
	out := make([]map[string]embed.Vector, len(e.channels))
	for i, c := range e.channels {
		var err error
		if out[i], err = e.vectors(ctx, c, ids); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// centroidSummer is an index that sums the vectors it holds itself
// (index.Memory): a feed's centroid then needs none handed back, rebuilt
// from its words or read.
type centroidSummer interface {
	Centroid(space string, ids []string, weights []float64) (v embed.Vector, missing []string)
}

// centroid is the sum of the papers' vectors in c's space, each times its
// weight, added in the order of ids; a paper without one adds nothing.
// read, when not nil, holds the papers' vectors there already read, so
// that an index that does not sum them itself has none read twice.
func (e *Engine) centroid(ctx context.Context, c Channel, ids []string, weights []float64, read map[string]embed.Vector) (embed.Vector, error) {
	var parts []weighted
	added := ids // the papers added here, from their vectors
	if s, ok := e.index.(centroidSummer); ok {
		v, missing := s.Centroid(c.Embedder.Space(), ids, weights)
		if len(missing) == 0 {
			return v, nil
		}
		if v.Dense != nil || v.Sparse.Len() > 0 {
			parts = append(parts, weighted{v, 1})
		}
		added = missing
	}
	vecs := read
	if vecs == nil {
		var err error
		if vecs, err = e.vectors(ctx, c, added); err != nil {
			return embed.Vector{}, err
		}
	}
	for i, id := range ids {
		if v, ok := vecs[id]; ok && (len(added) == len(ids) || slices.Contains(added, id)) {
			parts = append(parts, weighted{v, weights[i]})
		}
	}
	return sum(parts), nil
}
