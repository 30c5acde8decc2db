package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
)

// show prints a paper on one line, so a test failure shows what differs.
func show(p paperhound.Paper) string {
	return fmt.Sprintf("%s | %s | %s | %s | %s | %s | %s | %d",
		p.ID, p.Title, p.Abstract, strings.Join(p.Authors, "; "), p.Published,
		p.URL, strings.Join(p.Categories, " "), p.Upvotes)
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
	tests := []struct {
		name     string
		input    string
		papers   []string
		problems []string
	}{{
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
		problems: []string{"x.jsonl:1: invalid JSON: invalid character 'i' looking for beginning of value (at byte 1)"},
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
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			papers, problems := readPapers(t, tt.input)
			check(t, "papers", papers, tt.papers)
			check(t, "problems", problems, tt.problems)
		})
	}
}

func TestLongLines(t *testing.T) {
	good := `{"id": "a1", "title": "T"}`
	// pad makes a valid record of exactly n bytes.
	pad := func(n int) string {
		head := `{"id": "p", "title": "T", "abstract": "`
		return head + strings.Repeat(" ", n-len(head)-2) + `"}`
	}
	tests := []struct {
		name     string
		input    string
		papers   []string
		problems []string
	}{{
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
		name:   "exactly 1 MiB is fine, with CRLF too",
		input:  pad(MaxLineBytes) + "\n" + pad(MaxLineBytes) + "\r\n",
		papers: []string{"1: p | T |  |  |  |  |  | 0", "2: p | T |  |  |  |  |  | 0"},
	}, {
		name:     "one byte over",
		input:    pad(MaxLineBytes+1) + "\n" + pad(MaxLineBytes+1) + "\r\n" + good,
		papers:   []string{"3: a1 | T |  |  |  |  |  | 0"},
		problems: []string{"x.jsonl:1: line is 1048577 bytes, over the 1 MiB limit", "x.jsonl:2: line is 1048577 bytes, over the 1 MiB limit"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			papers, problems := readPapers(t, tt.input)
			check(t, "papers", papers, tt.papers)
			check(t, "problems", problems, tt.problems)
		})
	}
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
		{"gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", "x.jsonl: file is gzip-compressed; read it through ingest.Open, which gunzips it"},
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
	t.Run("read error", func(t *testing.T) {
		for _, input := range []string{input, "[" + `{"id": "a1", "title": "T"},`} {
			r := io.MultiReader(strings.NewReader(input), errReader{})
			err := ReadPapers(context.Background(), r, "x.jsonl", func(int, paperhound.Paper) error { return nil }, nil)
			if err == nil || err.Error() != "read x.jsonl: disk on fire" {
				t.Errorf("got %v, want read x.jsonl: disk on fire", err)
			}
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }
