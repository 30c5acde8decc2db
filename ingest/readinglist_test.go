package ingest

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
)

func TestReadReadingListLines(t *testing.T) {
	in := strings.Join([]string{
		"# my reading list",
		"1706.03762",
		"  arXiv:1810.04805v2  ",
		"https://arxiv.org/abs/2407.18121v3 the one on tokenizers",
		"http://arxiv.org/pdf/2305.10601.pdf",
		"https://www.arxiv.org/html/2401.00001v1",
		"hep-th/9901001",
		"math.GT/0309136v2",
		"% a TeX-style comment",
		"",
		"10.1145/3292500.3330701",
		"doi:10.1000/ABC",
		"https://doi.org/10.1000/xyz",
		"10.48550/arXiv.2310.06825",
		"https://openreview.net/forum?id=abc",
		"Attention Is All You Need",
		"0704.0001\tDiphoton",
	}, "\r\n")
	got, err := ReadReadingList([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := ReadingList{Format: "list", Entries: []ListEntry{
		{Line: 2, Text: "1706.03762", ArXiv: "1706.03762"},
		{Line: 3, Text: "arXiv:1810.04805v2", ArXiv: "1810.04805"},
		{Line: 4, Text: "https://arxiv.org/abs/2407.18121v3 the one on tokenizers", ArXiv: "2407.18121"},
		{Line: 5, Text: "http://arxiv.org/pdf/2305.10601.pdf", ArXiv: "2305.10601"},
		{Line: 6, Text: "https://www.arxiv.org/html/2401.00001v1", ArXiv: "2401.00001"},
		{Line: 7, Text: "hep-th/9901001", ArXiv: "hep-th/9901001"},
		{Line: 8, Text: "math.GT/0309136v2", ArXiv: "math/0309136"},
		{Line: 11, Text: "10.1145/3292500.3330701", DOI: "10.1145/3292500.3330701"},
		{Line: 12, Text: "doi:10.1000/ABC", DOI: "10.1000/abc"},
		{Line: 13, Text: "https://doi.org/10.1000/xyz", DOI: "10.1000/xyz"},
		{Line: 14, Text: "10.48550/arXiv.2310.06825", DOI: "10.48550/arxiv.2310.06825", ArXiv: "2310.06825"},
		{Line: 15, Text: "https://openreview.net/forum?id=abc", Unusable: "a link to neither an arXiv paper (arxiv.org/abs/ID) nor a DOI (doi.org/...)"},
		{Line: 16, Text: "Attention Is All You Need", Title: "Attention Is All You Need"},
		{Line: 17, Text: "0704.0001\tDiphoton", ArXiv: "0704.0001"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestReadReadingListBibTeX(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []ListEntry
	}{{
		name: "eprint with archivePrefix",
		in:   "@article{vaswani, title={Attention Is All You Need}, eprint={1706.03762v5}, archivePrefix={arXiv}}",
		want: []ListEntry{{Line: 1, Key: "vaswani", ArXiv: "1706.03762", Title: "Attention Is All You Need"}},
	}, {
		name: "eprinttype, parentheses, trailing comma, upper-case names",
		in:   "@Misc(dblp,\n  TITLE = \"{BERT}: Pre-training\",\n  EPRINT = {1810.04805},\n  EPRINTTYPE = {arXiv},\n)",
		want: []ListEntry{{Line: 1, Key: "dblp", ArXiv: "1810.04805", Title: "BERT: Pre-training"}},
	}, {
		name: "an eprint of another archive is not arXiv",
		in:   "@article{pm, title = {T}, eprint = {12345678}, archivePrefix = {PubMed}}",
		want: []ListEntry{{Line: 1, Key: "pm", Title: "T"}},
	}, {
		name: "arXiv links and citations in url, howpublished, note, journal",
		in: `@misc{a, url = {https://arxiv.org/abs/2407.18121v2}}
@misc{b, howpublished = {\url{http://arxiv.org/pdf/hep-th/9901001v1}}}
@misc{c, note = {arXiv:2305.10601}}
@article{d, journal = {arXiv preprint arXiv:2310.06825}, title = {Mistral 7B}}`,
		want: []ListEntry{
			{Line: 1, Key: "a", ArXiv: "2407.18121"},
			{Line: 2, Key: "b", ArXiv: "hep-th/9901001"},
			{Line: 3, Key: "c", ArXiv: "2305.10601"},
			{Line: 4, Key: "d", ArXiv: "2310.06825", Title: "Mistral 7B"},
		},
	}, {
		name: "DOIs: the doi field, a doi.org url, arXiv's own DOI, escaped underscores",
		in: `@article{a, doi = {10.1145/3292500.3330701}, title = {T}}
@article{b, url = {https://dx.doi.org/10.1000/XYZ}}
@article{c, doi = {10.48550/ARXIV.1706.03762}}
@article{d, doi = "10.1000/a\_b"}`,
		want: []ListEntry{
			{Line: 1, Key: "a", DOI: "10.1145/3292500.3330701", Title: "T"},
			{Line: 2, Key: "b", DOI: "10.1000/xyz"},
			{Line: 3, Key: "c", DOI: "10.48550/arxiv.1706.03762", ArXiv: "1706.03762"},
			{Line: 4, Key: "d", DOI: "10.1000/a_b"},
		},
	}, {
		name: "@string, #, months, numbers, @comment, @preamble, % lines, nested braces and quotes",
		in: `% JabRef wrote this
@comment{ anything { nested } @here }
@preamble{ "\newcommand{\noopsort}[1]{}" # "x" }
@String{ conf = "Proc. of " }
@STRING(pre = {Deep {L}earning})
@inproceedings{k1,
  title = pre # " for " # "{"Quoted"} things",
  booktitle = conf # {NeurIPS},
  month = jan,
  year = 2017,
  author = {G{\"o}del, Kurt and {\'E}mile {Zola}},
}
Text between entries is a comment too.
@article{k2, title = {G\"odel {\emph{and}} $\alpha$}}`,
		want: []ListEntry{
			{Line: 6, Key: "k1", Title: `Deep Learning for "Quoted" things`},
			{Line: 14, Key: "k2", Title: "Gödel and"},
		},
	}, {
		name: "nothing to look up by",
		in:   "@book{nothing, author = {A. Nobody}, year = 1999}",
		want: []ListEntry{{Line: 1, Key: "nothing", Unusable: "no arXiv eprint or link, DOI or title"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadReadingList([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got.Format != "bibtex" || !reflect.DeepEqual(got.Entries, tt.want) {
				t.Errorf("got %s\n%+v\nwant\n%+v", got.Format, got.Entries, tt.want)
			}
		})
	}
}

func TestReadReadingListErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{{
		name: "missing comma between fields",
		in:   "@article{a,\n  title = {T}\n  year = 2020\n}",
		want: []string{`3: expected ',' or '}' in entry a, found 'y' (is a comma or a closing brace missing?)`},
	}, {
		name: "unclosed brace",
		in:   "@article{a, title = {T}}\n@article{b,\n  title = {Never closed,\n  year = 2020}\n",
		want: []string{`2: entry b is never closed: the file ends before its '}'`},
	}, {
		name: "unclosed quote",
		in:   "@article{a,\n title = \"T}",
		want: []string{`2: a '}' closes no '{' in this quoted value`},
	}, {
		name: "undefined @string, then reading goes on to the next entry",
		in:   "@article{a, journal = jmlr}\n@article{b, title = {fine}}\n@article{c title = {no key comma}}",
		want: []string{`1: "jmlr" is not a defined @string name (a text value goes in {braces} or "quotes")`, `3: expected ',' or '}' in entry c, found 't' (is a comma or a closing brace missing?)`},
	}, {
		name: "no key",
		in:   "\n\n@article{, title = {T}}",
		want: []string{`3: the entry has no citation key: expected one before ','`},
	}, {
		name: "missing =",
		in:   "@article{a, title {T}}",
		want: []string{`1: expected '=' after the field name title in entry a, found '{'`},
	}, {
		name: "entry cut short",
		in:   "@article{a,\n title = {T},\n",
		want: []string{`1: entry a is never closed: the file ends before its '}'`},
	}, {
		name: "a value never closed",
		in:   "@article{a,\n title = {T}}\n@article{b, title = {T {nested}",
		want: []string{`3: this '{' is never closed`},
	}, {
		name: "not UTF-8",
		in:   "1706.03762\n\xff\xfe title\n",
		want: []string{`2: not UTF-8 text: save the file as UTF-8`},
	}, {
		name: "binary",
		in:   "@article{a,\x00",
		want: []string{`1: binary data (a NUL byte): send the list or the .bib file as text`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := ReadReadingList([]byte(tt.in))
			var le *ListError
			if !errors.As(err, &le) || !errors.Is(err, paperhound.ErrInvalid) {
				t.Fatalf("got %+v, %v; want a *ListError", list, err)
			}
			var got []string
			for _, l := range le.Lines {
				got = append(got, l.Error())
			}
			if !reflect.DeepEqual(got, tt.want) || len(list.Entries) != 0 {
				t.Errorf("got %q and %d entries, want %q and none", got, len(list.Entries), tt.want)
			}
		})
	}
}

// The 50-entry fixture the API and web tests import: every way of naming
// a paper is read as the fixture's comments say.
func TestReadReadingListFixture(t *testing.T) {
	data, err := os.ReadFile("testdata/reading-list.bib")
	if err != nil {
		t.Fatal(err)
	}
	list, err := ReadReadingList(data)
	if err != nil {
		t.Fatal(err)
	}
	var arxiv, doi, title, none int
	for _, e := range list.Entries {
		switch {
		case e.ArXiv != "":
			arxiv++
		case e.DOI != "":
			doi++
		case e.Title != "":
			title++
		default:
			none++
		}
	}
	if len(list.Entries) != 50 || arxiv != 25 || doi != 10 || title != 14 || none != 1 {
		t.Errorf("%d entries: %d by arXiv id, %d by DOI, %d by title alone, %d by nothing; want 50: 25, 10, 14, 1",
			len(list.Entries), arxiv, doi, title, none)
	}
}

// FuzzReadReadingList checks that no input panics, that every error and
// entry points at a line of the input, and that an error comes alone.
func FuzzReadReadingList(f *testing.F) {
	fixture, err := os.ReadFile("testdata/reading-list.bib")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(fixture),
		"1706.03762\nhttps://arxiv.org/abs/hep-th/9901001v2\ndoi:10.1000/x\nA title\n# c\n",
		"@article{a, title = {T {nested} \"q\"} # \" x\", year = 2020,}",
		"@string(s = {x}) @comment{ } @preamble{ {a} } @misc(k, title = s # s)",
		"@article{a,\n title = {never closed\n",
		"@article{a, title = \"}\"}",
		"@{}", "@", "@article", "@article{", "@article{a", "@article{a,", "\xff@article{a}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		list, err := ReadReadingList(data)
		var le *ListError
		switch {
		case errors.As(err, &le):
			if len(list.Entries) != 0 || len(le.Lines) == 0 {
				t.Fatalf("an error with %d entries and %d lines", len(list.Entries), len(le.Lines))
			}
			for _, l := range le.Lines {
				if l.Line < 1 || l.Line > lines || l.Reason == "" {
					t.Fatalf("error %q outside the input's %d lines", l.Error(), lines)
				}
			}
		case err != nil:
			t.Fatalf("an error that is no *ListError: %v", err)
		}
		for _, e := range list.Entries {
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("entry %+v outside the input's %d lines", e, lines)
			}
		}
	})
}
