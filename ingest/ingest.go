// Package ingest reads paper and vote files into domain values, one record at
// a time, so that a multi-gigabyte dump never sits in memory. Each rejected
// record is reported as a Problem naming the file, the line and what is wrong,
// and reading goes on with the next record. A file that is not records at all
// (binary, not JSON, the wrong kind) or cannot be read to its end is one
// Problem for the whole file, after the records read before it. Only
// cancellation and the caller's own errors stop reading with an error.
//
// Formats are told apart by content, never by file name; see ReadPapers and
// ReadVotes. The package knows the domain types alone: storing, embedding
// and indexing what it reads is the caller's business (recommend's Ingest
// and ImportVotes). It also reads reading lists (a BibTeX file, or a list
// of arXiv ids and DOIs) in one piece and all or nothing: a list with an
// error yields no entries (readinglist.go, bibtex.go). And it holds the
// built-in sample papers (sample.go).
package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

// Problem is one rejected record, a whole file rejected at once (Line 0), or
// a warning about a record that was kept (Warning).
type Problem struct {
	File    string
	Line    int // 1-based line where the record starts; 0 for the whole file
	Reason  string
	Warning bool // the record was kept, less what Reason names
}

// Error reads "FILE:LINE: reason", or "FILE: reason" for a whole-file
// problem, with "warning: " before the reason of a warning.
func (p Problem) Error() string {
	reason := p.Reason
	if p.Warning {
		reason = "warning: " + reason
	}
	if p.Line == 0 {
		return p.File + ": " + reason
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, reason)
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
	// wrongKind, when set, says why a file whose first record is raw holds
	// another kind of record, or returns "".
	wrongKind func(raw []byte) string
	started   bool   // the first record was looked at
	last      int    // the last line read whole
	elem      string // "element [i]" while reading an array's element
}

func readRecords[T any](ctx context.Context, r io.Reader, name string, decode func([]byte) (T, string), emit func(int, T) error, reject func(Problem) error) error {
	return newScanner(ctx, name, decode, emit, reject).read(r)
}

func newScanner[T any](ctx context.Context, name string, decode func([]byte) (T, string), emit func(int, T) error, reject func(Problem) error) *scanner[T] {
	if reject == nil {
		reject = func(Problem) error { return nil }
	}
	return &scanner[T]{ctx: ctx, name: name, decode: decode, emit: emit, reject: reject}
}

func (s *scanner[T]) read(r io.Reader) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	// The buffer holds a whole line at the limit, with its "\r\n", so a line
	// that does not fit is over the limit by construction. A read error while
	// sniffing comes back after the lines read before it.
	br := bufio.NewReaderSize(&stickyReader{r: r}, MaxLineBytes+2)
	head, _ := br.Peek(sniffBytes)
	if bytes.HasPrefix(head, utf8BOM) {
		br.Discard(len(utf8BOM))
		head = head[len(utf8BOM):]
	}
	// One problem for a file that is plainly not text, instead of one per
	// "line" of noise. Only the start decides: a text file with one damaged
	// line further on loses that line alone.
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
			return s.readFailed(err)
		}
		s.last = lr.num
		switch {
		case long > 0:
			err = s.problem(lr.num, fmt.Sprintf("line is %d bytes, over the 1 MiB limit", long))
		case isBlank(line):
			continue
		default:
			if reason := s.first(line); reason != "" {
				return s.problem(0, reason)
			}
			err = s.record(lr.num, line)
		}
		if err != nil {
			return err
		}
	}
}

// first says why the file is not records of the kind wanted, judging by its
// first record raw, or returns "" (also for every later record): one
// message for a copied web page or a file of votes, not one per line.
func (s *scanner[T]) first(raw []byte) string {
	if s.started {
		return ""
	}
	s.started = true
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] != '{' && t[0] != '[' && !json.Valid(t) {
		start := t
		if len(start) > 40 {
			start = append(bytes.ToValidUTF8(start[:40], nil), "..."...)
		}
		return fmt.Sprintf("not JSON Lines or a JSON array: starts with %q", start)
	}
	if s.wrongKind != nil {
		return s.wrongKind(raw)
	}
	return ""
}

// record decodes one record and hands it to emit or, with its reason, to reject.
func (s *scanner[T]) record(line int, raw []byte) error {
	if bytes.IndexByte(raw, 0) >= 0 {
		return s.problem(line, s.at("binary data (NUL bytes), not JSON text"))
	}
	if !utf8.Valid(raw) {
		return s.problem(line, s.at(notUTF8(raw)))
	}
	v, reason := s.decode(raw)
	if reason != "" {
		return s.problem(line, s.at(reason))
	}
	if err := s.emit(line, v); err != nil {
		return fmt.Errorf("%s:%d: %w", s.name, line, err)
	}
	return nil
}

// at names the array element a reason is about, if any.
func (s *scanner[T]) at(reason string) string {
	if s.elem == "" {
		return reason
	}
	return s.elem + ": " + reason
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

// readFailed reports a file that could not be read to its end as a problem
// of the whole file, naming the last line read, and stops reading it: the
// records before were handed on.
func (s *scanner[T]) readFailed(err error) error {
	reason := "cannot be read: " + err.Error()
	if s.last > 0 {
		reason = fmt.Sprintf("cannot be read past line %d: %v", s.last, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		reason += " (the file is cut short)"
	}
	return s.problem(0, reason)
}

// stickyReader returns its reader's first error other than io.EOF on every
// later read, as bufio.Reader hands an error out only once.
type stickyReader struct {
	r   io.Reader
	err error
}

func (s *stickyReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// notText says why the start of a file shows it is not UTF-8 JSON text, or
// returns "". JSON text never holds raw control bytes other than whitespace.
// Past the encodings, only the first line is judged.
func notText(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return "file is gzip-compressed; gunzip it first"
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return "file is UTF-16 text; want UTF-8"
	}
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	switch {
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
