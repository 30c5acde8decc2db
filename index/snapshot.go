package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"maps"
	"slices"
	"unsafe"
)

// A snapshot is a Memory written out as it is held: its arrays byte for
// byte, so that a server starts by reading one file back instead of
// decoding and re-indexing every paper of the store (at a million papers,
// seconds instead of minutes). A CRC-32C over the whole catches a file
// cut short or damaged; lengths are checked against what is left of it, so
// a bad file is refused, never half-read.
const (
	snapshotMagic   = "paperhound index\x00"
	snapshotVersion = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrSnapshot marks a snapshot that cannot be read back: damaged, cut
// short, of another version, or made with other spaces score-only.
var ErrSnapshot = errors.New("unusable index snapshot")

// WriteSnapshot writes the whole index to w. Searches go on meanwhile;
// writes wait.
func (m *Memory) WriteSnapshot(w io.Writer) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	sw := &snapWriter{w: bufio.NewWriterSize(w, 1<<20), crc: crc32.New(castagnoli)}
	sw.raw([]byte(snapshotMagic))
	sw.u64(snapshotVersion)
	sw.u64(uint64(len(m.docs)))
	for slot, d := range m.docs {
		sw.str(m.ids.id(int32(slot)))
		sw.u64(uint64(uint32(d.day)))
		sw.flag(d.alive)
		sw.u64(uint64(uint32(m.ranks[slot].Upvotes)))
		sw.u64(m.ranks[slot].Title)
	}
	sw.u64(uint64(m.dead))
	sw.u64(uint64(len(m.sparse)))
	for _, name := range slices.Sorted(maps.Keys(m.sparse)) {
		sw.str(name)
		m.sparse[name].write(sw)
	}
	sw.u64(uint64(len(m.dense)))
	for _, name := range slices.Sorted(maps.Keys(m.dense)) {
		d := m.dense[name]
		sw.str(name)
		sw.u64(uint64(d.dims))
		writeSlice(sw, d.slab)
		writeSlice(sw, d.slots)
	}
	if sw.err != nil {
		return fmt.Errorf("write index snapshot: %w", sw.err)
	}
	sum := binary.LittleEndian.AppendUint32(nil, sw.crc.Sum32())
	if _, err := sw.w.Write(sum); err != nil {
		return fmt.Errorf("write index snapshot: %w", err)
	}
	if err := sw.w.Flush(); err != nil {
		return fmt.Errorf("write index snapshot: %w", err)
	}
	return nil
}

func (s *sparseSpace) write(sw *snapWriter) {
	sw.u64(uint64(s.docs))
	sw.flag(s.scoreOnly)
	hashes, dfs, lens := make([]uint32, len(s.terms)), make([]int32, len(s.terms)), make([]uint32, len(s.terms))
	for i, t := range s.terms {
		hashes[i], dfs[i], lens[i] = t.hash, t.df, uint32(len(s.post(int32(i))))
	}
	writeSlice(sw, hashes)
	writeSlice(sw, dfs)
	writeSlice(sw, lens)
	for i := range s.terms {
		sw.raw(bytesOf(s.post(int32(i))))
	}
	sw.flag(s.toks != nil)
	if t := s.toks; t != nil {
		sw.u64(uint64(len(t.names)))
		for _, name := range t.names {
			sw.str(name)
		}
		writeSlice(sw, t.gramOff)
		writeArena(sw, &t.grams)
		writeSlice(sw, t.off)
		writeArena(sw, &t.toks)
		writeSlice(sw, t.scale)
		writeSlice(sw, s.held)
		return
	}
	writeSlice(sw, s.off)
	writeArena(sw, &s.fwd)
	writeSlice(sw, s.scale)
	writeSlice(sw, s.held)
	keys := slices.Sorted(maps.Keys(s.wide))
	values := make([]float32, len(keys))
	for i, k := range keys {
		values[i] = s.wide[k]
	}
	writeSlice(sw, keys)
	writeSlice(sw, values)
}

// ReadSnapshot replaces the index's contents with the snapshot in r, of
// size bytes. The spaces the index keeps score-only (ScoreOnly) must be
// those the snapshot was written with. On any error the index is left as
// it was.
func (m *Memory) ReadSnapshot(r io.Reader, size int64) error {
	sr := &snapReader{r: bufio.NewReaderSize(r, 1<<20), crc: crc32.New(castagnoli), left: size - 4}
	fresh, err := readMemory(sr)
	if err == nil && sr.err == nil {
		var sum [4]byte
		if _, err := io.ReadFull(sr.r, sum[:]); err != nil || binary.LittleEndian.Uint32(sum[:]) != sr.crc.Sum32() {
			sr.fail("checksum mismatch: the file is damaged")
		}
	}
	if err == nil {
		err = sr.err
	}
	if err != nil {
		return fmt.Errorf("read index snapshot: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, ss := range fresh.sparse {
		if ss.scoreOnly != m.scoreOnly[name] {
			return fmt.Errorf("read index snapshot: %w: space %q is score-only in one and not the other", ErrSnapshot, name)
		}
	}
	m.docs, m.ranks, m.ids, m.dead, m.sparse, m.dense = fresh.docs, fresh.ranks, fresh.ids, fresh.dead, fresh.sparse, fresh.dense
	return nil
}

func readMemory(sr *snapReader) (*Memory, error) {
	if magic := sr.raw(len(snapshotMagic)); sr.err == nil && string(magic) != snapshotMagic {
		return nil, fmt.Errorf("%w: not an index snapshot", ErrSnapshot)
	}
	if v := sr.u64(); sr.err == nil && v != snapshotVersion {
		return nil, fmt.Errorf("%w: version %d, this build reads %d", ErrSnapshot, v, snapshotVersion)
	}
	m := NewMemory()
	n := sr.count(33) // an id's length, a day, a flag, a rank
	m.docs, m.ranks = make([]docMeta, 0, n), make([]Rank, 0, n)
	for range n {
		id := sr.str()
		d := docMeta{day: int32(uint32(sr.u64())), alive: sr.flag()}
		m.ids.add(id, d.alive)
		m.docs = append(m.docs, d)
		m.ranks = append(m.ranks, Rank{Upvotes: int32(uint32(sr.u64())), Title: sr.u64()})
	}
	m.dead = int(sr.u64())
	for range sr.count(9) {
		name := sr.str()
		m.sparse[name] = readSparse(sr, len(m.docs))
	}
	for range sr.count(9) {
		name := sr.str()
		d := &denseSpace{dims: int(sr.u64()), rowOf: map[int32]int32{}}
		d.slab = readSlice[float32](sr)
		d.slots = readSlice[int32](sr)
		if sr.err == nil && (d.dims <= 0 || len(d.slab) != len(d.slots)*d.dims) {
			sr.fail("dense space %q: %d values for %d rows of %d", name, len(d.slab), len(d.slots), d.dims)
		}
		for r, slot := range d.slots {
			if slot < 0 || int(slot) >= len(m.docs) {
				sr.fail("dense space %q: slot %d of %d", name, slot, len(m.docs))
				break
			}
			d.rowOf[slot] = int32(r)
		}
		m.dense[name] = d
	}
	return m, nil
}

func readSparse(sr *snapReader, slots int) *sparseSpace {
	s := newSparseSpace(false, false)
	s.docs = int(sr.u64())
	s.scoreOnly = sr.flag()
	hashes, dfs, lens := readSlice[uint32](sr), readSlice[int32](sr), readSlice[uint32](sr)
	if sr.err != nil || len(hashes) != len(dfs) || len(hashes) != len(lens) {
		sr.fail("term tables of different lengths")
		return s
	}
	var total int
	for _, l := range lens {
		total += int(l)
	}
	flat := make([]uint32, sr.check(total, 4))
	sr.fill(bytesOf(flat))
	s.packed = flat
	s.terms = make([]term, len(hashes))
	s.tids = make(map[uint32]int32, len(hashes))
	at := 0
	for i, h := range hashes {
		end := at + int(lens[i])
		if end > len(flat) {
			break // sr has failed
		}
		s.terms[i] = term{hash: h, df: dfs[i], at: at, n: lens[i], cap: lens[i]}
		s.tids[h] = int32(i)
		at = end
	}
	if sr.err == nil {
		s.cutLists()
	}
	if sr.flag() {
		if !s.scoreOnly {
			sr.fail("a space kept by tokens must be score-only")
			return s
		}
		s.toks = readTokens(sr, slots, len(s.terms))
		s.held = readSlice[uint64](sr)
		for slot := len(s.toks.scale); slot < len(s.held)*64 && sr.err == nil; slot++ {
			if s.holds(int32(slot)) {
				sr.fail("token space holds slot %d, past its %d", slot, len(s.toks.scale))
			}
		}
		return s
	}
	s.off = readSlice[int](sr)
	s.fwd = readArena[byte](sr)
	s.scale = readSlice[float32](sr)
	s.held = readSlice[uint64](sr)
	keys, values := readSlice[uint64](sr), readSlice[float32](sr)
	if sr.err != nil {
		return s
	}
	if len(keys) != len(values) || len(s.off) != len(s.scale)+1 || len(s.scale) > slots ||
		!ascending(s.off, s.fwd.n) || len(s.held) > (slots+63)/64 {
		sr.fail("sparse space's arrays disagree in length")
		return s
	}
	var entries []uint64
	for slot := range len(s.held) * 64 {
		if !s.holds(int32(slot)) {
			continue
		}
		if slot >= len(s.scale) {
			sr.fail("sparse space holds slot %d, past its %d", slot, len(s.scale))
			return s
		}
		var ok bool
		if entries, ok = s.decode(entries[:0], int32(slot)); !ok {
			sr.fail("sparse space's slot %d has malformed terms", slot)
			return s
		}
	}
	for i, k := range keys {
		s.setWide(int32(k>>32), uint32(k), values[i])
	}
	return s
}

func readTokens(sr *snapReader, slots, terms int) *tokenDocs {
	t := newTokenDocs()
	n := sr.count(8) // a name's length
	t.names = make([]string, 0, n)
	for range n {
		name := sr.str()
		t.ids[name] = uint32(len(t.names))
		t.names = append(t.names, name)
	}
	t.gramOff = readSlice[int](sr)
	t.grams = readArena[int32](sr)
	t.off = readSlice[int](sr)
	t.toks = readArena[uint32](sr)
	t.scale = readSlice[float32](sr)
	if sr.err != nil {
		return t
	}
	if len(t.gramOff) != len(t.names)+1 || !ascending(t.gramOff, t.grams.n) ||
		len(t.off) != len(t.scale)+1 || len(t.scale) > slots || !ascending(t.off, t.toks.n) {
		sr.fail("token space's arrays disagree in length")
		return t
	}
	for i := range t.grams.n {
		if tid := t.grams.at(i); tid < 0 || int(tid) >= terms {
			sr.fail("token space names term %d of %d", tid, terms)
			return t
		}
	}
	for i := range t.toks.n {
		if int(t.toks.at(i)) >= len(t.names) {
			sr.fail("token space names token %d of %d", t.toks.at(i), len(t.names))
			break
		}
	}
	return t
}

// ascending is whether offsets start at 0, never fall, and end at n.
func ascending(offsets []int, n int) bool {
	if len(offsets) == 0 || offsets[0] != 0 || offsets[len(offsets)-1] != n {
		return false
	}
	for i := 1; i < len(offsets); i++ {
		if offsets[i] < offsets[i-1] {
			return false
		}
	}
	return true
}

// fixed are the element types written byte for byte.
type fixed interface {
	~uint8 | ~int32 | ~uint32 | ~int | ~uint64 | ~float32
}

func bytesOf[T fixed](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(s[0])))
}

func writeSlice[T fixed](sw *snapWriter, s []T) {
	sw.u64(uint64(len(s)))
	sw.raw(bytesOf(s))
}

func readSlice[T fixed](sr *snapReader) []T {
	var zero T
	out := make([]T, sr.check(int(sr.u64()), int(unsafe.Sizeof(zero))))
	sr.fill(bytesOf(out))
	return out
}

func writeArena[T fixed](sw *snapWriter, a *arena[T]) {
	sw.u64(uint64(a.n))
	for _, c := range a.chunks {
		sw.raw(bytesOf(c))
	}
}

func readArena[T fixed](sr *snapReader) arena[T] {
	var zero T
	a := arena[T]{n: sr.check(int(sr.u64()), int(unsafe.Sizeof(zero)))}
	for left := a.n; left > 0 && sr.err == nil; left -= 1 << chunkBits {
		c := make([]T, min(left, 1<<chunkBits))
		sr.fill(bytesOf(c))
		a.chunks = append(a.chunks, c)
	}
	return a
}

// snapWriter writes through a CRC, keeping the first error.
type snapWriter struct {
	w   *bufio.Writer
	crc hash.Hash32
	err error
}

func (sw *snapWriter) raw(b []byte) {
	if sw.err != nil {
		return
	}
	sw.crc.Write(b)
	_, sw.err = sw.w.Write(b)
}

func (sw *snapWriter) u64(x uint64) { sw.raw(binary.LittleEndian.AppendUint64(nil, x)) }

func (sw *snapWriter) flag(b bool) {
	if b {
		sw.raw([]byte{1})
	} else {
		sw.raw([]byte{0})
	}
}

func (sw *snapWriter) str(s string) {
	sw.u64(uint64(len(s)))
	sw.raw([]byte(s))
}

// snapReader reads through a CRC, keeping the first error; left is what
// the file still holds, so that no length read from it can ask for more.
type snapReader struct {
	r    *bufio.Reader
	crc  hash.Hash32
	left int64
	err  error
}

func (sr *snapReader) fail(format string, args ...any) {
	if sr.err == nil {
		sr.err = fmt.Errorf("%w: %s", ErrSnapshot, fmt.Sprintf(format, args...))
	}
}

// check is n, or 0 once n elements of size bytes would pass the file's end.
func (sr *snapReader) check(n, size int) int {
	if sr.err != nil {
		return 0
	}
	if n < 0 || int64(n) > sr.left/int64(size) {
		sr.fail("a length of %d runs past the end of the file", n)
		return 0
	}
	return n
}

// count is a count of items of at least min bytes each.
func (sr *snapReader) count(min int) int { return sr.check(int(sr.u64()), min) }

func (sr *snapReader) fill(b []byte) {
	if sr.err != nil || len(b) == 0 {
		return
	}
	if int64(len(b)) > sr.left {
		sr.fail("cut short")
		return
	}
	if _, err := io.ReadFull(sr.r, b); err != nil {
		sr.fail("cut short: %v", err)
		return
	}
	sr.left -= int64(len(b))
	sr.crc.Write(b)
}

func (sr *snapReader) raw(n int) []byte {
	b := make([]byte, sr.check(n, 1))
	sr.fill(b)
	return b
}

func (sr *snapReader) u64() uint64 {
	var b [8]byte
	sr.fill(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

func (sr *snapReader) flag() bool {
	var b [1]byte
	sr.fill(b[:])
	return b[0] == 1
}

func (sr *snapReader) str() string { return string(sr.raw(int(sr.u64()))) }
