package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
)

// GET /v1/papers/{id} has its own response type; clients see what they saw
// when it answered with the stored paper itself: empty fields left out,
// the store's timestamps never.
func TestPaperDetailJSON(t *testing.T) {
	published, _ := paperhound.ParseDate("2024-07-25")
	for _, tc := range []struct {
		paper paperhound.Paper
		want  string
	}{
		{paperhound.Paper{ID: "2407.18121", Title: "Elastic Cache", CreatedAt: time.Now()},
			`{"id":"2407.18121","title":"Elastic Cache"}`},
		{paperhound.Paper{ID: "2407.18121", Title: "Elastic Cache", Abstract: "In the field", Authors: paperhound.Strings{"A", "B"},
			Published: published, URL: "https://arxiv.org/abs/2407.18121", Categories: paperhound.Strings{"cs.CL"},
			Upvotes: 3, CreatedAt: time.Now(), UpdatedAt: time.Now()},
			`{"id":"2407.18121","title":"Elastic Cache","abstract":"In the field","authors":["A","B"],"published":"2024-07-25",` +
				`"url":"https://arxiv.org/abs/2407.18121","categories":["cs.CL"],"upvotes":3}`},
		// A link stored before ingest refused other schemes is never served.
		{paperhound.Paper{ID: "x", Title: "T", URL: "javascript:alert(1)"}, `{"id":"x","title":"T"}`},
		{paperhound.Paper{ID: "x", Title: "T", URL: "data:text/html,<script>alert(1)</script>"}, `{"id":"x","title":"T"}`},
	} {
		got, err := json.Marshal(paperDetail(tc.paper))
		if err != nil || string(got) != tc.want {
			t.Errorf("got %s (%v), want %s", got, err, tc.want)
		}
	}
}
