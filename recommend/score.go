package recommend

import (
	"slices"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
)

type weighted struct {
	v embed.Vector
	w float64
}

// sum adds weighted vectors of one space: sparse by term, dense by element.
func sum(parts []weighted) embed.Vector {
	if len(parts) > 0 && parts[0].v.Dense != nil {
		out := make([]float32, len(parts[0].v.Dense))
		for _, p := range parts {
			for i, x := range p.v.Dense {
				out[i] += float32(p.w) * x
			}
		}
		return embed.Vector{Dense: out}
	}
	acc := map[uint32]float32{}
	for _, p := range parts {
		for i, t := range p.v.Sparse.Indices {
			acc[t] += float32(p.w) * p.v.Sparse.Values[i]
		}
	}
	s := embed.Sparse{Indices: make([]uint32, 0, len(acc))}
	for t := range acc {
		s.Indices = append(s.Indices, t)
	}
	slices.Sort(s.Indices)
	s.Values = make([]float32, len(s.Indices))
	for i, t := range s.Indices {
		s.Values[i] = acc[t]
	}
	return embed.Vector{Sparse: s}
}

// addNormalised adds scores divided by their maximum, times weight.
func addNormalised(blend, scores map[string]float64, weight float64) {
	var top float64
	for _, s := range scores {
		top = max(top, s)
	}
	if top <= 0 {
		return
	}
	for id, s := range scores {
		blend[id] += weight * s / top
	}
}

func inDates(d paperhound.Date, f index.Filter) bool {
	if d.IsZero() {
		return false
	}
	return (f.After.IsZero() || !d.Before(f.After.Time)) && (f.Before.IsZero() || !d.After(f.Before.Time))
}

// cosine of two stored vectors, which the embedders normalise.
func cosine(a, b embed.Vector) float64 {
	if a.Dense != nil {
		var dot float64
		for i := range min(len(a.Dense), len(b.Dense)) {
			dot += float64(a.Dense[i]) * float64(b.Dense[i])
		}
		return dot
	}
	var dot float64
	i, j := 0, 0
	for i < len(a.Sparse.Indices) && j < len(b.Sparse.Indices) {
		switch x, y := a.Sparse.Indices[i], b.Sparse.Indices[j]; {
		case x == y:
			dot += float64(a.Sparse.Values[i]) * float64(b.Sparse.Values[j])
			i++
			j++
		case x < y:
			i++
		default:
			j++
		}
	}
	return dot
}
