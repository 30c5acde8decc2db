package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// array streams the elements of a top-level JSON array (the Hugging Face API
// answers with one) token by token: one element is in memory at a time, and
// each is reported at the line where it starts. A syntax error leaves no safe
// place to resume, so it is reported once and ends the file.
func (s *scanner[T]) array(r io.Reader) error {
	cr := &countingReader{r: r}
	dec := json.NewDecoder(cr)
	var raw json.RawMessage
	// One pass per top-level array: a file of several, as made by
	// concatenating the API's answers, is read one array after the other.
	for {
		at := s.elementStart(dec)
		tok, err := dec.Token()
		if err == io.EOF && cr.ioErr == nil {
			return nil
		}
		if err != nil {
			return s.arrayStop(cr, cr.lineAt(at), err)
		}
		if tok != json.Delim('[') {
			return s.problem(cr.lineAt(at), "unexpected data after the JSON array")
		}
		// Elements are named by index too: a one-line array has all of
		// them on line 1.
		for i := 0; dec.More(); i++ {
			if err := s.ctx.Err(); err != nil {
				return err
			}
			line := cr.lineAt(s.elementStart(dec))
			s.elem = fmt.Sprintf("element [%d]", i)
			// Bound what one element may pull in: the decoder would
			// otherwise buffer a runaway element whole.
			cr.limit = cr.n + MaxLineBytes + 2*readChunk
			err := dec.Decode(&raw)
			cr.limit = 0
			if err != nil {
				return s.arrayStop(cr, line, err)
			}
			if reason := s.first(raw); reason != "" {
				return s.problem(0, reason)
			}
			if len(raw) > MaxLineBytes {
				err = s.problem(line, fmt.Sprintf("%s is %d bytes, over the 1 MiB limit", s.elem, len(raw)))
			} else {
				err = s.record(line, raw)
			}
			s.elem, s.last = "", line
			if err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing ']'
			return s.arrayStop(cr, cr.lineAt(s.elementStart(dec)), err)
		}
	}
}

// arrayStop reports why the array could not be read past line, and stops.
func (s *scanner[T]) arrayStop(cr *countingReader, line int, err error) error {
	var syntax *json.SyntaxError
	switch {
	case cr.ioErr != nil:
		return s.readFailed(cr.ioErr)
	case errors.Is(err, errElementTooLarge):
		return s.problem(line, s.elem+" is over the 1 MiB limit; stopped reading the file")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return s.problem(line, s.at("invalid JSON: unexpected end of input, the array is not closed; stopped reading the file"))
	case errors.As(err, &syntax):
		return s.problem(line, s.at("invalid JSON: "+syntax.Error()+"; stopped reading the file"))
	default:
		return s.problem(line, s.at("invalid JSON: "+err.Error()+"; stopped reading the file"))
	}
}

// elementStart is the offset of the next value in the decoder's stream: the
// decoder stands on it, or on the comma before it and any whitespace.
func (s *scanner[T]) elementStart(dec *json.Decoder) int64 {
	var buf [256]byte
	off := dec.InputOffset()
	n, _ := io.ReadFull(dec.Buffered(), buf[:])
	b := buf[:n]
	i := len(b) - len(bytes.TrimLeft(b, " \t\r\n"))
	if i < len(b) && b[i] == ',' {
		i++
		i += len(b[i:]) - len(bytes.TrimLeft(b[i:], " \t\r\n"))
	}
	return off + int64(i)
}

// readChunk caps each read the decoder makes, so that the element limit can
// be checked to within one chunk.
const readChunk = 64 << 10

var errElementTooLarge = errors.New("array element over the size limit")

// countingReader remembers where the newlines are in what the decoder has
// read but not yet been asked about, to turn offsets into line numbers, and
// fails reads past limit (when set).
type countingReader struct {
	r      io.Reader
	n      int64   // bytes read so far
	limit  int64   // fail reads once n reaches it; 0 for no limit
	nl     []int64 // offsets of newlines not yet passed by lineAt
	passed int     // newlines before the offset last given to lineAt
	ioErr  error   // the first read error other than io.EOF
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.limit > 0 && c.n >= c.limit {
		return 0, errElementTooLarge
	}
	if len(p) > readChunk {
		p = p[:readChunk]
	}
	n, err := c.r.Read(p)
	for i := 0; ; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			break
		}
		c.nl = append(c.nl, c.n+int64(i+j))
		i += j + 1
	}
	c.n += int64(n)
	if err != nil && err != io.EOF && c.ioErr == nil {
		c.ioErr = err
	}
	return n, err
}

// lineAt gives the 1-based line of offset off. Offsets must not decrease
// from one call to the next.
func (c *countingReader) lineAt(off int64) int {
	i := 0
	for i < len(c.nl) && c.nl[i] < off {
		i++
	}
	c.passed += i
	c.nl = c.nl[i:]
	return c.passed + 1
}
