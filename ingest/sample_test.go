package ingest

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
)

// The sample data set shipped with the command must read cleanly.
func TestSamplePapers(t *testing.T) {
	const path = "../cmd/paperhound/sample-papers.jsonl"
	r, err := Open(path)
	if os.IsNotExist(err) {
		t.Skip("no sample data set at", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	papers := map[string]paperhound.Paper{}
	err = ReadPapers(context.Background(), r, path,
		func(line int, p paperhound.Paper) error {
			if _, dup := papers[p.ID]; dup {
				t.Errorf("line %d: id %s again", line, p.ID)
			}
			papers[p.ID] = p
			return nil
		},
		func(p Problem) error { t.Error(p); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(papers) < 30 {
		t.Errorf("read %d papers, want the sample's 38 or so", len(papers))
	}
	p := papers["2407.18121"]
	if p.Title != "Efficient Inference of Vision Instruction-Following Models with Elastic Cache" ||
		p.Published.String() != "2024-07-25" || p.Upvotes != 2 || p.URL != "https://arxiv.org/abs/2407.18121" ||
		!strings.HasPrefix(p.Abstract, "In the field of instruction-following large vision-language models") {
		t.Errorf("2407.18121 is %s", show(p))
	}
}
