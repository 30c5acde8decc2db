package harvest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/harvest"
	"github.com/paperhound/paperhound/harvest/harvesttest"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

// now is the tests' today.
var now = time.Date(2024, 7, 10, 12, 0, 0, 0, time.UTC)

// records are seven arXiv records over three days, one deleted, served in
// pages of three: three pages.
func records() []harvesttest.Record {
	recs := harvesttest.Records(7, "2024-07-02", "2024-07-03", "2024-07-04")
	recs[3].Deleted = true
	return recs
}

// env is a store and an engine on one backend, and a run's settings.
type env struct {
	store  *schema.Store
	engine *recommend.Engine
	cfg    harvest.Config
	slept  []time.Duration
}

func newEnv(t *testing.T, store *schema.Store) *env {
	e := &env{store: store, engine: recommend.New(store, index.NewMemory(), recommend.LexicalChannels(), nil)}
	e.cfg = harvest.Config{
		Sources: []string{"arxiv"},
		Set:     "cs",
		Since:   paperhound.Date{Time: time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)},
		Pause:   3 * time.Second,
		Now:     func() time.Time { return now },
		Sleep: func(ctx context.Context, d time.Duration) error {
			e.slept = append(e.slept, d)
			return ctx.Err()
		},
	}
	return e
}

func (e *env) run(t *testing.T) []harvest.Result {
	t.Helper()
	res, err := harvest.Run(context.Background(), e.cfg, e.store, e.engine)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// papers returns every stored paper by id, timestamps left out.
func (e *env) papers(t *testing.T, ids ...string) map[string]paperhound.Paper {
	t.Helper()
	got, err := e.store.Papers(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for id, p := range got {
		p.CreatedAt, p.UpdatedAt = time.Time{}, time.Time{}
		got[id] = p
	}
	return got
}

func ids(recs []harvesttest.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

func counts(r harvest.Result) string {
	return fmt.Sprintf("fetched %d, added %d, updated %d, unchanged %d", r.Fetched, r.Added, r.Updated, r.Unchanged)
}

func TestArxiv(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			recs := records()
			fake := harvesttest.NewArxiv(t, recs, harvesttest.ArxivOptions{PageSize: 3, Busy: 2})
			e := newEnv(t, b.Store)
			e.cfg.ArxivURL = fake.URL()

			res := e.run(t)
			if len(res) != 1 || counts(res[0]) != "fetched 7, added 6, updated 0, unchanged 0" {
				t.Fatalf("first run: %v", res)
			}
			wantQueries := []string{
				"from=2024-07-01&metadataPrefix=arXiv&set=cs&verb=ListRecords",
				"resumptionToken=0%7C2024-07-01%7C3&verb=ListRecords", // 503
				"resumptionToken=0%7C2024-07-01%7C3&verb=ListRecords",
				"resumptionToken=0%7C2024-07-01%7C6&verb=ListRecords",
			}
			if got := fake.Requests(); !slices.Equal(got, wantQueries) {
				t.Errorf("requests:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantQueries, "\n"))
			}
			// A pause before each request but the first, and the 503's 2 s.
			if want := []time.Duration{3 * time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}; !slices.Equal(e.slept, want) {
				t.Errorf("waits %v, want %v", e.slept, want)
			}
			got := e.papers(t, ids(recs)...)
			if len(got) != 6 {
				t.Fatalf("%d papers stored, want 6 (7 less the deleted one)", len(got))
			}
			want := paperhound.Paper{
				ID: "2407.00001", Title: "Paper 1 on speculative decoding", Abstract: "We study draft models, take 1.",
				Authors: paperhound.Strings{"Anna Müller", "Wei Li"}, Categories: paperhound.Strings{"cs.CL", "cs.LG"},
				Published: paperhound.Date{Time: time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)},
				URL:       "https://arxiv.org/abs/2407.00001", DOI: "10.1234/abc.1",
			}
			if !reflect.DeepEqual(got["2407.00001"], want) {
				t.Errorf("stored\n%+v\nwant\n%+v", got["2407.00001"], want)
			}
			if _, ok := got["2407.00004"]; ok {
				t.Error("the deleted record was stored")
			}

			// Next: one record changed (a new version), one new; the rest
			// of the newest day's are fetched again and left alone.
			fake.Lock()
			fake.Records[0].Datestamp, fake.Records[0].Abstract = "2024-07-05", "A new abstract in version 2."
			fake.Records = append(fake.Records, harvesttest.Record{ID: "2407.00008", Datestamp: "2024-07-05", Created: "2024-07-05",
				Title: "Paper 8", Authors: [][2]string{{"Roe", "Jo"}}, Categories: "cs.CL"})
			fake.Unlock()
			before := len(fake.Requests())
			res = e.run(t)
			if counts(res[0]) != "fetched 4, added 1, updated 1, unchanged 2" {
				t.Errorf("second run: %v", res)
			}
			if got := fake.Requests()[before]; got != "from=2024-07-04&metadataPrefix=arXiv&set=cs&verb=ListRecords" {
				t.Errorf("second run asked %s, want from= the newest datestamp", got)
			}
			if p := e.papers(t, "2407.00001")["2407.00001"]; p.Abstract != "A new abstract in version 2." {
				t.Errorf("updated record: %+v", p)
			}
			if n, _ := b.Store.CountPapers(context.Background()); n != 7 {
				t.Errorf("%d papers, want 7", n)
			}

			// Nothing new: noRecordsMatch ends the harvest.
			fake.Lock()
			fake.Records = fake.Records[:0]
			fake.Unlock()
			if res = e.run(t); counts(res[0]) != "fetched 0, added 0, updated 0, unchanged 0" {
				t.Errorf("run with nothing new: %v", res)
			}
			if st, _ := b.Store.SyncState(context.Background(), "arxiv:cs"); st.DoneThrough != "2024-07-05" || st.Token != "" {
				t.Errorf("state after nothing new: %+v", st)
			}
		})
	}
}

// A run stopped midway (here by a failed request) resumes with the
// resumption token it was at, and ends with what an uninterrupted run
// stores; a token arXiv has forgotten restarts the harvest.
func TestArxivResume(t *testing.T) {
	ctx := context.Background()
	whole := newEnv(t, schematest.Open(t, "sqlite"))
	whole.cfg.ArxivURL = harvesttest.NewArxiv(t, records(), harvesttest.ArxivOptions{PageSize: 3}).URL()
	whole.run(t)
	want := whole.papers(t, ids(records())...)

	for _, forget := range []bool{false, true} {
		t.Run(fmt.Sprintf("forget=%v", forget), func(t *testing.T) {
			fake := harvesttest.NewArxiv(t, records(), harvesttest.ArxivOptions{PageSize: 3, Fail: 3})
			e := newEnv(t, schematest.Open(t, "sqlite"))
			e.cfg.ArxivURL = fake.URL()
			res, err := harvest.Run(ctx, e.cfg, e.store, e.engine)
			if err == nil || res[0].Err == nil || counts(res[0]) != "fetched 6, added 5, updated 0, unchanged 0" {
				t.Fatalf("run failing on page 3: %v, %v", res, err)
			}
			if st, _ := e.store.SyncState(ctx, "arxiv:cs"); st.Token != "0|2024-07-01|6" || st.DoneThrough != "" {
				t.Fatalf("state after page 2: %+v", st)
			}
			if forget {
				fake.ForgetTokens()
			}
			res = e.run(t)
			next := fake.Requests()[3]
			switch {
			case !forget && (next != "resumptionToken=0%7C2024-07-01%7C6&verb=ListRecords" || counts(res[0]) != "fetched 1, added 1, updated 0, unchanged 0"):
				t.Errorf("resumed with %s: %v", next, res)
			case forget && counts(res[0]) != "fetched 7, added 1, updated 0, unchanged 5":
				t.Errorf("restarted: %v", res)
			}
			if got := e.papers(t, ids(records())...); !reflect.DeepEqual(got, want) {
				t.Errorf("resumed store differs from an uninterrupted run's:\n%v\n%v", got, want)
			}
			if st, _ := e.store.SyncState(ctx, "arxiv:cs"); st != (schema.SyncState{Source: "arxiv:cs", DoneThrough: "2024-07-04"}) {
				t.Errorf("state once done: %+v", st)
			}
		})
	}
}

func TestArxivCategories(t *testing.T) {
	recs := records()
	recs[0].Categories = "math.AG"
	recs[1].Categories = "cs.LG stat.ML"
	e := newEnv(t, schematest.Open(t, "sqlite"))
	e.cfg.ArxivURL = harvesttest.NewArxiv(t, recs, harvesttest.ArxivOptions{PageSize: 3}).URL()
	e.cfg.Categories = []string{"stat.ML", "math.AG"}
	if res := e.run(t); counts(res[0]) != "fetched 7, added 2, updated 0, unchanged 0" || res[0].Skipped() != 5 {
		t.Errorf("%v", res)
	}
	if got := e.papers(t, ids(recs)...); len(got) != 2 || got["2407.00001"].ID == "" || got["2407.00002"].ID == "" {
		t.Errorf("stored %v", got)
	}
}

func hfDays() map[string][]harvesttest.Paper {
	return map[string][]harvesttest.Paper{
		"2024-07-08": {{ID: "2407.00001", Title: "HF title 1", Summary: "HF summary.", Authors: []string{"A. Müller"}, PublishedAt: "2024-07-01", Upvotes: 12}},
		"2024-07-09": {
			{ID: "2407.09001", Title: "Only on HF", Summary: "Seen on HF.", Authors: []string{"B"}, PublishedAt: "2024-07-08", Upvotes: 3},
			{ID: "2407.09002", Title: "Also only on HF", PublishedAt: "2024-07-08", Upvotes: 1},
		},
		"2024-07-10": {{ID: "2407.10001", Title: "Today's", PublishedAt: "2024-07-09", Upvotes: 0}},
	}
}

func TestHF(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fake := harvesttest.NewHF(t, hfDays())
			e := newEnv(t, b.Store)
			e.cfg.Sources, e.cfg.HFURL = []string{"hf"}, fake.URL
			e.cfg.Since = paperhound.Date{Time: time.Date(2024, 7, 7, 0, 0, 0, 0, time.UTC)}
			if res := e.run(t); counts(res[0]) != "fetched 4, added 4, updated 0, unchanged 0" {
				t.Errorf("first run: %v", res)
			}
			if got := fake.Dates(); !slices.Equal(got, []string{"2024-07-07", "2024-07-08", "2024-07-09", "2024-07-10"}) {
				t.Errorf("asked for %v", got)
			}
			p := e.papers(t, "2407.09001")["2407.09001"]
			if p.Upvotes != 3 || p.Title != "Only on HF" || !slices.Equal(p.Authors, []string{"B"}) || p.Published.String() != "2024-07-08" {
				t.Errorf("stored %+v", p)
			}

			// Tomorrow: today's list has grown and its upvotes changed.
			fake.Lock()
			fake.Days["2024-07-10"][0].Upvotes = 7
			fake.Days["2024-07-11"] = []harvesttest.Paper{{ID: "2407.11001", Title: "Tomorrow's", PublishedAt: "2024-07-10"}}
			fake.Unlock()
			e.cfg.Now = func() time.Time { return now.AddDate(0, 0, 1) }
			if res := e.run(t); counts(res[0]) != "fetched 2, added 1, updated 1, unchanged 0" {
				t.Errorf("second run: %v", res)
			}
			if got := fake.Dates()[4:]; !slices.Equal(got, []string{"2024-07-10", "2024-07-11"}) {
				t.Errorf("second run asked for %v, want from the last day fetched", got)
			}
			if p := e.papers(t, "2407.10001")["2407.10001"]; p.Upvotes != 7 {
				t.Errorf("upvotes not refreshed: %+v", p)
			}
			// Its 7 upvotes now put it first in trending (with none it was
			// behind 2407.09001's 3).
			top, err := e.engine.Trending(context.Background(), recommend.TrendingOptions{Days: 7, Limit: 1})
			if err != nil || len(top) != 1 || top[0].Paper.ID != "2407.10001" {
				t.Errorf("trending: %v, %v; want 2407.10001 first", top, err)
			}
		})
	}
}

// A paper from both sources has arXiv's metadata and Hugging Face's
// upvotes, whichever came first, and keeps them as either sends it again.
func TestBothSources(t *testing.T) {
	want := func(upvotes int) paperhound.Paper {
		return paperhound.Paper{
			ID: "2407.00001", Title: "Paper 1 on speculative decoding", Abstract: "We study draft models, take 1.",
			Authors: paperhound.Strings{"Anna Müller", "Wei Li"}, Categories: paperhound.Strings{"cs.CL", "cs.LG"},
			Published: paperhound.Date{Time: time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)},
			URL:       "https://arxiv.org/abs/2407.00001", DOI: "10.1234/abc.1", Upvotes: upvotes,
		}
	}
	for _, order := range [][]string{{"arxiv", "hf"}, {"hf"}} {
		t.Run(strings.Join(order, ","), func(t *testing.T) {
			arxiv := harvesttest.NewArxiv(t, records(), harvesttest.ArxivOptions{PageSize: 3})
			hf := harvesttest.NewHF(t, hfDays())
			e := newEnv(t, schematest.Open(t, "sqlite"))
			e.cfg.ArxivURL, e.cfg.HFURL = arxiv.URL(), hf.URL
			e.cfg.Sources = order
			e.run(t)
			// arXiv sends the paper again on every run below.
			arxiv.Lock()
			arxiv.Records[0].Datestamp = "2024-07-09"
			arxiv.Unlock()
			// Then both (Run takes arXiv first) and again: HF's upvotes
			// survive arXiv's record, arXiv's metadata HF's.
			e.cfg.Sources = []string{"arxiv", "hf"}
			for range 2 {
				e.run(t)
				if got := e.papers(t, "2407.00001")["2407.00001"]; !reflect.DeepEqual(got, want(12)) {
					t.Fatalf("stored\n%+v\nwant\n%+v", got, want(12))
				}
			}
			hf.Lock()
			hf.Days["2024-07-10"] = append(hf.Days["2024-07-10"], harvesttest.Paper{ID: "2407.00001", Title: "HF title 1", PublishedAt: "2024-07-01", Upvotes: 30})
			hf.Unlock()
			res := e.run(t)
			if got := e.papers(t, "2407.00001")["2407.00001"]; !reflect.DeepEqual(got, want(30)) {
				t.Errorf("after new upvotes: %+v", got)
			}
			if counts(res[1]) != "fetched 2, added 0, updated 1, unchanged 1" {
				t.Errorf("hf: %v", res[1])
			}
		})
	}
}

// Two syncs at once on one database: the second finds the lease held and
// fetches nothing.
func TestLease(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fake := harvesttest.NewArxiv(t, records(), harvesttest.ArxivOptions{PageSize: 3, Hold: 1})
			first := newEnv(t, b.Store)
			first.cfg.ArxivURL = fake.URL()
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			var firstErr error
			wg.Go(func() { _, firstErr = harvest.Run(ctx, first.cfg, first.store, first.engine) })
			<-fake.Held

			second := newEnv(t, b.Store)
			second.cfg.ArxivURL = fake.URL()
			res, err := harvest.Run(context.Background(), second.cfg, second.store, second.engine)
			if !errors.Is(err, harvest.ErrBusy) || !errors.Is(err, paperhound.ErrConflict) || res != nil {
				t.Errorf("second sync: %v, %v; want ErrBusy", res, err)
			}
			if n := len(fake.Requests()); n != 1 {
				t.Errorf("%d requests, want the first sync's 1", n)
			}
			cancel()
			wg.Wait()
			if !errors.Is(firstErr, context.Canceled) {
				t.Errorf("first sync: %v", firstErr)
			}
			// Released: the next sync runs.
			if res := second.run(t); counts(res[0]) != "fetched 7, added 6, updated 0, unchanged 0" {
				t.Errorf("after the first: %v", res)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	e := newEnv(t, schematest.Open(t, "sqlite"))
	for _, sources := range [][]string{nil, {"arxiv", "semantic-scholar"}} {
		e.cfg.Sources = sources
		if _, err := harvest.Run(context.Background(), e.cfg, e.store, e.engine); !errors.Is(err, paperhound.ErrInvalid) {
			t.Errorf("sources %q: %v, want ErrInvalid", sources, err)
		}
	}
}

// BenchmarkArxiv harvests 5,000 records in pages of 1,000, arXiv's size,
// with no pause, into a fresh SQLite store: the sync's own throughput,
// embedding and writing included.
func BenchmarkArxiv(b *testing.B) {
	const n = 5000
	recs := harvesttest.Records(n, "2024-07-02", "2024-07-03")
	// Abstracts of arXiv's usual length, about 150 words, each its own.
	words := strings.Fields("we propose a method for speculative decoding with draft models that verify tokens in parallel " +
		"and study its speed accuracy trade off on long context retrieval tasks across model sizes and batch settings")
	for i := range recs {
		var abs []string
		for j := range 150 {
			abs = append(abs, words[(i*7+j*j)%len(words)])
		}
		recs[i].Abstract = strings.Join(abs, " ")
	}
	fake := harvesttest.NewArxiv(b, recs, harvesttest.ArxivOptions{PageSize: 1000})
	var took time.Duration
	for b.Loop() {
		b.StopTimer()
		st := schematest.Open(b, "sqlite")
		engine := recommend.New(st, index.NewMemory(), recommend.LexicalChannels(), nil)
		cfg := harvest.Config{Sources: []string{"arxiv"}, ArxivURL: fake.URL(), Set: "cs"}
		b.StartTimer()
		start := time.Now()
		res, err := harvest.Run(context.Background(), cfg, st, engine)
		took += time.Since(start)
		if err != nil || res[0].Added != n {
			b.Fatal(res, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/took.Seconds(), "records/s")
}

// An answer that is not what the source should send stops that source with
// an error that says what came back, leaves its state as it was, and lets
// the next source run.
func TestSourceErrors(t *testing.T) {
	for _, tc := range []struct {
		name, source, status, body, mention string
	}{
		{"OAI-PMH error", "arxiv", "200", `<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><error code="badArgument">Illegal set</error></OAI-PMH>`,
			"OAI-PMH error badArgument: Illegal set"},
		{"not XML", "arxiv", "200", `<html><body>Maintenance</body></html>`, "not an OAI-PMH answer"},
		{"arXiv 404", "arxiv", "404", `no such page`, "404 Not Found: no such page"},
		{"HF not JSON", "hf", "200", `<!doctype html><p>Sorry</p>`, "not JSON Lines or a JSON array"},
		{"HF 400", "hf", "400", `{"error":"invalid date"}`, `400 Bad Request: {"error":"invalid date"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				code, _ := strconv.Atoi(tc.status)
				w.WriteHeader(code)
				w.Write([]byte(tc.body))
			}))
			defer bad.Close()
			good := harvesttest.NewHF(t, hfDays())
			e := newEnv(t, schematest.Open(t, "sqlite"))
			e.cfg.Sources = []string{"arxiv", "hf"}
			e.cfg.ArxivURL, e.cfg.HFURL = bad.URL, good.URL
			if tc.source == "hf" {
				e.cfg.Sources = []string{"hf"}
				e.cfg.HFURL = bad.URL
			}
			res, err := harvest.Run(context.Background(), e.cfg, e.store, e.engine)
			if err == nil || !strings.Contains(err.Error(), tc.mention) || res[0].Err == nil {
				t.Fatalf("%v, %v; want an error mentioning %q", res, err, tc.mention)
			}
			if st, _ := e.store.SyncState(context.Background(), "arxiv:cs"); st.DoneThrough != "" || st.Token != "" {
				t.Errorf("arXiv state after the error: %+v", st)
			}
			if tc.source == "arxiv" && (len(res) != 2 || res[1].Err != nil || res[1].Added == 0) {
				t.Errorf("Hugging Face after arXiv failed: %v", res)
			}
		})
	}
}
