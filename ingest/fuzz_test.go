package ingest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/paperhound/paperhound"
)

// FuzzReadPapers checks that no input panics, that what comes out is fit to
// store, and that in JSON Lines each line yields exactly one of: a paper, a
// problem, or nothing because it is blank (warnings come with a paper).
func FuzzReadPapers(f *testing.F) {
	for _, seed := range []string{
		`{"id": "2407.18121", "title": "T", "authors": ["A"], "published": "2024-07-25", "upvotes": 2}`,
		`{"id": "a1", "title": "T"}` + "\r\n\r\n" + `{"id": "a2"}` + "\n[1]\n",
		"\uFEFF" + `{"id": "a1", "title": "T", "published": "2024-13-45"}`,
		oneLine(hfItemJSON),
		"[\n" + hfItemJSON + ",\n42, {\"paper\": 1}\n]",
		"[" + `{"id": "a1", "title": "T"}`,
		arxivSample,
		`{"id":"1","title":"T","authors":"G\\\"odel and {\\v S}koda","update_date":"2020-01-01"}`,
		"{\"id\": \"a\xff\", \"title\": \"T\"}\n\n  \n",
		"\x00\x01binary",
		"",
		"\n\n",
		`{"id": "a1", "title": "T"} trailing`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// An array's elements may share a line; JSON Lines records may not.
		text := bytes.TrimPrefix(data, utf8BOM)
		head := bytes.TrimLeft(bytes.TrimPrefix(data[:min(len(data), sniffBytes)], utf8BOM), " \t\r\n")
		array := len(head) > 0 && head[0] == '['
		lines := map[int]string{} // line -> "paper" or "problem"
		wholeFile := false
		seen := func(line int, what string) {
			if prev, ok := lines[line]; ok && !array {
				t.Fatalf("line %d gave a %s after a %s", line, what, prev)
			}
			lines[line] = what
		}
		err := ReadPapers(context.Background(), bytes.NewReader(data), "fuzz",
			func(line int, p paperhound.Paper) error {
				seen(line, "paper")
				switch {
				case p.ID == "" || len(p.ID) > MaxIDBytes || strings.ContainsAny(p.ID, " \t\r\n"):
					t.Errorf("line %d: bad id %q", line, p.ID)
				case p.Title == "" || p.Title != strings.TrimSpace(p.Title) || utf8.RuneCountInString(p.Title) > MaxTitleChars:
					t.Errorf("line %d: bad title %q", line, p.Title)
				case !utf8.ValidString(p.Title + p.Abstract + strings.Join(p.Authors, "")):
					t.Errorf("line %d: not UTF-8", line)
				case strings.ContainsFunc(p.Title+p.Abstract+strings.Join(p.Authors, ""), isControl):
					t.Errorf("line %d: control characters left in %s", line, show(p))
				}
				return nil
			},
			func(p Problem) error {
				if p.Reason == "" {
					t.Errorf("line %d: empty reason", p.Line)
				}
				if p.Warning {
					return nil // the record is also a paper
				}
				if p.Line == 0 {
					wholeFile = true
					return nil
				}
				seen(p.Line, "problem")
				return nil
			})
		if err != nil {
			t.Fatalf("ReadPapers: %v", err)
		}
		if wholeFile {
			if len(lines) > 0 {
				t.Fatalf("a whole-file problem and %d lines of results", len(lines))
			}
			return
		}
		if array {
			return // records span lines: checked for panics and contents only
		}
		all := bytes.Split(text, []byte("\n"))
		if len(all) > 0 && len(all[len(all)-1]) == 0 {
			all = all[:len(all)-1] // the final newline ends the last line
		}
		for i, line := range all {
			_, got := lines[i+1]
			blank := len(bytes.Trim(line, " \t\r")) == 0
			if got == blank {
				t.Errorf("line %d (%q): result %v, blank %v", i+1, line, got, blank)
			}
		}
		for line := range lines {
			if line > len(all) {
				t.Errorf("a result for line %d of %d", line, len(all))
			}
		}
	})
}
