package embed_test

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paperhound/paperhound/embed"
)

// sameVector compares kind and contents; nil and empty slices are equal,
// since a decoded empty vector has empty, not nil, slices.
func sameVector(a, b embed.Vector) bool {
	return (a.Dense == nil) == (b.Dense == nil) &&
		slices.Equal(a.Dense, b.Dense) &&
		slices.Equal(a.Sparse.Indices, b.Sparse.Indices) &&
		slices.Equal(a.Sparse.Values, b.Sparse.Values)
}

func TestVectorRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    embed.Vector
	}{
		{"sparse", embed.Vector{Sparse: embed.Sparse{Indices: []uint32{0, 7, 1 << 31, math.MaxUint32}, Values: []float32{0.5, -1.25, 1e-30, 3}}}},
		{"dense", embed.Vector{Dense: []float32{0.1, -0.2, 0, float32(math.Inf(1)), 1e30}}},
		{"empty sparse", embed.Vector{}},
		{"256 distinct values, coded", manyValues(256)},
		{"257 distinct values, fixed width", manyValues(257)},
		{"empty dense stays dense", embed.Vector{Dense: []float32{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.v.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var got embed.Vector
			if err := got.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			if !sameVector(got, tt.v) {
				t.Errorf("round trip of %+v gave %+v", tt.v, got)
			}
		})
	}
}

// The stored bytes outlive the code: pin the layout so a change to it is
// a deliberate one.
func TestVectorEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    embed.Vector
		want []byte
	}{
		{
			name: "sparse",
			v:    embed.Vector{Sparse: embed.Sparse{Indices: []uint32{1, 0x01020304, 0x01020305}, Values: []float32{1, -2, 1}}},
			// 3 entries, 2 distinct values (1, -2), then gap/code pairs:
			// 1→#0, 0x01020303 (uvarint 83 86 88 08)→#1, 1→#0.
			want: []byte{'c', 3, 2, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 1, 0, 0x83, 0x86, 0x88, 0x08, 1, 1, 0},
		},
		{
			name: "sparse of more distinct values than a byte names",
			v:    manyValues(257),
			want: fixedWidth(manyValues(257).Sparse),
		},
		{
			name: "dense",
			v:    embed.Vector{Dense: []float32{1, 0.5}},
			want: []byte{'d', 0, 0, 0x80, 0x3f, 0, 0, 0, 0x3f},
		},
		{name: "empty", v: embed.Vector{}, want: []byte{'c', 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.v.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("MarshalBinary = % x, want % x", got, tt.want)
			}
		})
	}
}

// manyValues is a sparse vector of n entries, each of its own value.
func manyValues(n int) embed.Vector {
	var s embed.Sparse
	for i := range n {
		s.Indices = append(s.Indices, uint32(3*i+1))
		s.Values = append(s.Values, float32(i)/7)
	}
	return embed.Vector{Sparse: s}
}

// Databases written before the coded layout keep their vectors.
func TestVectorDecodesFixedWidth(t *testing.T) {
	t.Parallel()
	for _, v := range []embed.Vector{
		{Sparse: embed.Sparse{Indices: []uint32{1, 0x01020304}, Values: []float32{1, -2}}},
		manyValues(300),
		{},
	} {
		var got embed.Vector
		if err := got.UnmarshalBinary(fixedWidth(v.Sparse)); err != nil {
			t.Fatal(err)
		}
		if !sameVector(got, v) {
			t.Errorf("decoding the fixed-width layout of %+v gave %+v", v, got)
		}
	}
}

func TestVectorMarshalErrors(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]embed.Vector{
		"2 indices, 1 value":    {Sparse: embed.Sparse{Indices: []uint32{1, 2}, Values: []float32{1}}},
		"indices not ascending": {Sparse: embed.Sparse{Indices: []uint32{2, 1}, Values: []float32{1, 1}}},
		"index repeated":        {Sparse: embed.Sparse{Indices: []uint32{2, 2}, Values: []float32{1, 1}}},
	} {
		if b, err := v.MarshalBinary(); err == nil {
			t.Errorf("%s: MarshalBinary = % x, want an error", name, b)
		}
	}
}

func TestVectorDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
		want string // in the error
	}{
		{"nil", nil, "empty"},
		{"empty", []byte{}, "empty"},
		{"sparse cut short", []byte{'s', 1, 0, 0, 0, 0, 0, 0x80}, "multiple of 8"},
		{"sparse index without value", []byte{'s', 1, 0, 0, 0}, "multiple of 8"},
		{"dense cut short", []byte{'d', 0, 0, 0x80}, "multiple of 4"},
		{"coded without counts", []byte{'c'}, "bad entry count"},
		{"coded count past the end", []byte{'c', 9, 1, 0, 0, 0x80, 0x3f, 1, 0}, "bad entry count"},
		{"coded values cut short", []byte{'c', 1, 2, 0, 0, 0x80, 0x3f, 1, 0}, "bad value count"},
		{"coded entry cut short", []byte{'c', 2, 1, 0, 0, 0x80, 0x3f, 1, 0, 1}, "cut short at entry 1"},
		{"coded code out of range", []byte{'c', 1, 1, 0, 0, 0x80, 0x3f, 1, 1}, "value 1 of 1"},
		{"coded index repeated", []byte{'c', 2, 1, 0, 0, 0x80, 0x3f, 1, 0, 0, 0}, "bad index at entry 1"},
		{"coded index past 32 bits", []byte{'c', 1, 1, 0, 0, 0x80, 0x3f, 0x80, 0x80, 0x80, 0x80, 0x10, 0}, "bad index at entry 0"},
		{"coded bytes left over", []byte{'c', 1, 1, 0, 0, 0x80, 0x3f, 1, 0, 7}, "1 bytes after"},
		{"unknown tag", []byte{'x', 0, 0, 0, 0}, "unknown kind"},
		{"json is not a vector", []byte(`[1,2]`), "unknown kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := embed.Vector{Dense: []float32{42}}
			err := v.UnmarshalBinary(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("UnmarshalBinary(% x) = %v, want an error about %q", tt.in, err, tt.want)
			}
			// A failed decode must not leave half a vector behind.
			if !sameVector(v, embed.Vector{Dense: []float32{42}}) {
				t.Errorf("failed decode changed the vector to %+v", v)
			}
		})
	}
}

// Largest keeps the k largest values, ties to the lower index, indices
// ascending.
func TestLargest(t *testing.T) {
	v := embed.Sparse{Indices: []uint32{2, 5, 9, 11, 40}, Values: []float32{0.1, 0.5, 0.3, 0.5, -1}}
	tests := []struct {
		k    int
		want embed.Sparse
	}{
		{1, embed.Sparse{Indices: []uint32{5}, Values: []float32{0.5}}},          // a tie: the lower index
		{2, embed.Sparse{Indices: []uint32{5, 11}, Values: []float32{0.5, 0.5}}}, // indices ascending
		{3, embed.Sparse{Indices: []uint32{5, 9, 11}, Values: []float32{0.5, 0.3, 0.5}}},
		{5, v},
		{9, v},
		{4, embed.Sparse{Indices: []uint32{2, 5, 9, 11}, Values: []float32{0.1, 0.5, 0.3, 0.5}}},
	}
	// Three equal to the k-th, of which the first two stay.
	ties := embed.Sparse{Indices: []uint32{1, 2, 3, 4, 7}, Values: []float32{0.5, 0.9, 0.5, 0.5, 0.1}}
	if got := ties.Largest(3); !slices.Equal(got.Indices, []uint32{1, 2, 3}) {
		t.Errorf("Largest(3) of %v = %v, want indices 1 2 3", ties, got)
	}
	for _, tt := range tests {
		got := v.Largest(tt.k)
		if !slices.Equal(got.Indices, tt.want.Indices) || !slices.Equal(got.Values, tt.want.Values) {
			t.Errorf("Largest(%d) = %v, want %v", tt.k, got, tt.want)
		}
	}
	if got := v.Largest(0); got.Len() != 0 {
		t.Errorf("Largest(0) = %v, want none", got)
	}
}

// Largest agrees with sorting the entries by value, ties by index, on
// random vectors: few distinct values (runs of ties) or many, any k.
func TestLargestRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for round := range 2000 {
		var v embed.Sparse
		distinct := 1 + r.IntN(3)*r.IntN(40)
		for i := range r.IntN(300) {
			v.Indices = append(v.Indices, uint32(3*i+r.IntN(3)))
			v.Values = append(v.Values, float32(r.IntN(distinct))-float32(distinct)/3)
		}
		k := 1 + r.IntN(v.Len()+2)
		order := make([]int, v.Len())
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(v.Values[b], v.Values[a]) })
		order = order[:min(k, len(order))]
		slices.Sort(order)
		var want embed.Sparse
		for _, i := range order {
			want.Indices = append(want.Indices, v.Indices[i])
			want.Values = append(want.Values, v.Values[i])
		}
		if got := v.Largest(k); !slices.Equal(got.Indices, want.Indices) || !slices.Equal(got.Values, want.Values) {
			t.Fatalf("round %d: Largest(%d) of %v = %v, want %v", round, k, v, got, want)
		}
	}
}
