package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Open opens the file at path for reading, gunzipping it on the fly when it
// starts with the gzip magic bytes, whatever its name. Errors name the path,
// as in "open papers.jsonl: no such file or directory".
func Open(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// A directory opens fine and fails on the first read; say so now.
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: syscall.EISDIR}
	}
	br := bufio.NewReader(f)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return &file{Reader: br, f: f}, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: starts like gzip but is not: %w", path, err)
	}
	return &file{Reader: zr, f: f, zr: zr}, nil
}

// file reads through a buffer or a gunzipper and closes what it opened.
type file struct {
	io.Reader
	f  *os.File
	zr *gzip.Reader
}

func (c *file) Close() error {
	var err error
	if c.zr != nil {
		err = c.zr.Close()
	}
	return errors.Join(err, c.f.Close())
}
