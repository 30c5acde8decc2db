package embed_test

import (
	"bytes"
	"math"
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
			v:    embed.Vector{Sparse: embed.Sparse{Indices: []uint32{1, 0x01020304}, Values: []float32{1, -2}}},
			want: []byte{'s', 1, 0, 0, 0, 0, 0, 0x80, 0x3f, 4, 3, 2, 1, 0, 0, 0, 0xc0},
		},
		{
			name: "dense",
			v:    embed.Vector{Dense: []float32{1, 0.5}},
			want: []byte{'d', 0, 0, 0x80, 0x3f, 0, 0, 0, 0x3f},
		},
		{name: "empty", v: embed.Vector{}, want: []byte{'s'}},
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

func TestVectorMarshalMismatch(t *testing.T) {
	t.Parallel()
	v := embed.Vector{Sparse: embed.Sparse{Indices: []uint32{1, 2}, Values: []float32{1}}}
	if b, err := v.MarshalBinary(); err == nil {
		t.Errorf("MarshalBinary of 2 indices and 1 value = % x, want an error", b)
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
