package index

import "hash/maphash"

// docIDs holds the docs' ids by slot and finds a live doc's slot by its id,
// with no pointer per doc. A string per id and a map keyed by them were a
// million objects at a million papers, which the collector marked at every
// cycle, beside the requests it slowed.
type docIDs struct {
	bytes []byte   // the ids end to end, in slot order
	end   []uint32 // by slot: where its id ends in bytes
	hash  func(string) uint64
	// byHash finds a live id by its hash; the rare live id whose hash
	// another live id holds is in clash.
	byHash map[uint64]int32
	clash  map[string]int32
}

func newDocIDs() *docIDs {
	seed := maphash.MakeSeed()
	return &docIDs{hash: func(id string) uint64 { return maphash.String(seed, id) }, byHash: map[uint64]int32{}, clash: map[string]int32{}}
}

// bytesOf is slot's id, live or dead, in place.
func (t *docIDs) bytesOf(slot int32) []byte {
	start := uint32(0)
	if slot > 0 {
		start = t.end[slot-1]
	}
	return t.bytes[start:t.end[slot]]
}

// id is the id of slot, live or dead.
func (t *docIDs) id(slot int32) string { return string(t.bytesOf(slot)) }

// is says whether slot's id is id, without making a string of it.
func (t *docIDs) is(slot int32, id string) bool { return string(t.bytesOf(slot)) == id }

// slot is the slot of the live doc id.
func (t *docIDs) slot(id string) (int32, bool) {
	if s, ok := t.clash[id]; ok {
		return s, true
	}
	s, ok := t.byHash[t.hash(id)]
	if !ok || !t.is(s, id) {
		return 0, false
	}
	return s, true
}

// add gives id the next slot, which is live or not.
func (t *docIDs) add(id string, live bool) int32 {
	slot := int32(len(t.end))
	t.bytes = append(t.bytes, id...)
	t.end = append(t.end, uint32(len(t.bytes)))
	if live {
		h := t.hash(id)
		if s, ok := t.byHash[h]; ok && !t.is(s, id) {
			t.clash[id] = slot
		} else {
			t.byHash[h] = slot
		}
	}
	return slot
}

// forget makes slot's doc dead: its id no longer finds it.
func (t *docIDs) forget(slot int32) {
	id := t.id(slot)
	if s, ok := t.clash[id]; ok && s == slot {
		delete(t.clash, id)
		return
	}
	h := t.hash(id)
	if s, ok := t.byHash[h]; ok && s == slot {
		delete(t.byHash, h)
	}
}

// live is the number of live ids.
func (t *docIDs) live() int { return len(t.byHash) + len(t.clash) }

// compact keeps the slots whose newSlot is not -1, renumbered.
func (t *docIDs) compact(newSlot []int32) *docIDs {
	c := &docIDs{hash: t.hash, byHash: make(map[uint64]int32, t.live()), clash: map[string]int32{}}
	for old, ns := range newSlot {
		if ns >= 0 {
			c.add(t.id(int32(old)), true)
		}
	}
	return c
}
