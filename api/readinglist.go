package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/ingest"
	"github.com/paperhound/paperhound/recommend"
)

// Onboarding from a reading list: POST /v1/users/{user}/reading-list
// (actingFor) takes a BibTeX file or a list of arXiv ids, links and DOIs
// (ingest.ReadReadingList), finds the papers it names and upvotes them, so
// that a new user's first feed already knows what they read. The web page
// (/me) does the same through ImportReadingList.

// MaxReadingList bounds a reading list: a BibTeX file of some thousands of
// entries.
const MaxReadingList = 4 << 20

// ReadingListReport says what a reading list's import did, entry by entry.
type ReadingListReport struct {
	Format    string           `json:"format"` // "bibtex" or "list"
	DryRun    bool             `json:"dry_run"`
	Entries   int              `json:"entries"`
	Upvoted   int              `json:"upvoted"` // new upvotes: papers matched and not upvoted before
	Matched   []MatchedEntry   `json:"matched"`
	Unmatched []UnmatchedEntry `json:"unmatched"`
}

// MatchedEntry is an entry and the paper it names.
type MatchedEntry struct {
	Line  int    `json:"line"`
	Key   string `json:"key,omitempty"` // the BibTeX citation key
	Entry string `json:"entry"`         // the list's line, or the BibTeX entry's title ("" without one)
	Paper string `json:"paper"`
	Title string `json:"title"` // the paper's
	By    string `json:"by"`    // "arxiv", "doi" or "title"
}

// UnmatchedEntry is an entry that names no stored paper, and why.
type UnmatchedEntry struct {
	Line   int    `json:"line"`
	Key    string `json:"key,omitempty"`
	Entry  string `json:"entry"`
	Reason string `json:"reason"`
}

// ImportReadingList reads data as a reading list (ingest.ReadReadingList),
// finds the stored paper each entry names, by arXiv id, then DOI, then
// title (paperhound.TitleKey), and upvotes them all for user in one go
// (recommend.Engine.UpvoteAll); with dryRun it only reports. A DOI or a
// title that several papers share matches none of them. A list that
// cannot be read is an *ingest.ListError and upvotes nothing.
func ImportReadingList(ctx context.Context, engine *recommend.Engine, user string, data []byte, dryRun bool) (ReadingListReport, error) {
	list, err := ingest.ReadReadingList(data)
	if err != nil {
		return ReadingListReport{}, err
	}
	if len(list.Entries) == 0 {
		return ReadingListReport{}, fmt.Errorf("%w: the reading list names no papers: send a BibTeX file, or arXiv ids, arXiv links or DOIs one a line", paperhound.ErrInvalid)
	}
	var ids, dois, titles []string
	for _, e := range list.Entries {
		ids, dois, titles = appendNonEmpty(ids, e.ArXiv), appendNonEmpty(dois, e.DOI), appendNonEmpty(titles, e.Title)
	}
	store := engine.Store()
	byID, err := store.Papers(ctx, ids)
	if err != nil {
		return ReadingListReport{}, err
	}
	byDOI, err := store.PapersByDOI(ctx, dois)
	if err != nil {
		return ReadingListReport{}, err
	}
	byTitle, err := store.PapersByTitle(ctx, titles)
	if err != nil {
		return ReadingListReport{}, err
	}

	report := ReadingListReport{Format: list.Format, DryRun: dryRun, Entries: len(list.Entries),
		Matched: []MatchedEntry{}, Unmatched: []UnmatchedEntry{}}
	var matched []string
	for _, e := range list.Entries {
		entry := cmp.Or(e.Text, e.Title)
		paper, by, reason := matchEntry(e, byID, byDOI, byTitle)
		if paper == "" {
			report.Unmatched = append(report.Unmatched, UnmatchedEntry{Line: e.Line, Key: e.Key, Entry: entry, Reason: reason})
			continue
		}
		matched = append(matched, paper)
		report.Matched = append(report.Matched, MatchedEntry{Line: e.Line, Key: e.Key, Entry: entry, Paper: paper, By: by})
	}
	// Papers found by DOI or title still need their titles for the report.
	var untitled []string
	for _, id := range matched {
		if _, ok := byID[id]; !ok {
			untitled = append(untitled, id)
		}
	}
	more, err := store.Papers(ctx, untitled)
	if err != nil {
		return ReadingListReport{}, err
	}
	maps.Copy(byID, more)
	for i := range report.Matched {
		report.Matched[i].Title = byID[report.Matched[i].Paper].Title
	}
	if len(matched) > 0 {
		if report.Upvoted, err = engine.UpvoteAll(ctx, user, matched, dryRun); err != nil {
			return ReadingListReport{}, err
		}
	}
	return report, nil
}

// matchEntry finds the paper e names: its id and how it was found, or ""
// and why not.
func matchEntry(e ingest.ListEntry, byID map[string]paperhound.Paper, byDOI, byTitle map[string][]string) (paper, by, reason string) {
	if e.Unusable != "" {
		return "", "", e.Unusable
	}
	if _, ok := byID[e.ArXiv]; ok && e.ArXiv != "" {
		return e.ArXiv, "arxiv", ""
	}
	var tried []string
	if e.ArXiv != "" {
		tried = append(tried, "the arXiv id "+e.ArXiv)
	}
	for _, by := range []struct {
		name, value, what string
		found             map[string][]string
	}{{"doi", e.DOI, "the DOI " + e.DOI, byDOI}, {"title", e.Title, "this title", byTitle}} {
		if by.value == "" {
			continue
		}
		switch found := by.found[by.value]; len(found) {
		case 0:
			tried = append(tried, by.what)
		case 1:
			return found[0], by.name, ""
		default:
			return "", "", fmt.Sprintf("%d papers have %s (%s): name the one you mean by its id", len(found), by.what, strings.Join(found, ", "))
		}
	}
	return "", "", "no stored paper has " + strings.Join(tried, " or ")
}

func appendNonEmpty(list []string, s string) []string {
	if s == "" {
		return list
	}
	return append(list, s)
}

// importReadingList answers POST /v1/users/{user}/reading-list: the body
// is the reading list as text (text/plain, application/x-bibtex, ...), or
// a multipart/form-data form with the list in its "file" upload or its
// "list" field. ?dry_run=true reports without upvoting. 200 with the
// report; 400 with every line's error when the list cannot be read, and
// nothing upvoted; 413 over MaxReadingList.
func (s *Server) importReadingList(w http.ResponseWriter, r *http.Request) {
	dryRun, err := parseBool(r.URL.Query().Get("dry_run"))
	if err != nil {
		problem(w, r, http.StatusBadRequest, "dry_run "+err.Error())
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxReadingList)
	var data []byte
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		data, err = ReadingListForm(r)
	} else {
		data, err = io.ReadAll(r.Body)
	}
	if errors.As(err, new(*http.MaxBytesError)) {
		problem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the reading list is over %d bytes: send it in parts", MaxReadingList))
		return
	}
	if err != nil {
		problem(w, r, http.StatusBadRequest, "read the reading list: "+err.Error())
		return
	}
	report, err := ImportReadingList(r.Context(), s.engine, r.PathValue("user"), data, dryRun)
	var le *ingest.ListError
	if errors.As(err, &le) {
		lines := make([]lineJSON, len(le.Lines))
		for i, l := range le.Lines {
			lines[i] = lineJSON{Line: l.Line, Reason: l.Reason}
		}
		problemWith(w, r, http.StatusBadRequest, le.Error()+"; nothing was upvoted", map[string]any{"errors": lines})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, report)
}

// parseBool reads a yes-or-no parameter: "" is no.
func parseBool(s string) (bool, error) {
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("must be true or false, got %q", s)
	}
	return b, nil
}

// ReadingListForm reads the reading list of a multipart/form-data form:
// its "file" upload or its "list" text, not both. r.Body should be
// limited (http.MaxBytesReader) first; an error over the limit is an
// *http.MaxBytesError.
func ReadingListForm(r *http.Request) ([]byte, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return nil, err
	}
	text := strings.TrimSpace(r.PostFormValue("list"))
	var data []byte
	f, _, err := r.FormFile("file")
	switch {
	case errors.Is(err, http.ErrMissingFile):
		// No file chosen: a browser sends the part without a file name.
	case err != nil:
		return nil, err
	default:
		defer f.Close()
		if data, err = io.ReadAll(f); err != nil {
			return nil, err
		}
	}
	switch {
	case len(data) > 0 && text != "":
		return nil, fmt.Errorf("%w: the form has both a file and a pasted list: send one", paperhound.ErrInvalid)
	case len(data) > 0:
		return data, nil
	case text != "":
		return []byte(text), nil
	}
	return nil, fmt.Errorf("%w: the form has neither a file (\"file\", not empty) nor a pasted list (\"list\")", paperhound.ErrInvalid)
}
