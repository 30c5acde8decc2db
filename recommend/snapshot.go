package recommend

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// A snapshot file is the embedded index written out whole, behind a
// header that says which change sequence number it reflects: a server
// reads it back and then only what changed in the store since, instead of
// re-indexing every paper (LoadIndex).
//
// The header is one line of JSON. A snapshot is refused, and the index
// loaded from the store instead, when its spaces are not the engine's or
// when it cannot be this store's: numbered above the store's last change,
// or holding more papers than the store.

// snapshotter is an index that can be written out and read back whole
// (index.Memory).
type snapshotter interface {
	WriteSnapshot(w io.Writer) error
	ReadSnapshot(r io.Reader, size int64) error
	Len() int
}

type snapshotHeader struct {
	Format string   `json:"format"`
	Seq    int64    `json:"seq"`
	Spaces []string `json:"spaces"`
	Papers int      `json:"papers"`
}

const snapshotFormat = "paperhound index snapshot"

// ErrNoSnapshot says why a snapshot was not used: there is none, or it
// does not fit this engine and store (the error says how).
var ErrNoSnapshot = errors.New("index snapshot not used")

// SaveSnapshot writes the index to path, through a temporary file renamed
// into place, so that a crash leaves the last snapshot whole. Queries go
// on meanwhile; the index takes no writes until it is done.
func (e *Engine) SaveSnapshot(ctx context.Context, path string) error {
	s, ok := e.index.(snapshotter)
	if !ok {
		return fmt.Errorf("save index snapshot: the index keeps no snapshot")
	}
	// Read first: the index then holds at least what seen covers, and any
	// paper indexed since is read again, which is harmless.
	e.mu.Lock()
	h := snapshotHeader{Format: snapshotFormat, Seq: e.seen, Spaces: e.spaces()}
	e.mu.Unlock()
	h.Papers = s.Len()
	tmp := path + ".tmp"
	err := writeSnapshot(ctx, tmp, h, s)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save index snapshot %s: %w", path, err)
	}
	return nil
}

func writeSnapshot(ctx context.Context, path string, h snapshotHeader, s snapshotter) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	line, err := json.Marshal(h)
	if err == nil {
		_, err = f.Write(append(line, '\n'))
	}
	if err == nil {
		err = s.WriteSnapshot(ctxWriter{ctx, f})
	}
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// ctxWriter stops writing once ctx ends: a server shutting down does not
// wait for gigabytes to be written.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// LoadSnapshot fills the index from the snapshot at path, then indexes
// what the store changed since it was written (Refresh). It reports how
// many papers the snapshot held and how many the store added. An error
// wrapping ErrNoSnapshot leaves the index as it was: load it from the
// store instead.
func (e *Engine) LoadSnapshot(ctx context.Context, path string) (held, added int, err error) {
	s, ok := e.index.(snapshotter)
	if !ok {
		return 0, 0, fmt.Errorf("%w: the index keeps no snapshot", ErrNoSnapshot)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %w", ErrNoSnapshot, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %w", ErrNoSnapshot, err)
	}
	r := bufio.NewReader(f)
	line, err := r.ReadBytes('\n')
	var h snapshotHeader
	if err == nil {
		err = json.Unmarshal(line, &h)
	}
	if err != nil || h.Format != snapshotFormat {
		return 0, 0, fmt.Errorf("%w: %s is not an index snapshot", ErrNoSnapshot, path)
	}
	if !slices.Equal(h.Spaces, e.spaces()) {
		return 0, 0, fmt.Errorf("%w: it holds the spaces %v, the engine has %v", ErrNoSnapshot, h.Spaces, e.spaces())
	}
	last, err := e.store.Seq(ctx)
	if err != nil {
		return 0, 0, err
	}
	stored, err := e.store.CountPapers(ctx)
	if err != nil {
		return 0, 0, err
	}
	if h.Seq > last || h.Papers > stored {
		return 0, 0, fmt.Errorf("%w: it is of another database (change %d and %d papers; the store has %d and %d)",
			ErrNoSnapshot, h.Seq, h.Papers, last, stored)
	}
	if err := s.ReadSnapshot(r, info.Size()-int64(len(line))); err != nil {
		return 0, 0, fmt.Errorf("%w: %w", ErrNoSnapshot, err)
	}
	held = s.Len()
	e.mu.Lock()
	e.seen = h.Seq
	e.mu.Unlock()
	added, err = e.Refresh(ctx)
	return held, added, err
}
