package ingest

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// A small BibTeX reader: no Go library we could use reports errors by line
// and handles @string, @comment, @preamble and # concatenation. It reads
// what BibTeX reads: entries "@type{key, field = value, ...}" (or with
// parentheses), values in braces, in quotes, bare numbers or @string names
// (the months predefined), joined with #; text outside entries is ignored,
// and so are lines starting with % there. Field names and @string names
// are case-insensitive; a field given twice keeps its first value, as
// BibTeX does. Values are returned raw (braces and TeX kept).

// bibEntry is one entry of a BibTeX file.
type bibEntry struct {
	line   int // where its @ is
	key    string
	fields map[string]string // lower-cased names
}

// maxBibErrors is how many errors a file gets before reading stops.
const maxBibErrors = 20

type bibParser struct {
	src        string
	pos        int
	lineStarts []int
	macros     map[string]string
	entries    []bibEntry
	errs       []LineError
}

// bibError stops the entry being read.
type bibError struct {
	pos    int
	reason string
}

func parseBibTeX(src string) ([]bibEntry, []LineError) {
	p := &bibParser{src: src, lineStarts: []int{0}, macros: map[string]string{}}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			p.lineStarts = append(p.lineStarts, i+1)
		}
	}
	for _, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		p.macros[m] = m
	}
	for p.nextAt() {
		if err := p.item(); err != nil {
			p.errs = append(p.errs, LineError{Line: p.line(err.pos), Reason: err.reason})
			if len(p.errs) == maxBibErrors {
				p.errs = append(p.errs, LineError{Line: p.line(err.pos), Reason: "too many errors: reading stopped here"})
				break
			}
			p.resync()
		}
	}
	return p.entries, p.errs
}

// line is the 1-based line of the byte at pos.
func (p *bibParser) line(pos int) int {
	return sort.Search(len(p.lineStarts), func(i int) bool { return p.lineStarts[i] > pos })
}

// nextAt moves to the next @ outside entries, skipping % comment lines,
// and says whether there is one.
func (p *bibParser) nextAt() bool {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case '@':
			return true
		case '%':
			p.skipLine()
		default:
			p.pos++
		}
	}
	return false
}

func (p *bibParser) skipLine() {
	if i := strings.IndexByte(p.src[p.pos:], '\n'); i >= 0 {
		p.pos += i + 1
	} else {
		p.pos = len(p.src)
	}
}

// resync goes past a broken entry: to the next line starting with @.
func (p *bibParser) resync() {
	for {
		p.skipLine()
		if p.pos >= len(p.src) || strings.HasPrefix(strings.TrimLeft(p.src[p.pos:], " \t"), "@") {
			return
		}
	}
}

func (p *bibParser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

// peek is the byte at pos, or 0 at the end.
func (p *bibParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

// found describes what is at pos, for an error.
func (p *bibParser) found() string {
	if p.pos >= len(p.src) {
		return "the end of the file"
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	return fmt.Sprintf("%q", r)
}

func (p *bibParser) fail(format string, args ...any) *bibError {
	return &bibError{pos: p.pos, reason: fmt.Sprintf(format, args...)}
}

// ident reads a name: an entry type, a field or a @string name.
func (p *bibParser) ident() string {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if !(isLetter(c) || '0' <= c && c <= '9' || strings.IndexByte("_-:.+/'", c) >= 0) {
			break
		}
		p.pos++
	}
	return p.src[start:p.pos]
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// item reads what starts at the @ at pos.
func (p *bibParser) item() *bibError {
	at := p.pos
	p.pos++
	kind := strings.ToLower(p.ident())
	if kind == "" || !isLetter(kind[0]) {
		return p.fail("@ must be followed by an entry type such as article, found %s", p.found())
	}
	p.skipSpace()
	if kind == "comment" {
		// BibTeX skips the word alone; biber and most tools skip a
		// following group too.
		if c := p.peek(); c == '{' || c == '(' {
			_, err := p.group()
			return err
		}
		return nil
	}
	closer, err := p.open(kind)
	if err != nil {
		return err
	}
	switch kind {
	case "preamble":
		if _, err := p.value(); err != nil {
			return err
		}
	case "string":
		p.skipSpace()
		name := strings.ToLower(p.ident())
		if name == "" {
			return p.fail("@string needs a name, found %s", p.found())
		}
		if err := p.expect('=', "after the @string name "+name); err != nil {
			return err
		}
		v, err := p.value()
		if err != nil {
			return err
		}
		p.macros[name] = v
	default:
		e, err := p.entry(at, closer)
		if err != nil {
			return err
		}
		p.entries = append(p.entries, e)
		return nil
	}
	p.skipSpace()
	if p.peek() != closer {
		return p.fail("@%s is not closed: expected %q, found %s", kind, closer, p.found())
	}
	p.pos++
	return nil
}

// open reads the { or ( that opens an item and returns its closer.
func (p *bibParser) open(kind string) (byte, *bibError) {
	switch p.peek() {
	case '{':
		p.pos++
		return '}', nil
	case '(':
		p.pos++
		return ')', nil
	}
	return 0, p.fail("@%s must be followed by { or (, found %s", kind, p.found())
}

func (p *bibParser) expect(c byte, where string) *bibError {
	p.skipSpace()
	if p.peek() != c {
		return p.fail("expected %q %s, found %s", c, where, p.found())
	}
	p.pos++
	return nil
}

// entry reads a regular entry's key and fields, up to its closer.
func (p *bibParser) entry(at int, closer byte) (bibEntry, *bibError) {
	e := bibEntry{line: p.line(at), fields: map[string]string{}}
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.src) && strings.IndexByte(", \t\r\n{}()\"#=%", p.src[p.pos]) < 0 {
		p.pos++
	}
	e.key = p.src[start:p.pos]
	if e.key == "" {
		return e, p.fail("the entry has no citation key: expected one before %s", p.found())
	}
	unclosed := &bibError{pos: at, reason: fmt.Sprintf("entry %s is never closed: the file ends before its %q", e.key, closer)}
	for {
		p.skipSpace()
		switch p.peek() {
		case 0:
			return e, unclosed
		case closer:
			p.pos++
			return e, nil
		case ',':
			p.pos++
		default:
			return e, p.fail("expected ',' or %q in entry %s, found %s (is a comma or a closing brace missing?)", closer, e.key, p.found())
		}
		p.skipSpace()
		switch p.peek() {
		case 0:
			return e, unclosed
		case closer:
			p.pos++
			return e, nil
		}
		name := strings.ToLower(p.ident())
		if name == "" {
			return e, p.fail("expected a field name in entry %s, found %s", e.key, p.found())
		}
		if err := p.expect('=', "after the field name "+name+" in entry "+e.key); err != nil {
			return e, err
		}
		v, err := p.value()
		if err != nil {
			return e, err
		}
		if _, ok := e.fields[name]; !ok {
			e.fields[name] = v
		}
	}
}

// value reads a field value: pieces joined with #.
func (p *bibParser) value() (string, *bibError) {
	var b strings.Builder
	for {
		p.skipSpace()
		switch c := p.peek(); {
		case c == '{':
			s, err := p.group()
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		case c == '"':
			s, err := p.quoted()
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		case '0' <= c && c <= '9':
			start := p.pos
			for p.pos < len(p.src) && '0' <= p.src[p.pos] && p.src[p.pos] <= '9' {
				p.pos++
			}
			b.WriteString(p.src[start:p.pos])
		case isLetter(c):
			start := p.pos
			name := strings.ToLower(p.ident())
			v, ok := p.macros[name]
			if !ok {
				p.pos = start
				return "", p.fail("%q is not a defined @string name (a text value goes in {braces} or \"quotes\")", name)
			}
			b.WriteString(v)
		default:
			return "", p.fail("expected a value ({text}, \"text\", a number or a @string name), found %s", p.found())
		}
		p.skipSpace()
		if p.peek() != '#' {
			return b.String(), nil
		}
		p.pos++
	}
}

// group reads a balanced {...} or (...) at pos and returns what is inside.
func (p *bibParser) group() (string, *bibError) {
	open, start := p.src[p.pos], p.pos
	closer := byte('}')
	if open == '(' {
		closer = ')'
	}
	depth := 0
	for i := p.pos; i < len(p.src); i++ {
		switch p.src[i] {
		case open:
			depth++
		case closer:
			depth--
			if depth == 0 {
				p.pos = i + 1
				return p.src[start+1 : i], nil
			}
		}
	}
	return "", &bibError{pos: start, reason: fmt.Sprintf("this %q is never closed", open)}
}

// quoted reads a "..." value; braces inside it must balance, and a quote
// inside braces does not end it.
func (p *bibParser) quoted() (string, *bibError) {
	start := p.pos
	depth := 0
	for i := p.pos + 1; i < len(p.src); i++ {
		switch p.src[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth < 0 {
				return "", &bibError{pos: i, reason: "a '}' closes no '{' in this quoted value"}
			}
		case '"':
			if depth == 0 {
				p.pos = i + 1
				return p.src[start+1 : i], nil
			}
		}
	}
	return "", &bibError{pos: start, reason: "this quoted value is never closed"}
}
