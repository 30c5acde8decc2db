// Package ingest reads paper and vote files into domain values, one record at
// a time, so that a multi-gigabyte dump never sits in memory. Each rejected
// record is reported as a Problem naming the file, the line and what is wrong,
// and reading goes on with the next record: only I/O errors, cancellation and
// the caller's own errors stop it.
//
// Formats are told apart by content, never by file name; see ReadPapers and
// ReadVotes. The package knows the domain types alone: storing, embedding
// and indexing what it reads is the caller's business (recommend's Ingest
// and ImportVotes). It also holds the built-in sample papers (sample.go).
package ingest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"unicode/utf8"
)

// Limits on one record. A record over them is rejected, never truncated, so
// nothing half-read reaches the store.
const (
	MaxLineBytes     = 1 << 20 // one JSON line, or one element of a top-level array
	MaxIDBytes       = 200
	MaxTitleChars    = 2_000
	MaxAbstractChars = 100_000
)

// Problem is one rejected record, or a whole file rejected at once (Line 0).
type Problem struct {
	File   string
	Line   int // 1-based line where the record starts; 0 for the whole file
	Reason string
}

// Error reads "FILE:LINE: reason", or "FILE: reason" for a whole-file problem.
func (p Problem) Error() string {
	if p.Line == 0 {
		return p.File + ": " + p.Reason
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Reason)
}

// sniffBytes is how much of a file is looked at to decide what it holds.
const sniffBytes = 1024

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// scanner walks the records of one file: lines of a JSON Lines file, or the
// elements of a top-level JSON array. decode turns one record into a value or
// gives the reason it cannot.
type scanner[T any] struct {
	ctx    context.Context
	name   string
	decode func(raw []byte) (T, string)
	emit   func(line int, v T) error
	reject func(Problem) error
}

func readRecords[T any](ctx context.Context, r io.Reader, name string, decode func([]byte) (T, string), emit func(int, T) error, reject func(Problem) error) error {
	if reject == nil {
		reject = func(Problem) error { return nil }
	}
	s := &scanner[T]{ctx: ctx, name: name, decode: decode, emit: emit, reject: reject}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The buffer holds a whole line at the limit, with its "\r\n", so a line
	// that does not fit is over the limit by construction.
	br := bufio.NewReaderSize(r, MaxLineBytes+2)
	head, err := br.Peek(sniffBytes)
	if err != nil && err != io.EOF {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if bytes.HasPrefix(head, utf8BOM) {
		br.Discard(len(utf8BOM))
		head = head[len(utf8BOM):]
	}
	// One problem for a file that is plainly not text, instead of one per
	// "line" of noise.
	if reason := notText(head); reason != "" {
		return s.problem(0, reason)
	}
	if first := bytes.TrimLeft(head, " \t\r\n"); len(first) > 0 && first[0] == '[' {
		return s.array(br)
	}
	return s.lines(br)
}

func (s *scanner[T]) lines(br *bufio.Reader) error {
	lr := lineReader{br: br}
	for {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		line, long, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", s.name, err)
		}
		switch {
		case long > 0:
			err = s.problem(lr.num, fmt.Sprintf("line is %d bytes, over the 1 MiB limit", long))
		case isBlank(line):
			continue
		default:
			err = s.record(lr.num, line)
		}
		if err != nil {
			return err
		}
	}
}

// record decodes one record and hands it to emit or, with its reason, to reject.
func (s *scanner[T]) record(line int, raw []byte) error {
	if !utf8.Valid(raw) {
		return s.problem(line, notUTF8(raw))
	}
	v, reason := s.decode(raw)
	if reason != "" {
		return s.problem(line, reason)
	}
	if err := s.emit(line, v); err != nil {
		return fmt.Errorf("%s:%d: %w", s.name, line, err)
	}
	return nil
}

func (s *scanner[T]) problem(line int, reason string) error {
	if err := s.reject(Problem{File: s.name, Line: line, Reason: reason}); err != nil {
		if line == 0 {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		return fmt.Errorf("%s:%d: %w", s.name, line, err)
	}
	return nil
}

// notText says why the start of a file shows it is not UTF-8 JSON text, or
// returns "". JSON text never holds raw control bytes other than whitespace.
func notText(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return "file is gzip-compressed; read it through ingest.Open, which gunzips it"
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return "file is UTF-16 text; want UTF-8"
	case bytes.IndexByte(head, 0) >= 0:
		return "binary file (NUL bytes in the first 1 KB), not JSON text"
	}
	control := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7f {
			control++
		}
	}
	if len(head) >= 64 && control*10 > len(head) {
		return "binary file (control bytes in the first 1 KB), not JSON text"
	}
	return ""
}

// notUTF8 names the first byte that is not UTF-8, so the line can be fixed.
func notUTF8(b []byte) string {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Sprintf("not UTF-8 text (byte 0x%02x at offset %d)", b[i], i)
		}
		i += size
	}
	return "not UTF-8 text"
}

// isBlank reports a line holding only JSON whitespace; such lines are skipped.
func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
