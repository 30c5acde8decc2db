package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
)

// show prints a paper on one line, so a test failure shows what differs.
func show(p paperhound.Paper) string {
	s := fmt.Sprintf("%s | %s | %s | %s | %s | %s | %s | %d",
		p.ID, p.Title, p.Abstract, strings.Join(p.Authors, "; "), p.Published,
		p.URL, strings.Join(p.Categories, " "), p.Upvotes)
	if p.DOI != "" {
		s += " | doi " + p.DOI
	}
	return s
}

// readPapers reads input and returns each paper as "LINE: show(p)" and each
// problem as its Error text.
func readPapers(t *testing.T, input string) (papers, problems []string) {
	t.Helper()
	err := ReadPapers(context.Background(), strings.NewReader(input), "x.jsonl",
		func(line int, p paperhound.Paper) error {
			papers = append(papers, fmt.Sprintf("%d: %s", line, show(p)))
			return nil
		},
		func(p Problem) error {
			problems = append(problems, p.Error())
			return nil
		})
	if err != nil {
		t.Fatalf("ReadPapers: %v", err)
	}
	return papers, problems
}

// readCase is one input to ReadPapers and what must come of it.
type readCase struct {
	name     string
	input    string
	papers   []string // "LINE: show(p)"
	problems []string // Problem.Error()
}

func runReadCases(t *testing.T, tests []readCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			papers, problems := readPapers(t, tt.input)
			check(t, "papers", papers, tt.papers)
			check(t, "problems", problems, tt.problems)
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func check(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !equal(got, want) {
		t.Errorf("%s:\ngot  %q\nwant %q", what, got, want)
	}
}

func TestReadPapersNative(t *testing.T) {
	good := `{"id": "2407.18121", "title": "Elastic Cache", "published": "2024-07-25"}`
	tests := []readCase{{
		name: "every field",
		input: `{"id": " 2407.18121 ", "title": "Efficient  Inference\n  of Vision", "abstract": "  In the field\n of LVLMs. ",` +
			` "authors": ["Zuyan  Liu", "", "Benlin Liu"], "published": "2024-07-25", "url": "https://arxiv.org/abs/2407.18121",` +
			` "categories": ["cs.CV", "cs.CL"], "upvotes": 2, "extra": {"ignored": true}}`,
		papers: []string{"1: 2407.18121 | Efficient Inference of Vision | In the field of LVLMs. | Zuyan Liu; Benlin Liu | 2024-07-25 | https://arxiv.org/abs/2407.18121 | cs.CV cs.CL | 2"},
	}, {
		name:   "only id and title; nulls are absent",
		input:  `{"id": "a1", "title": "T", "abstract": null, "authors": null, "published": null, "upvotes": null}`,
		papers: []string{"1: a1 | T |  |  |  |  |  | 0"},
	}, {
		name:   "RFC 3339 published keeps the day",
		input:  `{"id": "a1", "title": "T", "published": "2024-07-25T23:30:00-02:00"}`,
		papers: []string{"1: a1 | T |  |  | 2024-07-25 |  |  | 0"},
	}, {
		name:   "upvotes written as 3.0",
		input:  `{"id": "a1", "title": "T", "upvotes": 3.0}`,
		papers: []string{"1: a1 | T |  |  |  |  |  | 3"},
	}, {
		name:   "BOM, CRLF, blank lines and a last line without newline",
		input:  "\uFEFF" + good + "\r\n\r\n   \n\t\n" + strings.Replace(good, "2407.18121", "b2", 1),
		papers: []string{"1: 2407.18121 | Elastic Cache |  |  | 2024-07-25 |  |  | 0", "5: b2 | Elastic Cache |  |  | 2024-07-25 |  |  | 0"},
	}, {
		name:   "control characters are dropped, NUL included",
		input:  `{"id": "a1", "title": "Bell\u0007 and\u0000 NUL", "abstract": "x\u001by", "authors": ["\u0000"], "url": "http://x/\u0000"}`,
		papers: []string{"1: a1 | Bell and NUL | xy |  |  | http://x/ |  | 0"},
	}, {
		name:     "control character in the id",
		input:    `{"id": "a\u00001", "title": "T"}`,
		problems: []string{`x.jsonl:1: "id" has whitespace or control characters inside: "a\x001"`},
	}, {
		name:     "truncated JSON",
		input:    `{"id": "a1", "title": "T"` + "\n" + good,
		papers:   []string{"2: 2407.18121 | Elastic Cache |  |  | 2024-07-25 |  |  | 0"},
		problems: []string{"x.jsonl:1: invalid JSON: unexpected end of input"},
	}, {
		name:     "not JSON at all",
		input:    "id,title\n",
		problems: []string{`x.jsonl: not JSON Lines or a JSON array: starts with "id,title"`},
	}, {
		name:     "trailing comma",
		input:    `{"id": "a1", "title": "T",}`,
		problems: []string{`x.jsonl:1: invalid JSON: invalid character '}' looking for beginning of object key string (at byte 27)`},
	}, {
		name:     "two objects on one line",
		input:    `{"id": "a1", "title": "T"} {"id": "a2", "title": "T"}`,
		problems: []string{`x.jsonl:1: invalid JSON: invalid character '{' after top-level value (at byte 28)`},
	}, {
		name:     "a list where an object should be",
		input:    good + "\n[1, 2]\n\"a string\"\nnull\n",
		papers:   []string{"1: 2407.18121 | Elastic Cache |  |  | 2024-07-25 |  |  | 0"},
		problems: []string{"x.jsonl:2: want a JSON object, got a list", "x.jsonl:3: want a JSON object, got a string", "x.jsonl:4: want a JSON object, got null"},
	}, {
		name:     "missing id",
		input:    `{"title": "T"}`,
		problems: []string{`x.jsonl:1: missing "id"`},
	}, {
		name:     "blank id",
		input:    `{"id": "  ", "title": "T"}`,
		problems: []string{`x.jsonl:1: missing "id"`},
	}, {
		name:     "missing title",
		input:    `{"id": "a1", "abstract": "no title"}`,
		problems: []string{`x.jsonl:1: missing "title"`},
	}, {
		name:     "blank title",
		input:    `{"id": "a1", "title": " \n\t "}`,
		problems: []string{`x.jsonl:1: missing "title"`},
	}, {
		name:     "id as a number",
		input:    `{"id": 2407.18121, "title": "T"}`,
		problems: []string{`x.jsonl:1: "id" must be a string, got a number`},
	}, {
		name:     "authors as one string",
		input:    `{"id": "a1", "title": "T", "authors": "A, B"}`,
		problems: []string{`x.jsonl:1: "authors" must be a list of strings, got a string`},
	}, {
		name:     "a number among the authors",
		input:    `{"id": "a1", "title": "T", "authors": ["A", 7]}`,
		problems: []string{`x.jsonl:1: "authors" must be a list of strings, got a number at [1]`},
	}, {
		name:     "categories as an object",
		input:    `{"id": "a1", "title": "T", "categories": {"cs": 1}}`,
		problems: []string{`x.jsonl:1: "categories" must be a list of strings, got an object`},
	}, {
		name:     "upvotes as a string",
		input:    `{"id": "a1", "title": "T", "upvotes": "2"}`,
		problems: []string{`x.jsonl:1: "upvotes" must be a number, got a string`},
	}, {
		name:     "fractional upvotes",
		input:    `{"id": "a1", "title": "T", "upvotes": 2.5}`,
		problems: []string{`x.jsonl:1: "upvotes" must be a whole number, got 2.5`},
	}, {
		name:     "negative upvotes",
		input:    `{"id": "a1", "title": "T", "upvotes": -1}`,
		problems: []string{`x.jsonl:1: "upvotes" must be 0 or more, got -1`},
	}, {
		name:     "impossible date",
		input:    `{"id": "a1", "title": "T", "published": "2024-13-45"}`,
		problems: []string{`x.jsonl:1: invalid date "2024-13-45": want YYYY-MM-DD`},
	}, {
		name:     "date in another layout",
		input:    `{"id": "a1", "title": "T", "published": "25/07/2024"}`,
		problems: []string{`x.jsonl:1: invalid date "25/07/2024": want YYYY-MM-DD`},
	}, {
		name:     "date as a number",
		input:    `{"id": "a1", "title": "T", "published": 20240725}`,
		problems: []string{`x.jsonl:1: "published" must be a string, got a number`},
	}, {
		name:     "whitespace inside the id",
		input:    `{"id": "2407 18121", "title": "T"}`,
		problems: []string{`x.jsonl:1: "id" has whitespace or control characters inside: "2407 18121"`},
	}, {
		name:     "id over 200 bytes",
		input:    `{"id": "` + strings.Repeat("a", 201) + `", "title": "T"}`,
		problems: []string{`x.jsonl:1: "id" is 201 bytes, over the 200-byte limit`},
	}, {
		name:   "id of exactly 200 bytes",
		input:  `{"id": "` + strings.Repeat("a", 200) + `", "title": "T"}`,
		papers: []string{"1: " + strings.Repeat("a", 200) + " | T |  |  |  |  |  | 0"},
	}, {
		name:     "title over 2,000 characters",
		input:    `{"id": "a1", "title": "` + strings.Repeat("é", 2001) + `"}`,
		problems: []string{`x.jsonl:1: "title" is 2001 characters, over the 2000-character limit`},
	}, {
		name:     "abstract over 100,000 characters",
		input:    `{"id": "a1", "title": "T", "abstract": "` + strings.Repeat("word ", 20001) + `"}`,
		problems: []string{`x.jsonl:1: "abstract" is 100004 characters, over the 100000-character limit`},
	}, {
		name:     "invalid UTF-8",
		input:    "{\"id\": \"a1\", \"title\": \"caf\xe9\"}\n" + good,
		papers:   []string{"2: 2407.18121 | Elastic Cache |  |  | 2024-07-25 |  |  | 0"},
		problems: []string{"x.jsonl:1: not UTF-8 text (byte 0xe9 at offset 26)"},
	}, {
		name:     "the first problem of a record is the one reported",
		input:    `{"id": 1, "title": 2, "authors": 3}`,
		problems: []string{`x.jsonl:1: "id" must be a string, got a number`},
	}}
	runReadCases(t, tests)
}

func TestLongLines(t *testing.T) {
	good := `{"id": "a1", "title": "T"}`
	// pad makes a valid record of exactly n bytes.
	pad := func(n int) string {
		head := `{"id": "p", "title": "T", "abstract": "`
		return head + strings.Repeat(" ", n-len(head)-2) + `"}`
	}
	tests := []readCase{{
		name:     "10 MiB line, then a good line",
		input:    strings.Repeat("x", 10<<20) + "\n" + good + "\n",
		papers:   []string{"2: a1 | T |  |  |  |  |  | 0"},
		problems: []string{"x.jsonl:1: line is 10485760 bytes, over the 1 MiB limit"},
	}, {
		name:     "10 MiB line with CRLF, last in the file",
		input:    good + "\r\n" + strings.Repeat("x", 10<<20) + "\r\n",
		papers:   []string{"1: a1 | T |  |  |  |  |  | 0"},
		problems: []string{"x.jsonl:2: line is 10485760 bytes, over the 1 MiB limit"},
	}, {
		name:     "long line without a final newline",
		input:    good + "\n" + strings.Repeat("x", 3<<20),
		papers:   []string{"1: a1 | T |  |  |  |  |  | 0"},
		problems: []string{"x.jsonl:2: line is 3145728 bytes, over the 1 MiB limit"},
	}, {
		name:     "exactly 1 MiB is fine, with CRLF too",
		input:    pad(MaxLineBytes) + "\n" + pad(MaxLineBytes) + "\r\n",
		papers:   []string{"1: p | T |  |  |  |  |  | 0", "2: p | T |  |  |  |  |  | 0"},
		problems: []string{`x.jsonl:2: warning: id "p" is also on line 1: this line replaces it`},
	}, {
		name:     "one byte over",
		input:    pad(MaxLineBytes+1) + "\n" + pad(MaxLineBytes+1) + "\r\n" + good,
		papers:   []string{"3: a1 | T |  |  |  |  |  | 0"},
		problems: []string{"x.jsonl:1: line is 1048577 bytes, over the 1 MiB limit", "x.jsonl:2: line is 1048577 bytes, over the 1 MiB limit"},
	}}
	runReadCases(t, tests)
}

// xs is an endless stream of 'x'.
type xs struct{}

func (xs) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// A long line streams past: reading it must not cost its size in memory.
func TestLongLineIsNotBuffered(t *testing.T) {
	const size = 256 << 20
	r := io.MultiReader(io.LimitReader(xs{}, size), strings.NewReader("\n"+`{"id": "a1", "title": "T"}`))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var problems []Problem
	var papers int
	err := ReadPapers(context.Background(), r, "big.jsonl",
		func(int, paperhound.Paper) error { papers++; return nil },
		func(p Problem) error { problems = append(problems, p); return nil })
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if papers != 1 || len(problems) != 1 || problems[0].Line != 1 {
		t.Fatalf("got %d papers and problems %v, want 1 paper and a problem on line 1", papers, problems)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("allocated %d MiB reading a %d MiB line", alloc>>20, size>>20)
	}
}

func TestNotText(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"NUL bytes", "{\"id\": \"a\x00\"}\n" + strings.Repeat("\x00\x01", 100), "x.jsonl: binary file (NUL bytes in the first 1 KB), not JSON text"},
		{"control bytes", strings.Repeat("\x01\x02\x03ab", 100), "x.jsonl: binary file (control bytes in the first 1 KB), not JSON text"},
		{"gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", "x.jsonl: file is gzip-compressed; gunzip it first"},
		{"UTF-16", "\xff\xfe{\x00\"\x00", "x.jsonl: file is UTF-16 text; want UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			papers, problems := readPapers(t, tt.input)
			check(t, "papers", papers, nil)
			check(t, "problems", problems, []string{tt.want})
		})
	}
}

func TestReadPapersStops(t *testing.T) {
	input := strings.Repeat(`{"id": "a1", "title": "T"}`+"\n"+`{"id": "a1"}`+"\n", 3)
	errStop := errors.New("enough")
	t.Run("emit error", func(t *testing.T) {
		n := 0
		err := ReadPapers(context.Background(), strings.NewReader(input), "x.jsonl",
			func(int, paperhound.Paper) error { n++; return errStop }, nil)
		if !errors.Is(err, errStop) || err.Error() != "x.jsonl:1: enough" || n != 1 {
			t.Errorf("got %v after %d papers, want x.jsonl:1: enough after 1", err, n)
		}
	})
	t.Run("reject error", func(t *testing.T) {
		n := 0
		err := ReadPapers(context.Background(), strings.NewReader(input), "x.jsonl",
			func(int, paperhound.Paper) error { n++; return nil },
			func(Problem) error { return errStop })
		if !errors.Is(err, errStop) || err.Error() != "x.jsonl:2: enough" || n != 1 {
			t.Errorf("got %v after %d papers, want x.jsonl:2: enough after 1", err, n)
		}
	})
	t.Run("cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := ReadPapers(ctx, strings.NewReader(input), "x.jsonl", func(int, paperhound.Paper) error { t.Error("emit called"); return nil }, nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	})
	t.Run("cancelled while reading", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		err := ReadPapers(ctx, strings.NewReader(input), "x.jsonl", func(int, paperhound.Paper) error { n++; cancel(); return nil }, nil)
		if !errors.Is(err, context.Canceled) || n != 1 {
			t.Errorf("got %v after %d papers, want context.Canceled after 1", err, n)
		}
	})
	t.Run("cancelled in an array", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		array := `[{"id": "a1", "title": "T"}, {"id": "a2", "title": "T"}]`
		err := ReadPapers(ctx, strings.NewReader(array), "x.json", func(int, paperhound.Paper) error { n++; cancel(); return nil }, nil)
		if !errors.Is(err, context.Canceled) || n != 1 {
			t.Errorf("got %v after %d papers, want context.Canceled after 1", err, n)
		}
	})
	// A read error is the whole file's problem, after the lines before it.
	t.Run("read error", func(t *testing.T) {
		for input, want := range map[string]string{
			input:                               "x.jsonl: cannot be read past line 6: disk on fire",
			"[" + `{"id": "a1", "title": "T"},`: "x.jsonl: cannot be read past line 1: disk on fire",
		} {
			r := io.MultiReader(strings.NewReader(input), errReader{})
			n := 0
			var problems []string
			err := ReadPapers(context.Background(), r, "x.jsonl", func(int, paperhound.Paper) error { n++; return nil },
				func(p Problem) error { problems = append(problems, p.Error()); return nil })
			if err != nil || n == 0 || len(problems) == 0 || problems[len(problems)-1] != want {
				t.Errorf("got %v after %d papers, problems %q; want %s last", err, n, problems, want)
			}
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// A damaged record costs its own line, never the file; a file that is not
// records at all is one problem, not one per line.
func TestReadPapersDamage(t *testing.T) {
	good := `{"id": "a1", "title": "T"}`
	good3 := `{"id": "a3", "title": "T"}`
	tests := []readCase{{
		name:     "a line of binary garbage between good ones",
		input:    good + "\n\x00\x01\x02\xff\xfe garbage \x00\n" + good3 + "\n",
		papers:   []string{"1: a1 | T |  |  |  |  |  | 0", "3: a3 | T |  |  |  |  |  | 0"},
		problems: []string{"x.jsonl:2: binary data (NUL bytes), not JSON text"},
	}, {
		name:     "a copied web page",
		input:    "New\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n",
		problems: []string{`x.jsonl: not JSON Lines or a JSON array: starts with "New"`},
	}, {
		name:     "HTML",
		input:    "<!DOCTYPE html>\n<html lang=\"en\"><head><title>Daily Papers - Hugging Face</title></head>\n",
		problems: []string{`x.jsonl: not JSON Lines or a JSON array: starts with "<!DOCTYPE html>"`},
	}, {
		name:     "a long line of text is cut in the message",
		input:    strings.Repeat("é", 50) + "\n",
		problems: []string{`x.jsonl: not JSON Lines or a JSON array: starts with "` + strings.Repeat("é", 20) + `..."`},
	}, {
		name:     "votes given as papers",
		input:    `{"user": "alice", "paper": "2407.18121"}` + "\n" + `{"user": "bob", "paper": "2407.18121", "vote": -1}` + "\n",
		problems: []string{"x.jsonl: this looks like votes (user, paper), not papers: load them with `paperhound ingest --upvotes`"},
	}, {
		name:     "an array of votes given as papers",
		input:    `[{"user": "alice", "paper": "2407.18121"}, {"user": "bob", "paper": "2407.18121"}]`,
		problems: []string{"x.jsonl: this looks like votes (user, paper), not papers: load them with `paperhound ingest --upvotes`"},
	}, {
		name:     "a vote among papers is one bad line",
		input:    good + "\n" + `{"user": "alice", "paper": "2407.18121"}` + "\n",
		papers:   []string{"1: a1 | T |  |  |  |  |  | 0"},
		problems: []string{"x.jsonl:2: this looks like votes (user, paper), not papers: load them with `paperhound ingest --upvotes`"},
	}, {
		name:   "a one-line array names each element",
		input:  `[{"id": "a1", "title": "T"}, {"id": "a2"}, {"title": "T"}, {"id": "a4", "title": "T", "published": "2024-13-45"}]`,
		papers: []string{"1: a1 | T |  |  |  |  |  | 0"},
		problems: []string{
			`x.jsonl:1: element [1]: missing "title"`,
			`x.jsonl:1: element [2]: missing "id"`,
			`x.jsonl:1: element [3]: invalid date "2024-13-45": want YYYY-MM-DD`,
		},
	}, {
		name:     "a syntax error in a one-line array",
		input:    `[{"id": "a1", "title": "T"}, {"id": "a2" "title": "T"}]`,
		papers:   []string{"1: a1 | T |  |  |  |  |  | 0"},
		problems: []string{`x.jsonl:1: element [1]: invalid JSON: invalid character '"' after object key:value pair; stopped reading the file`},
	}}
	runReadCases(t, tests)
}

// Fields and ids that would break pages, links or rankings.
func TestReadPapersChecks(t *testing.T) {
	today := time.Now().UTC()
	day := func(days int) string { return today.AddDate(0, 0, days).Format("2006-01-02") }
	tests := []readCase{{
		name:     "a javascript: link is dropped, the paper kept",
		input:    `{"id": "a1", "title": "T", "url": "javascript:alert(1)"}`,
		papers:   []string{"1: a1 | T |  |  |  |  |  | 0"},
		problems: []string{`x.jsonl:1: warning: "url" "javascript:alert(1)" is not an http or https link: the paper is kept without it`},
	}, {
		name:     "a data: link is dropped",
		input:    `{"id": "a1", "title": "T", "url": "data:text/html,<script>alert(1)</script>"}`,
		papers:   []string{"1: a1 | T |  |  |  |  |  | 0"},
		problems: []string{`x.jsonl:1: warning: "url" "data:text/html,<script>alert(1)</script>" is not an http or https link: the paper is kept without it`},
	}, {
		name:     "links without a scheme or a host are dropped",
		input:    `{"id": "a1", "title": "T", "url": "//evil.example/x"}` + "\n" + `{"id": "a2", "title": "T", "url": "https:///x"}`,
		papers:   []string{"1: a1 | T |  |  |  |  |  | 0", "2: a2 | T |  |  |  |  |  | 0"},
		problems: []string{`x.jsonl:1: warning: "url" "//evil.example/x" is not an http or https link: the paper is kept without it`, `x.jsonl:2: warning: "url" "https:///x" is not an http or https link: the paper is kept without it`},
	}, {
		name:   "http and HTTPS links are kept",
		input:  `{"id": "a1", "title": "T", "url": "http://x.org/a"}` + "\n" + `{"id": "a2", "title": "T", "url": "HTTPS://x.org/b"}`,
		papers: []string{"1: a1 | T |  |  |  | http://x.org/a |  | 0", "2: a2 | T |  |  |  | HTTPS://x.org/b |  | 0"},
	}, {
		name:     "an id twice in a file: the later line wins, and says so",
		input:    `{"id": "a1", "title": "First"}` + "\n" + `{"id": "a2", "title": "T"}` + "\n" + `{"id": "a1", "title": "Second"}`,
		papers:   []string{"1: a1 | First |  |  |  |  |  | 0", "2: a2 | T |  |  |  |  |  | 0", "3: a1 | Second |  |  |  |  |  | 0"},
		problems: []string{`x.jsonl:3: warning: id "a1" is also on line 1: this line replaces it`},
	}, {
		name:     "ids . and ..",
		input:    `{"id": ".", "title": "T"}` + "\n" + `{"id": "..", "title": "T"}` + "\n" + `{"id": "...", "title": "T"}`,
		papers:   []string{"3: ... | T |  |  |  |  |  | 0"},
		problems: []string{`x.jsonl:1: "id" cannot be ".": it would be a path in the paper's links`, `x.jsonl:2: "id" cannot be "..": it would be a path in the paper's links`},
	}, {
		name: "days before 1900 or not yet come",
		input: strings.Join([]string{
			`{"id": "a1", "title": "T", "published": "0001-01-01"}`,
			`{"id": "a2", "title": "T", "published": "1899-12-31"}`,
			`{"id": "a3", "title": "T", "published": "9999-12-31"}`,
			`{"id": "a4", "title": "T", "published": "` + day(2) + `"}`,
			`{"id": "a5", "title": "T", "published": "1900-01-01"}`,
			`{"id": "a6", "title": "T", "published": "` + day(1) + `"}`,
			`{"id": "a7", "title": "T", "versions": [{"created": "Mon, 1 Jan 0001 00:00:00 GMT"}]}`,
		}, "\n"),
		papers: []string{"5: a5 | T |  |  | 1900-01-01 |  |  | 0", "6: a6 | T |  |  | " + day(1) + " |  |  | 0"},
		problems: []string{
			`x.jsonl:1: "published" is 0001-01-01, before 1900: leave it out when the day is not known`,
			`x.jsonl:2: "published" is 1899-12-31, before 1900: leave it out when the day is not known`,
			`x.jsonl:3: "published" is 9999-12-31, a day not yet come`,
			`x.jsonl:4: "published" is ` + day(2) + `, a day not yet come`,
			`x.jsonl:7: "versions[0].created" is Mon, 1 Jan 0001 00:00:00 GMT, before 1900: leave it out when the day is not known`,
		},
	}, {
		name: "Hugging Face timestamps",
		input: strings.Join([]string{
			`{"id": "a1", "title": "T", "summary": "", "publishedAt": 1721922687000}`,
			`{"id": "a2", "title": "T", "summary": "", "publishedAt": "2024-07-25 15:51:27"}`,
			`{"id": "a3", "title": "T", "summary": "", "publishedAt": "2024-07-25T15:51:27.000"}`,
			`{"id": "a4", "title": "T", "summary": "", "publishedAt": 20240725}`,
			`{"id": "a5", "title": "T", "summary": "", "publishedAt": "2024-07-25 15:51:27+00:00"}`,
		}, "\n"),
		papers: []string{
			"1: a1 | T |  |  | 2024-07-25 | https://huggingface.co/papers/a1 |  | 0",
			"2: a2 | T |  |  | 2024-07-25 | https://huggingface.co/papers/a2 |  | 0",
			"3: a3 | T |  |  | 2024-07-25 | https://huggingface.co/papers/a3 |  | 0",
			"5: a5 | T |  |  | 2024-07-25 | https://huggingface.co/papers/a5 |  | 0",
		},
		problems: []string{`x.jsonl:4: "publishedAt" must be a string, got a number`},
	}}
	runReadCases(t, tests)
}
