package ingest

import (
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"strings"
	"time"
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
// that is not one, and each warning about a paper that is kept: a field
// dropped, or an id already read from an earlier line of the file (the later
// line wins, as it would stored in turn). Either may return an error to stop
// reading, and reject may be nil. Titles and abstracts come back with
// whitespace collapsed. The error returned is only for what stops reading:
// ctx done, or an error from emit or reject.
func ReadPapers(ctx context.Context, r io.Reader, name string, emit func(line int, p paperhound.Paper) error, reject func(Problem) error) error {
	s := newScanner(ctx, name, nil, emit, reject)
	var warning string // of the record last decoded
	s.decode = func(raw []byte) (p paperhound.Paper, reason string) {
		p, reason, warning = decodePaper(raw)
		return p, reason
	}
	// Ids are remembered by their 8-byte hash, to stay small on a whole
	// arXiv dump.
	seen := map[uint64]int{}
	warnEmit := func(line int, p paperhound.Paper) error {
		warn := func(reason string) error {
			return s.reject(Problem{File: name, Line: line, Reason: reason, Warning: true})
		}
		if warning != "" {
			if err := warn(warning); err != nil {
				return err
			}
		}
		h := maphash.String(idSeed, p.ID)
		if first, ok := seen[h]; ok {
			if err := warn(fmt.Sprintf("id %q is also on line %d: this line replaces it", p.ID, first)); err != nil {
				return err
			}
		} else {
			seen[h] = line
		}
		return emit(line, p)
	}
	s.emit, s.wrongKind = warnEmit, votesNotPapers
	return s.read(r)
}

var idSeed = maphash.MakeSeed()

// decodePaper reads one record of any paper format. warning names a field
// dropped from a paper that is otherwise fine.
func decodePaper(raw []byte) (p paperhound.Paper, reason, warning string) {
	o, reason := parseObject(raw)
	if reason != "" {
		return paperhound.Paper{}, reason, ""
	}
	switch {
	case looksLikeVote(o):
		return paperhound.Paper{}, votesReason, ""
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
		return paperhound.Paper{}, reason, ""
	}
	if reason, warning = CheckPaper(&p); reason != "" {
		return paperhound.Paper{}, reason, ""
	}
	return p, "", warning
}

// CheckPaper tidies p in place and says what makes it unfit to store
// (reason), or what was dropped from it (warning): the rules every format
// read here meets, for papers read elsewhere too (paperhound sync).
func CheckPaper(p *paperhound.Paper) (reason, warning string) {
	if reason := checkPaper(p); reason != "" {
		return reason, ""
	}
	return "", checkURL(p)
}

const votesReason = "this looks like votes (user, paper), not papers: load them with `paperhound ingest --upvotes`"

// looksLikeVote is a record of a votes file: "paper" names a paper by id
// where a daily papers item has an object.
func looksLikeVote(o *object) bool {
	raw, ok := o.get("paper")
	return ok && raw[0] == '"' && o.has("user")
}

// votesNotPapers rejects a whole file of votes at its first record.
func votesNotPapers(raw []byte) string {
	if o, reason := parseObject(raw); reason == "" && looksLikeVote(o) {
		return votesReason
	}
	return ""
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
		DOI:        paperhound.CleanDOI(o.str("doi")),
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

// date reads a day: YYYY-MM-DD, an RFC 3339 time (with or without its
// zone, with a space for the T), or a Unix time in milliseconds, as JSON
// exports of the Hugging Face API write publishedAt. Absent is the
// zero Date.
func date(o *object, key string) paperhound.Date {
	raw, ok := o.get(key)
	if !ok {
		return paperhound.Date{}
	}
	// Milliseconds only: a number like 20240725 is no Unix time.
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil && n >= 1e11 {
		return o.day(key, string(raw), time.UnixMilli(n))
	}
	s := strings.TrimSpace(o.str(key))
	if s == "" {
		return paperhound.Date{}
	}
	d, err := paperhound.ParseDate(s)
	if err == nil {
		return o.day(key, s, d.Time)
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, strings.Replace(s, " ", "T", 1)); err == nil {
			return o.day(key, s, t)
		}
	}
	o.fail("%s", err)
	return paperhound.Date{}
}

// earliestYear is the first year a published day may have: older ones are
// typing errors, or a zero time written out (0001-01-01).
const earliestYear = 1900

// day is the day of t, or fails when no paper can have been published then.
// A day ahead of UTC's today is allowed, for time zones.
func (o *object) day(key, text string, t time.Time) paperhound.Date {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	now := time.Now().UTC()
	latest := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	switch {
	case d.Year() < earliestYear:
		o.fail("%s is %s, before %d: leave it out when the day is not known", o.field(key), text, earliestYear)
		return paperhound.Date{}
	case d.After(latest):
		o.fail("%s is %s, a day not yet come", o.field(key), text)
		return paperhound.Date{}
	}
	return paperhound.Date{Time: d}
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
	case id == "." || id == "..":
		return fmt.Sprintf("%q cannot be %q: it would be a path in the paper's links", field, id)
	case len(id) > MaxIDBytes:
		return fmt.Sprintf("%q is %d bytes, over the %d-byte limit", field, len(id), MaxIDBytes)
	case strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Sprintf("%q has whitespace or control characters inside: %q", field, id)
	}
	return ""
}

// checkURL drops p.URL unless it is an http or https link, and says so:
// the link goes into pages and feeds, where "javascript:" would run.
func checkURL(p *paperhound.Paper) string {
	if p.URL == "" || p.Link() != "" {
		return ""
	}
	bad := p.URL
	p.URL = ""
	return fmt.Sprintf(`"url" %.80q is not an http or https link: the paper is kept without it`, bad)
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
