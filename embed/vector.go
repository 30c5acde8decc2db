// Package embed turns paper text into vectors. It is a leaf: of the project
// it knows only the domain's error kinds, nothing of stores or indexes. The
// lexical embedders need no network and no model weights; Endpoint calls
// any OpenAI-compatible embeddings server.
package embed

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// Vector is one embedding: sparse (term id -> weight, indices ascending) or
// dense. Exactly one of the two is set; Tokens may come with a sparse one.
type Vector struct {
	Sparse Sparse
	Dense  []float32
	// Tokens, set by Chars, are the tokens Sparse was made of, in text
	// order: an index may keep them instead of the vector, a tenth of its
	// size (a paper's ~100 tokens against ~1,400 grams), and rebuild it with
	// CharGrams and Sublinear.
	Tokens []string
	// Scale, set by the lexical embedders, is what Sublinear returned for
	// Sparse: each value is TFWeight(tf) * Scale, so an index may keep a
	// term's tf and the vector's scale instead of its value.
	Scale float32
}

// Sparse is a sparse vector with strictly ascending indices.
type Sparse struct {
	Indices []uint32
	Values  []float32
}

// Len is the number of non-zero entries.
func (s Sparse) Len() int { return len(s.Indices) }

// Largest keeps s's k largest values, ties to the lower index; indices
// stay ascending. A vector of k or fewer entries is returned as it is.
// It selects the k-th largest of a copy of the values, not sorting them:
// a hundred upvotes' centroid holds tens of thousands of grams, and
// sorting them was a tenth of a feed page at a million papers.
func (s Sparse) Largest(k int) Sparse {
	if s.Len() <= k {
		return s
	}
	if k <= 0 {
		return Sparse{}
	}
	values := slices.Clone(s.Values)
	kth := selectKth(values, len(values)-k)
	// Entries above the k-th all stay (all are among the last k); of
	// those equal to it, the first.
	ties := k
	for _, v := range values[len(values)-k:] {
		if v > kth {
			ties--
		}
	}
	out := Sparse{Indices: make([]uint32, 0, k), Values: make([]float32, 0, k)}
	for i, v := range s.Values {
		if v > kth || v == kth && ties > 0 {
			if v == kth {
				ties--
			}
			out.Indices = append(out.Indices, s.Indices[i])
			out.Values = append(out.Values, v)
		}
	}
	return out
}

// selectKth reorders xs so that xs[i] holds the value sorting would put
// there, none after it is smaller and none before it larger, and returns
// it: Hoare's selection, with the median of three as each pivot.
func selectKth(xs []float32, i int) float32 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		// Order xs[lo], xs[mid], xs[hi]; the median is the pivot.
		if xs[mid] < xs[lo] {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if xs[hi] < xs[lo] {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if xs[hi] < xs[mid] {
			xs[hi], xs[mid] = xs[mid], xs[hi]
		}
		pivot := xs[mid]
		l, r := lo, hi
		for l <= r {
			for xs[l] < pivot {
				l++
			}
			for xs[r] > pivot {
				r--
			}
			if l <= r {
				xs[l], xs[r] = xs[r], xs[l]
				l++
				r--
			}
		}
		// Now xs[lo:r+1] <= pivot <= xs[l:hi+1], and xs[r+1:l] == pivot.
		switch {
		case i <= r:
			hi = r
		case i >= l:
			lo = l
		default:
			return xs[i]
		}
	}
	return xs[i]
}

// Encoding tags, so stored bytes say which kind of vector they hold.
const (
	// tagSparse is the first sparse layout, fixed-width pairs; still read,
	// and written for a vector of more than 256 distinct values.
	tagSparse byte = 's'
	// tagSparseCoded holds a sparse vector in about half the bytes:
	// lexical vectors repeat few distinct values (one per term frequency)
	// and their ascending indices differ by less than four bytes' worth.
	tagSparseCoded byte = 'c'
	tagDense       byte = 'd'
)

// MarshalBinary encodes v compactly for the store: a tag byte, then
//   - sparse: uvarint count, uvarint number of distinct values, those
//     values as little-endian float32, then per entry the uvarint gap from
//     the previous index (the first from 0) and a byte naming its value;
//   - dense: little-endian float32 values.
//
// Decoding gives back the very same bits.
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
	for i := 1; i < len(v.Sparse.Indices); i++ {
		if v.Sparse.Indices[i] <= v.Sparse.Indices[i-1] {
			return nil, fmt.Errorf("sparse vector's indices are not ascending at entry %d", i)
		}
	}
	if b, ok := codedSparse(v.Sparse); ok {
		return b, nil
	}
	b := make([]byte, 1+8*len(v.Sparse.Indices))
	b[0] = tagSparse
	for i, idx := range v.Sparse.Indices {
		binary.LittleEndian.PutUint32(b[1+8*i:], idx)
		binary.LittleEndian.PutUint32(b[5+8*i:], math.Float32bits(v.Sparse.Values[i]))
	}
	return b, nil
}

// codedSparse writes s in the tagSparseCoded layout, or says it holds too
// many distinct values for a byte to name.
func codedSparse(s Sparse) ([]byte, bool) {
	// Per entry, a linear look among the few distinct values beats a map.
	var values []uint32
	codes := make([]byte, len(s.Values))
	for i, x := range s.Values {
		bits := math.Float32bits(x)
		c := slices.Index(values, bits)
		if c < 0 {
			if len(values) == 256 {
				return nil, false
			}
			c = len(values)
			values = append(values, bits)
		}
		codes[i] = byte(c)
	}
	b := make([]byte, 0, 1+2*binary.MaxVarintLen32+4*len(values)+5*len(s.Indices))
	b = append(b, tagSparseCoded)
	b = binary.AppendUvarint(b, uint64(len(s.Indices)))
	b = binary.AppendUvarint(b, uint64(len(values)))
	for _, bits := range values {
		b = binary.LittleEndian.AppendUint32(b, bits)
	}
	var prev uint32
	for i, idx := range s.Indices {
		b = binary.AppendUvarint(b, uint64(idx-prev))
		b = append(b, codes[i])
		prev = idx
	}
	return b, true
}

// decodeCoded reads the tagSparseCoded layout.
func decodeCoded(body []byte) (Sparse, error) {
	fail := func(what string) (Sparse, error) {
		return Sparse{}, fmt.Errorf("decode sparse vector: %s", what)
	}
	n, k := binary.Uvarint(body)
	if k <= 0 || n > uint64(len(body)) {
		return fail("bad entry count")
	}
	body = body[k:]
	distinct, k := binary.Uvarint(body)
	if k <= 0 || distinct > 256 || 4*distinct > uint64(len(body)-k) {
		return fail("bad value count")
	}
	body = body[k:]
	values := make([]float32, distinct)
	for i := range values {
		values[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
	}
	body = body[4*distinct:]
	s := Sparse{Indices: make([]uint32, n), Values: make([]float32, n)}
	var idx uint64
	for i := range s.Indices {
		gap, k := binary.Uvarint(body)
		if k <= 0 || k >= len(body) {
			return fail(fmt.Sprintf("cut short at entry %d", i))
		}
		if idx += gap; idx > math.MaxUint32 || (i > 0 && gap == 0) {
			return fail(fmt.Sprintf("bad index at entry %d", i))
		}
		code := body[k]
		if uint64(code) >= distinct {
			return fail(fmt.Sprintf("value %d of %d at entry %d", code, distinct, i))
		}
		s.Indices[i], s.Values[i] = uint32(idx), values[code]
		body = body[k+1:]
	}
	if len(body) != 0 {
		return fail(fmt.Sprintf("%d bytes after the last entry", len(body)))
	}
	return s, nil
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
	case tagSparseCoded:
		s, err := decodeCoded(body)
		if err != nil {
			return err
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

// FromEntries is the sparse vector of entries, each an index<<32 | the
// bits of a float32 value, with the values of each index added in the
// entries' order: to the bit what adding them into a map one by one gives.
// It reorders entries. A feed's centroid adds a hundred papers' 1,400
// character grams: into a map that took 24.6 ms, sorted by radix 13.6.
func FromEntries(entries []uint64) Sparse {
	radixSortHigh(entries)
	n := 0
	for i, e := range entries {
		if i == 0 || e>>32 != entries[i-1]>>32 {
			n++
		}
	}
	s := Sparse{Indices: make([]uint32, 0, n), Values: make([]float32, 0, n)}
	for i := 0; i < len(entries); {
		t := uint32(entries[i] >> 32)
		var x float32
		for ; i < len(entries) && uint32(entries[i]>>32) == t; i++ {
			x += math.Float32frombits(uint32(entries[i]))
		}
		s.Indices = append(s.Indices, t)
		s.Values = append(s.Values, x)
	}
	return s
}

// radixSortHigh sorts xs by their high 32 bits, stably: a byte a pass,
// least significant first.
func radixSortHigh(xs []uint64) {
	tmp := make([]uint64, len(xs))
	src, dst := xs, tmp
	for shift := 32; shift < 64; shift += 8 {
		var at [257]int
		for _, x := range src {
			at[x>>shift&0xff+1]++
		}
		for i := 1; i < len(at); i++ {
			at[i] += at[i-1]
		}
		for _, x := range src {
			b := x >> shift & 0xff
			dst[at[b]] = x
			at[b]++
		}
		src, dst = dst, src
	}
	// Four passes: the sorted entries are back in xs.
}
