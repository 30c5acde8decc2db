package ingest

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/paperhound/paperhound"
)

// A reading list names papers a user has read: a BibTeX file, or a list of
// arXiv ids, arXiv links and DOIs one a line. ReadReadingList turns it into
// entries, each with what it names a paper by; finding the papers is the
// caller's business.

// ListEntry is one paper a reading list names, by arXiv id, DOI or title
// (as many as it gives; the caller tries them in that order).
type ListEntry struct {
	Line  int    // where the entry starts, 1-based
	Key   string // the BibTeX citation key; "" in a list
	Text  string // the list's line as written; "" in BibTeX
	ArXiv string // the arXiv id without its version: "1706.03762", "hep-th/9901001"
	DOI   string // bare and lower-cased, as paperhound.CleanDOI makes it
	Title string // as plain text (paperhound.PlainTeX)
	// Unusable says why the entry names no paper in a way we can look up;
	// "" when it does.
	Unusable string
}

// ReadingList is a parsed reading list.
type ReadingList struct {
	Format  string // "bibtex" or "list"
	Entries []ListEntry
}

// LineError is what is wrong on a line of a reading list.
type LineError struct {
	Line   int
	Reason string
}

func (e LineError) Error() string { return fmt.Sprintf("%d: %s", e.Line, e.Reason) }

// ListError is a reading list that cannot be read, with every line found
// wrong. It is paperhound.ErrInvalid.
type ListError struct{ Lines []LineError }

func (e *ListError) Error() string {
	msgs := make([]string, len(e.Lines))
	for i, l := range e.Lines {
		msgs[i] = l.Error()
	}
	return "the reading list cannot be read: " + strings.Join(msgs, "; ")
}

func (e *ListError) Unwrap() error { return paperhound.ErrInvalid }

// bibStart tells BibTeX from a list: an entry's "@type{".
var bibStart = regexp.MustCompile(`@[A-Za-z]+[ \t]*[{(]`)

// ReadReadingList reads a reading list, BibTeX when it holds an entry's
// "@type{", else a list. A list has one arXiv id ("1706.03762",
// "arXiv:1706.03762v2", "hep-th/9901001"), arXiv link (abs, pdf or html),
// DOI ("10.1000/x", "doi:10.1000/x", a doi.org link) or title a line,
// anything after the id or link's first white space ignored; blank lines
// and lines starting with # or % are skipped. A BibTeX entry names its
// paper by eprint (an arXiv one: archivePrefix or eprinttype arXiv, or
// none), an arXiv link or "arXiv:ID" in url, howpublished, note or journal,
// doi (or a doi.org link in url), and title. A file that is not UTF-8 text
// or, in BibTeX, breaks its syntax is a *ListError and no entries: a list
// half read would be a reading list half imported.
func ReadReadingList(data []byte) (ReadingList, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return ReadingList{}, &ListError{[]LineError{{Line: 1 + bytes.Count(data[:i], []byte("\n")), Reason: "binary data (a NUL byte): send the list or the .bib file as text"}}}
	}
	if !utf8.Valid(data) {
		line := 1
		for len(data) > 0 {
			r, n := utf8.DecodeRune(data)
			if r == utf8.RuneError && n == 1 {
				break
			}
			if r == '\n' {
				line++
			}
			data = data[n:]
		}
		return ReadingList{}, &ListError{[]LineError{{Line: line, Reason: "not UTF-8 text: save the file as UTF-8"}}}
	}
	src := string(data)
	if bibStart.MatchString(src) {
		entries, errs := parseBibTeX(src)
		if len(errs) > 0 {
			return ReadingList{}, &ListError{errs}
		}
		list := ReadingList{Format: "bibtex", Entries: make([]ListEntry, len(entries))}
		for i, e := range entries {
			list.Entries[i] = bibListEntry(e)
		}
		return list, nil
	}
	list := ReadingList{Format: "list"}
	for i, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '%' {
			continue
		}
		list.Entries = append(list.Entries, listLine(i+1, line))
	}
	return list, nil
}

// arXiv ids, new ("1706.03762", four digits after the dot until 2014) and
// old ("hep-th/9901001", "math.GT/0309136"), with an optional version.
const arxivID = `(\d{4}\.\d{4,5}|[a-zA-Z][a-zA-Z-]*(?:\.[a-zA-Z]{2})?/\d{7})(?:v\d+)?`

var (
	bareArXiv = regexp.MustCompile(`^(?i:arxiv:\s*)?` + arxivID + `$`)
	// arxivLink finds a link to an arXiv paper anywhere in a text.
	arxivLink = regexp.MustCompile(`(?i:arxiv\.org/(?:abs|pdf|html)/)` + arxivID)
	// arxivCited finds "arXiv:ID" in a text ("arXiv preprint arXiv:1706.03762").
	arxivCited = regexp.MustCompile(`(?i:\barxiv:\s*)` + arxivID + `\b`)
)

// canonicalArXiv is the id an arXiv paper is stored under: no version, and
// for an old id the archive in lower case without its subject class
// ("math.GT/0309136" is "math/0309136").
func canonicalArXiv(id string) string {
	archive, number, old := strings.Cut(id, "/")
	if !old {
		return id
	}
	archive, _, _ = strings.Cut(strings.ToLower(archive), ".")
	return archive + "/" + number
}

// arxivFrom finds an arXiv id in s: s itself, a link or "arXiv:ID".
func arxivFrom(s string) string {
	for _, re := range []*regexp.Regexp{bareArXiv, arxivLink, arxivCited} {
		if m := re.FindStringSubmatch(s); m != nil {
			return canonicalArXiv(m[1])
		}
	}
	return ""
}

// arxivDOI is the prefix of the DOIs arXiv gives its papers
// ("10.48550/arXiv.1706.03762"), which name the arXiv id.
const arxivDOI = "10.48550/arxiv."

// setDOI sets e's DOI, and its arXiv id too when the DOI is arXiv's own.
func (e *ListEntry) setDOI(doi string) {
	e.DOI = doi
	if id, ok := strings.CutPrefix(doi, arxivDOI); ok && e.ArXiv == "" {
		e.ArXiv = arxivFrom(id)
	}
}

// listLine reads one line of a list.
func listLine(n int, line string) ListEntry {
	e := ListEntry{Line: n, Text: line}
	first, _, _ := strings.Cut(line, " ")
	first, _, _ = strings.Cut(first, "\t")
	isLink := strings.Contains(first, "://") || strings.HasPrefix(strings.ToLower(first), "www.")
	switch {
	case bareArXiv.MatchString(first):
		e.ArXiv = arxivFrom(first)
	case isLink && arxivLink.MatchString(first):
		e.ArXiv = arxivFrom(first)
	case paperhound.CleanDOI(first) != "":
		e.setDOI(paperhound.CleanDOI(first))
	case isLink:
		e.Unusable = "a link to neither an arXiv paper (arxiv.org/abs/ID) nor a DOI (doi.org/...)"
	default:
		e.Title = paperhound.PlainTeX(line)
	}
	return e
}

// bibListEntry reads what names a paper in a BibTeX entry.
func bibListEntry(b bibEntry) ListEntry {
	e := ListEntry{Line: b.line, Key: b.key}
	field := func(name string) string { return paperhound.PlainTeX(b.fields[name]) }
	prefix := strings.ToLower(field("archiveprefix") + field("eprinttype"))
	if eprint := field("eprint"); eprint != "" && (prefix == "" || prefix == "arxiv") {
		e.ArXiv = arxivFrom(eprint)
	}
	for _, name := range []string{"arxiv", "arxivid", "url", "howpublished", "note", "journal"} {
		if e.ArXiv == "" {
			e.ArXiv = arxivFrom(field(name))
		}
	}
	doi := paperhound.CleanDOI(field("doi"))
	if url := field("url"); doi == "" && strings.Contains(strings.ToLower(url), "doi.org/") {
		doi = paperhound.CleanDOI(url)
	}
	e.setDOI(doi)
	e.Title = field("title")
	if e.ArXiv == "" && e.DOI == "" && e.Title == "" {
		e.Unusable = "no arXiv eprint or link, DOI or title"
	}
	return e
}
