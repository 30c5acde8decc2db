package ingest

import (
	"context"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paperhound/paperhound"
)

// ReadPapers streams the papers of r, a file called name in problems. It
// tells the format from the content, record by record:
//
//   - paperhound JSON Lines, one paper a line:
//     {"id": "2407.18121", "title": "...", "abstract": "...", "authors": ["..."],
//     "published": "2024-07-25", "url": "...", "categories": ["cs.CL"], "upvotes": 2};
//   - the Hugging Face daily papers API (https://huggingface.co/api/daily_papers):
//     a JSON array of {"paper": {...}, ...} items (or several arrays, one after
//     the other), the same items one a line, or bare paper objects;
//   - the arXiv metadata snapshot (Kaggle's arxiv-metadata-oai-snapshot.json),
//     one record a line.
//
// emit gets each valid paper with the line it starts on, reject each record
// that is not one; either may return an error to stop reading, and reject may
// be nil. Titles and abstracts come back with whitespace collapsed. The error
// returned is only for what stops the whole file: a read error, ctx done, or
// an error from emit or reject.
func ReadPapers(ctx context.Context, r io.Reader, name string, emit func(line int, p paperhound.Paper) error, reject func(Problem) error) error {
	return readRecords(ctx, r, name, decodePaper, emit, reject)
}

// decodePaper reads one record of any paper format.
func decodePaper(raw []byte) (paperhound.Paper, string) {
	o, reason := parseObject(raw)
	if reason != "" {
		return paperhound.Paper{}, reason
	}
	var p paperhound.Paper
	switch {
	case o.has("paper"): // a daily papers item
		p = hfItem(o)
	case o.has("summary"), o.has("publishedAt"), o.has("discussionId"): // a bare HF paper
		p = hfPaper(o, nil)
	case o.has("authors_parsed"), o.has("versions"), o.has("update_date"), o.has("submitter"):
		p = arxivRecord(o)
	default:
		p = nativePaper(o)
	}
	if reason := o.problem(); reason != "" {
		return paperhound.Paper{}, reason
	}
	return p, checkPaper(&p)
}

// nativePaper reads paperhound's own format; see ReadPapers.
func nativePaper(o *object) paperhound.Paper {
	p := paperhound.Paper{
		ID:         o.str("id"),
		Title:      o.str("title"),
		Abstract:   o.str("abstract"),
		Authors:    o.strs("authors"),
		URL:        strings.TrimSpace(dropControl(o.str("url"))),
		Categories: o.strs("categories"),
	}
	p.Published = date(o, "published")
	if n, ok := o.integer("upvotes"); ok {
		if n < 0 {
			o.fail(`"upvotes" must be 0 or more, got %d`, n)
		}
		p.Upvotes = n
	}
	return p
}

// date reads a YYYY-MM-DD or RFC 3339 field; absent is the zero Date.
func date(o *object, key string) paperhound.Date {
	s := o.str(key)
	d, err := paperhound.ParseDate(s)
	if err != nil {
		o.fail("%s", err)
	}
	return d
}

// checkPaper tidies p in place and says what makes it unfit to store, if
// anything. All formats end here, so the rules are the same for each.
func checkPaper(p *paperhound.Paper) string {
	p.ID = strings.TrimSpace(p.ID)
	p.Title = collapse(p.Title)
	p.Abstract = collapse(p.Abstract)
	p.Authors = tidyList(p.Authors)
	p.Categories = tidyList(p.Categories)
	if reason := checkID("id", p.ID); reason != "" {
		return reason
	}
	switch n := utf8.RuneCountInString(p.Title); {
	case n == 0:
		return `missing "title"`
	case n > MaxTitleChars:
		return fmt.Sprintf(`"title" is %d characters, over the %d-character limit`, n, MaxTitleChars)
	}
	if n := utf8.RuneCountInString(p.Abstract); n > MaxAbstractChars {
		return fmt.Sprintf(`"abstract" is %d characters, over the %d-character limit`, n, MaxAbstractChars)
	}
	return ""
}

// checkID vets an identifier: ids end up in URLs, keys and logs, so they hold
// no whitespace or control characters and stay short.
func checkID(field, id string) string {
	switch {
	case id == "":
		return fmt.Sprintf("missing %q", field)
	case len(id) > MaxIDBytes:
		return fmt.Sprintf("%q is %d bytes, over the %d-byte limit", field, len(id), MaxIDBytes)
	case strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Sprintf("%q has whitespace or control characters inside: %q", field, id)
	}
	return ""
}

// collapse trims s and turns each run of whitespace, newlines included, into
// one space: sources wrap titles and abstracts at arbitrary columns. Other
// control characters go: PostgreSQL text cannot even hold a NUL.
func collapse(s string) string {
	if s == "" {
		return ""
	}
	return strings.Join(strings.Fields(dropControl(s)), " ")
}

func dropControl(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, s)
}

// isControl is a control character that is not whitespace.
func isControl(r rune) bool { return unicode.IsControl(r) && !unicode.IsSpace(r) }

// tidyList collapses each item and drops the empty ones; nil when none is left.
func tidyList(items []string) paperhound.Strings {
	var out paperhound.Strings
	for _, s := range items {
		if s = collapse(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
