package harvest

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/ingest"
)

// hf fetches Hugging Face's daily papers, one request a day from where the
// last run ended (or since, if later; today alone the first time) to
// today. The last day fetched is fetched again next time: its list and its
// upvotes grow through the day. Upvotes are the counts Hugging Face shows,
// which trending adds to ours.
func (r *run) hf(ctx context.Context) (Result, error) {
	res := Result{Source: "hf"}
	st, err := r.store.SyncState(ctx, "hf")
	if err != nil {
		return res, err
	}
	now := r.cfg.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	day := today
	if start := max(r.cfg.Since.String(), st.DoneThrough); start != "" {
		d, err := paperhound.ParseDate(start)
		if err != nil {
			return res, fmt.Errorf("the day to start from: %w", err)
		}
		day = d.Time
	}
	for page := 1; !day.After(today); page, day = page+1, day.AddDate(0, 0, 1) {
		name := day.Format(time.DateOnly)
		u := strings.TrimSuffix(r.cfg.HFURL, "/") + "/api/daily_papers?" + url.Values{"date": {name}}.Encode()
		body, err := r.fetch.get(ctx, u)
		if err != nil {
			return res, err
		}
		var papers []paperhound.Paper
		records := 0
		err = ingest.ReadPapers(ctx, bytes.NewReader(body), "daily papers of "+name,
			func(_ int, p paperhound.Paper) error { papers = append(papers, p); return nil },
			func(p ingest.Problem) error {
				if p.Line == 0 {
					return fmt.Errorf("GET %s: %s", u, p.Reason) // the answer is no list of papers
				}
				if !p.Warning {
					records++ // read, not kept
				}
				r.log.Warn("sync: Hugging Face paper", "problem", p.Error())
				return nil
			})
		if err != nil {
			return res, err
		}
		if err := r.save(ctx, &res, records+len(papers), papers, mergeHF); err != nil {
			return res, err
		}
		st.DoneThrough = name
		if err := r.store.SaveSyncState(ctx, st); err != nil {
			return res, err
		}
		r.progress(Progress{Source: res.Source, Page: page, Result: res})
	}
	return res, nil
}

// mergeHF takes only the upvotes from a Hugging Face paper already stored,
// and fills the fields the stored one lacks: the metadata of the first
// source to bring a paper stands, and arXiv's replaces Hugging Face's.
func mergeHF(rec, stored paperhound.Paper) paperhound.Paper {
	out := stored
	out.Upvotes = rec.Upvotes
	if out.Abstract == "" {
		out.Abstract = rec.Abstract
	}
	if len(out.Authors) == 0 {
		out.Authors = rec.Authors
	}
	if out.Published.IsZero() {
		out.Published = rec.Published
	}
	if out.URL == "" {
		out.URL = rec.URL
	}
	return out
}
