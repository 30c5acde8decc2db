// Package harvesttest fakes the services paperhound sync harvests, speaking
// their real formats: arXiv's OAI-PMH interface (ListRecords with the arXiv
// metadata schema, pages joined by resumption tokens, flow control by 503
// and Retry-After) and Hugging Face's daily papers API.
package harvesttest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Record is one arXiv record.
type Record struct {
	ID        string
	Datestamp string // YYYY-MM-DD: the day arXiv last changed it
	Created   string // YYYY-MM-DD: its first version's day
	Title     string
	Abstract  string
	Authors   [][2]string // keyname, forenames
	// Categories as arXiv writes them, "cs.CL cs.LG".
	Categories string
	DOI        string
	Deleted    bool
}

// Records returns n made-up records, 2407.00001 onwards, the i-th (from 0)
// last changed on days[i%len(days)], each first published on 2024-07-01,
// with two authors, two categories and a DOI.
func Records(n int, days ...string) []Record {
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{
			ID:         fmt.Sprintf("2407.%05d", i+1),
			Datestamp:  days[i%len(days)],
			Created:    "2024-07-01",
			Title:      fmt.Sprintf("Paper %d on speculative decoding", i+1),
			Abstract:   fmt.Sprintf("We study draft models, take %d.", i+1),
			Authors:    [][2]string{{"Müller", "Anna"}, {"Li", "Wei"}},
			Categories: "cs.CL cs.LG",
			DOI:        fmt.Sprintf("https://doi.org/10.1234/ABC.%d", i+1),
		}
	}
	return recs
}

// ArxivOptions shape a fake arXiv's answers. Requests are numbered from 1.
type ArxivOptions struct {
	PageSize int // records a page
	// Busy is the request answered once with 503 and "Retry-After: 2".
	Busy int
	// Hold is the request held unanswered until the client goes away;
	// Arxiv.Held is closed when it arrives.
	Hold int
	Fail int // the request answered 500
}

// Arxiv is a fake OAI-PMH server. Change Records under Lock.
type Arxiv struct {
	*httptest.Server
	sync.Mutex
	Records []Record // served in this order, those from= selects
	Held    chan struct{}
	opts    ArxivOptions

	requests []string // every request's query string
	// forgot counts ForgetTokens calls: a token carries the count it was
	// handed out at, and is known while the count is the same.
	forgot int
}

// NewArxiv starts a fake OAI-PMH server, closed when the test ends.
func NewArxiv(t testing.TB, records []Record, opts ArxivOptions) *Arxiv {
	a := &Arxiv{Records: records, opts: opts, Held: make(chan struct{})}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.Close)
	return a
}

// URL is the OAI-PMH base URL.
func (a *Arxiv) URL() string { return a.Server.URL + "/oai2" }

// Requests returns the query strings asked so far.
func (a *Arxiv) Requests() []string {
	a.Lock()
	defer a.Unlock()
	return slices.Clone(a.requests)
}

// ForgetTokens makes every resumption token handed out so far unknown, as
// when arXiv's expire.
func (a *Arxiv) ForgetTokens() {
	a.Lock()
	defer a.Unlock()
	a.forgot++
}

func (a *Arxiv) serve(w http.ResponseWriter, r *http.Request) {
	a.Lock()
	a.requests = append(a.requests, r.URL.RawQuery)
	n := len(a.requests)
	q := r.URL.Query()
	switch n {
	case a.opts.Busy:
		a.Unlock()
		w.Header().Set("Retry-After", "2")
		http.Error(w, "Retry after 2 seconds", http.StatusServiceUnavailable)
		return
	case a.opts.Fail:
		a.Unlock()
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case a.opts.Hold:
		a.Unlock()
		close(a.Held)
		<-r.Context().Done()
		return
	}
	defer a.Unlock()
	if r.URL.Path != "/oai2" || q.Get("verb") != "ListRecords" {
		oaiError(w, "badVerb", "only ListRecords is faked")
		return
	}
	from, offset := q.Get("from"), 0
	if tok := q.Get("resumptionToken"); tok != "" {
		var ok bool
		from, offset, ok = a.parseToken(tok)
		if !ok || len(q) != 2 {
			oaiError(w, "badResumptionToken", "unknown token")
			return
		}
	} else if q.Get("metadataPrefix") != "arXiv" {
		oaiError(w, "cannotDisseminateFormat", "want metadataPrefix=arXiv")
		return
	}
	var list []Record
	for _, rec := range a.Records {
		if rec.Datestamp >= from {
			list = append(list, rec)
		}
	}
	if len(list) == 0 {
		oaiError(w, "noRecordsMatch", "no records")
		return
	}
	end := min(offset+a.opts.PageSize, len(list))
	var b strings.Builder
	b.WriteString(xml.Header + `<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-07-10T00:00:00Z</responseDate>` +
		`<request verb="ListRecords">https://oaipmh.arxiv.org/oai</request><ListRecords>`)
	for _, rec := range list[offset:end] {
		writeRecord(&b, rec)
	}
	token := ""
	if end < len(list) {
		token = fmt.Sprintf("%d|%s|%d", a.forgot, from, end)
	}
	fmt.Fprintf(&b, `<resumptionToken cursor="%d" completeListSize="%d">%s</resumptionToken></ListRecords></OAI-PMH>`, offset, len(list), esc(token))
	w.Header().Set("Content-Type", "text/xml")
	w.Write([]byte(b.String()))
}

func (a *Arxiv) parseToken(tok string) (from string, offset int, ok bool) {
	parts := strings.Split(tok, "|")
	if len(parts) != 3 || parts[0] != strconv.Itoa(a.forgot) {
		return "", 0, false
	}
	offset, err := strconv.Atoi(parts[2])
	return parts[1], offset, err == nil
}

func writeRecord(b *strings.Builder, rec Record) {
	status := ""
	if rec.Deleted {
		status = ` status="deleted"`
	}
	fmt.Fprintf(b, `<record><header%s><identifier>oai:arXiv.org:%s</identifier><datestamp>%s</datestamp><setSpec>cs</setSpec></header>`,
		status, esc(rec.ID), rec.Datestamp)
	if rec.Deleted {
		b.WriteString(`</record>`)
		return
	}
	fmt.Fprintf(b, `<metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`+
		`<id>%s</id><created>%s</created><updated>%s</updated><authors>`, esc(rec.ID), rec.Created, rec.Datestamp)
	for _, a := range rec.Authors {
		fmt.Fprintf(b, `<author><keyname>%s</keyname><forenames>%s</forenames></author>`, esc(a[0]), esc(a[1]))
	}
	fmt.Fprintf(b, `</authors><title>%s</title><categories>%s</categories>`, esc(rec.Title), esc(rec.Categories))
	if rec.DOI != "" {
		fmt.Fprintf(b, `<doi>%s</doi>`, esc(rec.DOI))
	}
	fmt.Fprintf(b, `<license>http://arxiv.org/licenses/nonexclusive-distrib/1.0/</license><abstract>  %s
</abstract></arXiv></metadata></record>`, esc(rec.Abstract))
}

func oaiError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `%s<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-07-10T00:00:00Z</responseDate>`+
		`<request>https://oaipmh.arxiv.org/oai</request><error code="%s">%s</error></OAI-PMH>`, xml.Header, code, esc(msg))
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// Paper is one Hugging Face daily paper.
type Paper struct {
	ID, Title, Summary string
	Authors            []string
	PublishedAt        string // the arXiv day, YYYY-MM-DD
	Upvotes            int
}

// HF is a fake Hugging Face API serving /api/daily_papers?date=DAY. Set
// Days before the first request or under Lock.
type HF struct {
	*httptest.Server
	sync.Mutex
	Days  map[string][]Paper // by day, YYYY-MM-DD
	dates []string
}

// NewHF starts a fake Hugging Face API, closed when the test ends.
func NewHF(t testing.TB, days map[string][]Paper) *HF {
	h := &HF{Days: days}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

// Dates returns the days asked for so far.
func (h *HF) Dates() []string {
	h.Lock()
	defer h.Unlock()
	return slices.Clone(h.dates)
}

func (h *HF) serve(w http.ResponseWriter, r *http.Request) {
	h.Lock()
	defer h.Unlock()
	if r.URL.Path != "/api/daily_papers" {
		http.NotFound(w, r)
		return
	}
	day := r.URL.Query().Get("date")
	h.dates = append(h.dates, day)
	items := []any{}
	for _, p := range h.Days[day] {
		var authors []map[string]any
		for i, name := range p.Authors {
			authors = append(authors, map[string]any{"_id": strconv.Itoa(i), "name": name, "hidden": false})
		}
		items = append(items, map[string]any{
			"paper": map[string]any{"id": p.ID, "title": p.Title, "summary": p.Summary, "authors": authors,
				"publishedAt": p.PublishedAt + "T13:34:12.000Z", "upvotes": p.Upvotes, "discussionId": "x" + p.ID},
			"publishedAt": day + "T08:00:00.000Z", "title": p.Title, "summary": p.Summary, "numComments": 1,
		})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(items)
}
