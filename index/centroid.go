package index

import (
	"math"
	"math/bits"

	"github.com/paperhound/paperhound/embed"
)

// Centroid is the sum of the vectors held in space of the docs ids names,
// each times its weight, in the order of ids: to the bit what adding up
// Vectors' vectors in that order gives (as embed.FromEntries adds). missing
// are the ids it holds no vector of there. A feed sums a hundred upvotes'
// vectors: rebuilding each one's 1,400 character grams from its words
// first, then sorting them all, was a fifth of a feed page at a million
// papers; this sums each term in place.
func (m *Memory) Centroid(space string, ids []string, weights []float64) (v embed.Vector, missing []string) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ss, ds := m.sparse[space], m.dense[space]
	var slots []int32
	var ws []float32
	for i, id := range ids {
		slot, ok := m.ids.slot(id)
		switch {
		case ok && ss != nil && ss.holds(slot):
		case ok && ds != nil && ds.holds(slot):
		default:
			missing = append(missing, id)
			continue
		}
		slots = append(slots, slot)
		ws = append(ws, float32(weights[i]))
	}
	switch {
	case len(slots) == 0:
	case ss != nil:
		c, _ := m.sums.Get().(*termSums)
		if c == nil {
			c = &termSums{}
		}
		v.Sparse = ss.centroid(c, slots, ws)
		m.sums.Put(c)
	default:
		v.Dense = ds.centroid(slots, ws)
	}
	return v, missing
}

func (d *denseSpace) holds(slot int32) bool {
	_, ok := d.rowOf[slot]
	return ok
}

func (d *denseSpace) centroid(slots []int32, ws []float32) []float32 {
	out := make([]float32, d.dims)
	for k, slot := range slots {
		row := int(d.rowOf[slot])
		for i, x := range d.slab[row*d.dims : (row+1)*d.dims] {
			out[i] += ws[k] * x
		}
	}
	return out
}

// termSums adds values by term, in the order they come. Its table of the
// terms met is open-addressed and grows with them: a table by term index
// would be 8 MB for the words space at a million papers, one for each
// feed ranked at once.
type termSums struct {
	table []int32 // 1 + an index in tids, by hash of its term; 0 is empty
	shift uint
	tids  []int32
	sums  []float32
	// A token doc's count of each of tids, and those it holds.
	tf  []int32
	doc []int32
}

// at is term index tid's index in tids, added if new.
func (c *termSums) at(tid int32) int32 {
	if 2*len(c.tids) >= len(c.table) {
		c.grow()
	}
	mask := uint32(len(c.table) - 1)
	for h := c.slot(tid); ; h = (h + 1) & mask {
		p := c.table[h]
		if p == 0 {
			c.tids = append(c.tids, tid)
			c.sums = append(c.sums, 0)
			c.tf = append(c.tf, 0)
			c.table[h] = int32(len(c.tids))
			return int32(len(c.tids) - 1)
		}
		if c.tids[p-1] == tid {
			return p - 1
		}
	}
}

func (c *termSums) slot(tid int32) uint32 { return tidSlot(tid, c.shift, len(c.table)) }

// grow doubles the table (or makes its first), keeping it at most half
// full.
func (c *termSums) grow() {
	size := max(1<<12, 2*len(c.table))
	c.table, c.shift = make([]int32, size), uint(32-bits.TrailingZeros(uint(size)))
	mask := uint32(size - 1)
	for i, tid := range c.tids {
		h := c.slot(tid)
		for c.table[h] != 0 {
			h = (h + 1) & mask
		}
		c.table[h] = int32(i + 1)
	}
}

// reset empties c, keeping its table's size.
func (c *termSums) reset() {
	clear(c.table)
	c.tids, c.sums, c.tf = c.tids[:0], c.sums[:0], c.tf[:0]
}

// centroid sums the vectors at slots times ws into c, which it leaves
// empty.
func (s *sparseSpace) centroid(c *termSums, slots []int32, ws []float32) embed.Sparse {
	var entries []uint64
	for k, slot := range slots {
		if s.toks != nil {
			s.addTokenDoc(c, slot, ws[k])
			continue
		}
		entries, _ = s.decode(entries[:0], slot)
		for _, e := range entries {
			tid := int32(e >> 8)
			x := s.unscaledOf(slot, uint8(e), s.terms[tid].hash) * s.scale[slot]
			c.sums[c.at(tid)] += ws[k] * x
		}
	}
	entries = make([]uint64, len(c.tids))
	for i, tid := range c.tids {
		entries[i] = uint64(s.terms[tid].hash)<<32 | uint64(math.Float32bits(c.sums[i]))
	}
	c.reset()
	return embed.FromEntries(entries)
}

// addTokenDoc adds the vector of the token doc at slot, times w: its
// grams counted over its tokens, each valued as embed.Sublinear values it.
func (s *sparseSpace) addTokenDoc(c *termSums, slot int32, w float32) {
	t := s.toks
	for _, id := range t.toks.slice(t.off[slot], t.off[slot+1]) {
		for _, tid := range t.grams.slice(t.gramOff[id], t.gramOff[id+1]) {
			i := c.at(tid)
			if c.tf[i] == 0 {
				c.doc = append(c.doc, i)
			}
			c.tf[i]++
		}
	}
	scale := t.scale[slot]
	for _, i := range c.doc {
		c.sums[i] += w * float32(embed.TFWeight(int(c.tf[i]))*scale)
		c.tf[i] = 0
	}
	c.doc = c.doc[:0]
}
