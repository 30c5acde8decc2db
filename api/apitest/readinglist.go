package apitest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/recommend"
)

// The reading-list fixture, ingest/testdata/reading-list.bib: 50 BibTeX
// entries, of which 39 name a paper of SampleEngine once GiveDOIs has run.

// ReadingList returns the fixture's bytes.
func ReadingList(t testing.TB) []byte {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "ingest", "testdata", "reading-list.bib"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// ReadingListDOIs are the DOIs the fixture's doi entries name sample
// papers by (the sample papers have none).
var ReadingListDOIs = map[string]string{
	"2508.02591": "10.5555/paperhound.1", "2502.20388": "10.5555/paperhound.2",
	"2502.07057": "10.5555/paperhound.3", "2510.14973": "10.5555/paperhound.4",
	"2504.01137": "10.5555/paperhound.5", "2412.08521": "10.5555/paperhound.6",
	"2508.02401": "10.5555/paperhound.7", "2411.02886": "10.5555/paperhound.8",
}

// GiveDOIs stores the sample papers of ReadingListDOIs again with their DOIs.
func GiveDOIs(t testing.TB, engine *recommend.Engine) {
	t.Helper()
	ctx := context.Background()
	for id, doi := range ReadingListDOIs {
		p, err := engine.Paper(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		p.DOI = doi
		if _, err := engine.Ingest(ctx, []paperhound.Paper{p}); err != nil {
			t.Fatal(err)
		}
	}
}

// ReadingListMatch is an entry of the fixture that names a stored paper.
type ReadingListMatch struct{ Key, Paper, By string }

// ReadingListMatches are the fixture's 39 entries that match, in order.
var ReadingListMatches = []ReadingListMatch{
	{"eprint1", "2407.18121", "arxiv"}, {"eprint2", "2510.21909", "arxiv"}, {"eprint3", "2503.17247", "arxiv"},
	{"eprint4", "2310.11628", "arxiv"}, {"eprint5", "2502.15854", "arxiv"}, {"eprint6", "2508.14292", "arxiv"},
	{"eprint7", "2502.10833", "arxiv"}, {"eprint8", "2502.14922", "arxiv"}, {"eprint9", "2410.09303", "arxiv"},
	{"eprint10", "2501.10064", "arxiv"}, {"eprint11", "2505.21600", "arxiv"}, {"eprint12", "2505.09738", "arxiv"},
	{"eprint13", "2411.18553", "arxiv"}, {"oldstyle", "hep-th/9901001", "arxiv"},
	{"url1", "2408.08696", "arxiv"}, {"url2", "2511.17573", "arxiv"}, {"url3", "2506.10274", "arxiv"},
	{"urlFallback", "2510.20535", "title"},
	{"preprint1", "2402.14903", "arxiv"}, {"preprint2", "2307.02628", "arxiv"}, {"preprint3", "2509.01109", "arxiv"},
	{"preprint4", "2405.07883", "arxiv"},
	{"doi1", "2508.02591", "doi"}, {"doi2", "2502.20388", "doi"}, {"doi3", "2502.07057", "doi"},
	{"doi4", "2510.14973", "doi"}, {"doi5", "2504.01137", "doi"}, {"doi6", "2412.08521", "doi"},
	{"doi7", "2508.02401", "doi"}, {"doi8", "2411.02886", "doi"},
	{"title1", "2507.02358", "title"}, {"title2", "context-cascade-compression-exploring-the-upper-limits-of", "title"},
	{"title3", "2407.15891", "title"}, {"title4", "2411.10803", "title"}, {"title5", "2511.14806", "title"},
	{"title6", "2407.01955", "title"}, {"title7", "2211.08769", "title"}, {"title8", "2512.05033", "title"},
	{"title9", "2304.01982", "title"},
}

// ReadingListMisses are the keys of the fixture's 11 entries that match
// nothing, in order.
var ReadingListMisses = []string{
	"eprintUnknown", "urlUnknown", "preprintUnknown", "doiUnknown1", "doiUnknown2",
	"titleUnknown1", "titleUnknown2", "titleUnknown3", "titleUnknown4", "titleUnknown5", "nothing",
}
