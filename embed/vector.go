// Package embed turns paper text into vectors. It is a leaf: of the project
// it knows only the domain's error kinds, nothing of stores or indexes. The
// lexical embedders need no network and no model weights; Endpoint calls
// any OpenAI-compatible embeddings server.
package embed

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Vector is one embedding: sparse (term id -> weight, indices ascending) or
// dense. Exactly one of the two is set.
type Vector struct {
	Sparse Sparse
	Dense  []float32
}

// Sparse is a sparse vector with strictly ascending indices.
type Sparse struct {
	Indices []uint32
	Values  []float32
}

// Len is the number of non-zero entries.
func (s Sparse) Len() int { return len(s.Indices) }

// Encoding tags, so stored bytes say which kind of vector they hold.
const (
	tagSparse byte = 's'
	tagDense  byte = 'd'
)

// MarshalBinary encodes v compactly for the store: a tag byte, then
// little-endian uint32 index / float32 value pairs, or float32 values.
func (v Vector) MarshalBinary() ([]byte, error) {
	if v.Dense != nil {
		b := make([]byte, 1+4*len(v.Dense))
		b[0] = tagDense
		for i, x := range v.Dense {
			binary.LittleEndian.PutUint32(b[1+4*i:], math.Float32bits(x))
		}
		return b, nil
	}
	if len(v.Sparse.Indices) != len(v.Sparse.Values) {
		return nil, fmt.Errorf("sparse vector has %d indices but %d values", len(v.Sparse.Indices), len(v.Sparse.Values))
	}
	b := make([]byte, 1+8*len(v.Sparse.Indices))
	b[0] = tagSparse
	for i, idx := range v.Sparse.Indices {
		binary.LittleEndian.PutUint32(b[1+8*i:], idx)
		binary.LittleEndian.PutUint32(b[5+8*i:], math.Float32bits(v.Sparse.Values[i]))
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (v *Vector) UnmarshalBinary(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("decode vector: empty")
	}
	body := b[1:]
	switch b[0] {
	case tagDense:
		if len(body)%4 != 0 {
			return fmt.Errorf("decode dense vector: %d bytes is not a multiple of 4", len(body))
		}
		d := make([]float32, len(body)/4)
		for i := range d {
			d[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
		}
		*v = Vector{Dense: d}
	case tagSparse:
		if len(body)%8 != 0 {
			return fmt.Errorf("decode sparse vector: %d bytes is not a multiple of 8", len(body))
		}
		n := len(body) / 8
		s := Sparse{Indices: make([]uint32, n), Values: make([]float32, n)}
		for i := range n {
			s.Indices[i] = binary.LittleEndian.Uint32(body[8*i:])
			s.Values[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[8*i+4:]))
		}
		*v = Vector{Sparse: s}
	default:
		return fmt.Errorf("decode vector: unknown kind %q", b[0])
	}
	return nil
}

// Normalized returns v scaled to unit length (all zeros stays zeros), so
// that a dot product is a cosine.
func Normalized(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if sum == 0 {
		return out
	}
	inv := float32(1 / math.Sqrt(sum))
	for i, x := range v {
		out[i] = x * inv
	}
	return out
}
