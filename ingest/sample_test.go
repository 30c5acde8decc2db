package ingest

import (
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
)

// The built-in sample papers read cleanly, once each, and hold the
// papers the demo and the tests name.
func TestSamplePapers(t *testing.T) {
	list, err := SamplePapers()
	if err != nil {
		t.Fatal(err)
	}
	papers := map[string]paperhound.Paper{}
	for _, p := range list {
		if _, dup := papers[p.ID]; dup {
			t.Errorf("id %s again", p.ID)
		}
		papers[p.ID] = p
	}
	if len(papers) != 38 {
		t.Errorf("read %d papers, want the sample's 38", len(papers))
	}
	for _, id := range SampleKVCache {
		if _, ok := papers[id]; !ok {
			t.Errorf("KV-cache paper %s is not in the sample", id)
		}
	}
	p := papers["2407.18121"]
	if p.Title != "Efficient Inference of Vision Instruction-Following Models with Elastic Cache" ||
		p.Published.String() != "2024-07-25" || p.Upvotes != 2 || p.URL != "https://arxiv.org/abs/2407.18121" ||
		!strings.HasPrefix(p.Abstract, "In the field of instruction-following large vision-language models") {
		t.Errorf("2407.18121 is %s", show(p))
	}
}
