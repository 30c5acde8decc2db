package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/harvest/harvesttest"
	"github.com/paperhound/paperhound/schema"
)

// syncRecords are 7 arXiv records over the three days up to today, in 3
// pages of 3 (the sync tests' --since is the first of them).
func syncRecords() (recs []harvesttest.Record, since string, ids []string) {
	day := func(n int) string { return time.Now().UTC().AddDate(0, 0, -n).Format(time.DateOnly) }
	recs = harvesttest.Records(7, day(2), day(1), day(0))
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	return recs, day(2), ids
}

func syncRun(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), append([]string{"sync", "--pause", "0"}, args...), &stdout, &stderr); err != nil {
		t.Fatalf("sync %q: %v; stderr:\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

// paperhound sync against fakes of arXiv (3 pages, a 503 with Retry-After:
// 2 between them) and Hugging Face stores every record once, and a second
// run asks only for what is newer and adds nothing.
func TestSyncCommand(t *testing.T) {
	t.Parallel()
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			recs, since, ids := syncRecords()
			arxiv := harvesttest.NewArxiv(t, recs, harvesttest.ArxivOptions{PageSize: 3, Busy: 2})
			args := []string{"--db", db.dsn, "--sources", "arxiv", "--arxiv-url", arxiv.URL(), "--since", since}
			start := time.Now()
			if out := syncRun(t, args...); out != "arxiv: fetched 7, added 7, updated 0, unchanged 0\n" {
				t.Errorf("first run printed %q", out)
			}
			if took := time.Since(start); took < 2*time.Second {
				t.Errorf("the first run took %v: the 503's Retry-After: 2 was not waited", took)
			}
			papers, n := allPapers(t, db.dsn, ids...)
			if p := papers["2407.00005"]; n != 7 || !reflect.DeepEqual(p.Authors, paperhound.Strings{"Anna Müller", "Wei Li"}) ||
				!reflect.DeepEqual(p.Categories, paperhound.Strings{"cs.CL", "cs.LG"}) {
				t.Errorf("%d papers; 2407.00005 is %+v", n, p)
			}
			if out := syncRun(t, args...); out != "arxiv: fetched 2, added 0, updated 0, unchanged 2\n" {
				t.Errorf("second run printed %q", out)
			}
			reqs := arxiv.Requests()
			if last := reqs[len(reqs)-1]; !strings.Contains(last, "from="+recs[2].Datestamp+"&") {
				t.Errorf("second run asked %q, want from= the newest datestamp, %s", last, recs[2].Datestamp)
			}

			hf := harvesttest.NewHF(t, map[string][]harvesttest.Paper{
				since:             {{ID: "2407.00001", Title: "HF's title", PublishedAt: since, Upvotes: 9}},
				recs[2].Datestamp: {{ID: "2407.09999", Title: "Only on HF", Summary: "S.", PublishedAt: since, Upvotes: 2}},
			})
			hfArgs := []string{"--db", db.dsn, "--sources", "hf", "--hf-url", hf.URL, "--since", since}
			if out := syncRun(t, hfArgs...); out != "hf: fetched 2, added 1, updated 1, unchanged 0\n" {
				t.Errorf("hf run printed %q", out)
			}
			if out := syncRun(t, hfArgs...); out != "hf: fetched 1, added 0, updated 0, unchanged 1\n" {
				t.Errorf("second hf run printed %q", out)
			}
			if got := hf.Dates(); len(got) != 4 || got[3] != recs[2].Datestamp {
				t.Errorf("hf asked for %v: want the 3 days, then today again", got)
			}
			papers, n = allPapers(t, db.dsn, "2407.00001")
			if p := papers["2407.00001"]; n != 8 || p.Upvotes != 9 || p.Title != "Paper 1 on speculative decoding" {
				t.Errorf("%d papers; 2407.00001 is %+v: want arXiv's title and HF's upvotes", n, p)
			}
		})
	}
}

// A sync killed with SIGKILL while it waits for a page, then run again,
// leaves the store an uninterrupted run leaves. The killed one's lease
// does not hold the rerun up: its process is gone.
func TestSyncKilled(t *testing.T) {
	t.Parallel()
	recs, since, ids := syncRecords()
	whole := filepath.Join(t.TempDir(), "whole.db")
	syncRun(t, "--db", whole, "--sources", "arxiv", "--arxiv-url", harvesttest.NewArxiv(t, recs, harvesttest.ArxivOptions{PageSize: 3}).URL(), "--since", since)
	want, _ := allPapers(t, whole, ids...)
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			arxiv := harvesttest.NewArxiv(t, recs, harvesttest.ArxivOptions{PageSize: 3, Hold: 3})
			args := []string{"sync", "--pause", "0", "--db", db.dsn, "--sources", "arxiv", "--arxiv-url", arxiv.URL(), "--since", since}
			raw, _ := json.Marshal(args)
			child := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
			child.Env = append(os.Environ(), childArgsEnv+"="+string(raw))
			var out bytes.Buffer
			child.Stdout, child.Stderr = &out, &out
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-arxiv.Held:
			case <-time.After(30 * time.Second):
				child.Process.Kill()
				t.Fatalf("page 3 never asked for; output:\n%s", out.String())
			}
			child.Process.Kill()
			err := child.Wait()
			if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child: %v, want killed; output:\n%s", err, out.String())
			}
			if _, n := allPapers(t, db.dsn); n != 6 {
				t.Errorf("%d papers stored by the killed run, want its 2 pages' 6", n)
			}

			if got := syncRun(t, args[3:]...); got != "arxiv: fetched 1, added 1, updated 0, unchanged 0\n" {
				t.Errorf("rerun printed %q, want the last page alone", got)
			}
			got, n := allPapers(t, db.dsn, ids...)
			for id, p := range got {
				p.CreatedAt, p.UpdatedAt = want[id].CreatedAt, want[id].UpdatedAt
				got[id] = p
			}
			if n != 7 || !reflect.DeepEqual(got, want) {
				t.Errorf("%d papers, differing from an uninterrupted run's:\n%v\n%v", n, got, want)
			}
			if got, want := syncState(t, db.dsn), syncState(t, whole); got != want {
				t.Errorf("sync state %+v, an uninterrupted run's %+v", got, want)
			}
		})
	}
}

// serve --sync-every syncs in the background: queries are answered while
// it waits for a page, the papers of the pages before are found already,
// and a round that finds another sync running is skipped.
func TestServeSyncEvery(t *testing.T) {
	t.Parallel()
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			recs, since, _ := syncRecords()
			arxiv := harvesttest.NewArxiv(t, recs, harvesttest.ArxivOptions{PageSize: 3, Hold: 3})
			// Another sync holds the lease for the first round.
			st, err := schema.Open(context.Background(), db.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.AcquireLease(context.Background(), "sync", "elsewhere:1:x", "", time.Minute); err != nil {
				t.Fatal(err)
			}
			s := startServe(t, "--db", db.dsn, "--sync-every", "300ms", "--pause", "0", "--sources", "arxiv",
				"--arxiv-url", arxiv.URL(), "--since", since)
			waitLog(t, s, "sync skipped: another sync is running")
			if m := scrape(t, s.url); !strings.Contains(m, `paperhound_sync_runs_total{outcome="skipped",source="all"} `) {
				t.Errorf("the skipped round is not counted in /metrics:\n%s", m)
			}
			if err := st.ReleaseLease(context.Background(), "sync", "elsewhere:1:x"); err != nil {
				t.Fatal(err)
			}
			select {
			case <-arxiv.Held:
			case <-time.After(20 * time.Second):
				t.Fatalf("page 3 never asked for; log:\n%s", s.logs)
			}
			// The sync waits for page 3: pages 1 and 2 are in the index.
			if ids := idsOf(ranked(t, "GET", s.url+"/v1/search?q="+url.QueryEscape("speculative decoding draft models")+"&limit=20", "")); len(ids) != 6 {
				t.Errorf("search while the sync waits: %v, want the 6 papers of pages 1 and 2", ids)
			}
			var p paperhound.Paper
			fetch(t, "GET", s.url+"/v1/papers/2407.00005", "", http.StatusOK, "application/json", &p)
			if p.Title != "Paper 5 on speculative decoding" {
				t.Errorf("paper of page 2: %+v", p)
			}
		})
	}
}

// scrape is the server's /metrics text.
func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	return string(b)
}

// waitLog waits until the server's log holds text.
func waitLog(t *testing.T, s *server, text string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(s.logs.String(), text); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log:\n%s", text, s.logs)
		}
	}
}

// A sync while another holds the lease fetches nothing and says why.
func TestSyncBusy(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "x.db")
	st, err := schema.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AcquireLease(context.Background(), "sync", "elsewhere:1:x", "", time.Minute); err != nil {
		t.Fatal(err)
	}
	recs, since, _ := syncRecords()
	arxiv := harvesttest.NewArxiv(t, recs, harvesttest.ArxivOptions{PageSize: 3})
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"sync", "--db", db, "--arxiv-url", arxiv.URL(), "--since", since}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "another sync is running on this database: elsewhere:1:x holds the lease until") {
		t.Errorf("sync while the lease is held: %v", err)
	}
	if n := len(arxiv.Requests()); n != 0 || stdout.Len() != 0 {
		t.Errorf("%d requests, stdout %q: want none", n, stdout.String())
	}
}

// syncState is the arXiv set cs's sync state in the database at dsn.
func syncState(t *testing.T, dsn string) schema.SyncState {
	t.Helper()
	st, err := schema.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	state, err := st.SyncState(context.Background(), "arxiv:cs")
	if err != nil {
		t.Fatal(err)
	}
	return state
}
