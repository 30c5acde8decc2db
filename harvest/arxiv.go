package harvest

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/ingest"
)

// arXiv's OAI-PMH interface (https://info.arxiv.org/help/oa/index.html)
// answers ListRecords with metadataPrefix=arXiv with pages of about 1,000
// records like
//
//	<record><header><identifier>oai:arXiv.org:0704.0001</identifier>
//	  <datestamp>2008-11-13</datestamp><setSpec>physics:hep-ph</setSpec></header>
//	 <metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/">
//	  <id>0704.0001</id><created>2007-04-02</created><updated>2008-11-13</updated>
//	  <authors><author><keyname>Balázs</keyname><forenames>C.</forenames></author>...</authors>
//	  <title>...</title><categories>hep-ph</categories><doi>10.1103/...</doi>
//	  <abstract>...</abstract></arXiv></metadata></record>
//
// and a <resumptionToken> for the next page, empty on the last. A record
// is harvested again whenever arXiv changes it (a new version); its
// datestamp is the day of that change, which is what from= selects on.
// The arXiv format carries no versions: created is the first version's
// day, the paper's published day.

type oaiResponse struct {
	// Naming the root refuses any other document, such as a web page.
	XMLName xml.Name `xml:"http://www.openarchives.org/OAI/2.0/ OAI-PMH"`
	Errors  []struct {
		Code    string `xml:"code,attr"`
		Message string `xml:",chardata"`
	} `xml:"error"`
	Records []oaiRecord `xml:"ListRecords>record"`
	Token   string      `xml:"ListRecords>resumptionToken"`
}

type oaiRecord struct {
	Header struct {
		Status     string `xml:"status,attr"`
		Identifier string `xml:"identifier"`
		Datestamp  string `xml:"datestamp"`
	} `xml:"header"`
	Meta *arxivMeta `xml:"metadata>arXiv"`
}

type arxivMeta struct {
	ID      string `xml:"id"`
	Created string `xml:"created"`
	Updated string `xml:"updated"`
	Authors []struct {
		Keyname   string `xml:"keyname"`
		Forenames string `xml:"forenames"`
		Suffix    string `xml:"suffix"`
	} `xml:"authors>author"`
	Title      string `xml:"title"`
	Categories string `xml:"categories"`
	DOI        string `xml:"doi"`
	Abstract   string `xml:"abstract"`
}

// oaiPage is one page of records, read.
type oaiPage struct {
	papers  []paperhound.Paper // the records kept
	records int                // all records on the page
	newest  string             // the newest datestamp on the page
	token   string             // the next page's resumption token; "" on the last
	// noRecords: nothing matched (OAI-PMH's noRecordsMatch error), a
	// harvest with nothing new. badToken: the resumption token is unknown
	// or expired, so the harvest starts again from its from=.
	noRecords, badToken bool
}

// listRecordsURL is the first request of a harvest, or the next page's.
func listRecordsURL(base, set, from, token string) string {
	q := url.Values{"verb": {"ListRecords"}}
	if token != "" {
		q.Set("resumptionToken", token) // an exclusive argument
	} else {
		q.Set("metadataPrefix", "arXiv")
		if set != "" {
			q.Set("set", set)
		}
		if from != "" {
			q.Set("from", from)
		}
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + q.Encode()
}

// readOAIPage parses a ListRecords answer. Deleted records and records in
// none of categories (when any are given) are counted but not kept; a
// record unfit to store is not kept, and is told to problem with the
// reason, as is a field dropped from a record that is kept.
func readOAIPage(body []byte, categories []string, problem func(id, msg string)) (oaiPage, error) {
	var r oaiResponse
	if err := xml.Unmarshal(body, &r); err != nil {
		return oaiPage{}, fmt.Errorf("not an OAI-PMH answer: %w: %s", err, snippet(body))
	}
	var page oaiPage
	for _, e := range r.Errors {
		switch e.Code {
		case "noRecordsMatch":
			page.noRecords = true
		case "badResumptionToken":
			page.badToken = true
		default:
			return oaiPage{}, fmt.Errorf("OAI-PMH error %s: %s", e.Code, strings.TrimSpace(e.Message))
		}
	}
	page.token = strings.TrimSpace(r.Token)
	page.records = len(r.Records)
	for _, rec := range r.Records {
		page.newest = max(page.newest, strings.TrimSpace(rec.Header.Datestamp))
		if rec.Header.Status == "deleted" || rec.Meta == nil {
			continue
		}
		p := rec.Meta.paper()
		if len(categories) > 0 && !slices.ContainsFunc(p.Categories, func(c string) bool { return slices.Contains(categories, c) }) {
			continue
		}
		reason, warning := ingest.CheckPaper(&p)
		switch {
		case reason != "":
			problem(rec.Header.Identifier, "skipped: "+reason)
			continue
		case warning != "":
			problem(rec.Header.Identifier, "warning: "+warning)
		}
		page.papers = append(page.papers, p)
	}
	return page, nil
}

func (m *arxivMeta) paper() paperhound.Paper {
	id := strings.TrimSpace(m.ID)
	p := paperhound.Paper{
		ID:         id,
		Title:      m.Title,
		Abstract:   m.Abstract,
		Categories: strings.Fields(m.Categories),
		DOI:        paperhound.CleanDOI(m.DOI),
		URL:        "https://arxiv.org/abs/" + id,
	}
	for _, a := range m.Authors {
		p.Authors = append(p.Authors, strings.Join(strings.Fields(a.Forenames+" "+a.Keyname+" "+a.Suffix), " "))
	}
	if d, err := paperhound.ParseDate(m.Created); err == nil {
		p.Published = d
	}
	return p
}

// arxiv harvests set from arXiv into the store, from where the last
// harvest ended (or since, if later), one page at a time. After each
// page's papers are stored, the state records the next page's token, so a
// run stopped anywhere resumes at the page it was on; the datestamp to
// start the next harvest from is moved on only once the list is done,
// since records do not come in datestamp order.
func (r *run) arxiv(ctx context.Context) (Result, error) {
	res := Result{Source: "arxiv"}
	source := "arxiv:" + r.cfg.Set
	st, err := r.store.SyncState(ctx, source)
	if err != nil {
		return res, err
	}
	from := max(r.cfg.Since.String(), st.DoneThrough)
	restarted := false
	for page := 1; ; page++ {
		u := listRecordsURL(r.cfg.ArxivURL, r.cfg.Set, from, st.Token)
		body, err := r.fetch.get(ctx, u)
		if err != nil {
			return res, err
		}
		p, err := readOAIPage(body, r.cfg.Categories, func(id, msg string) {
			r.log.Warn("sync: arXiv record", "record", id, "problem", msg)
		})
		if err != nil {
			return res, fmt.Errorf("GET %s: %w", u, err)
		}
		switch {
		case p.badToken && st.Token != "" && !restarted:
			// Tokens expire: one saved by a run stopped long ago is gone.
			r.log.Warn("sync: arXiv no longer knows the resumption token; harvesting again from the start", "from", from)
			st.Token, restarted = "", true
			continue
		case p.badToken:
			return res, fmt.Errorf("GET %s: OAI-PMH error badResumptionToken", u)
		}
		if err := r.save(ctx, &res, p.records, p.papers, mergeArxiv); err != nil {
			return res, err
		}
		st.Newest = max(st.Newest, p.newest)
		st.Token = p.token
		if p.token == "" || p.noRecords {
			st.DoneThrough, st.Token, st.Newest = max(st.DoneThrough, st.Newest), "", ""
		}
		if err := r.store.SaveSyncState(ctx, st); err != nil {
			return res, err
		}
		r.progress(Progress{Source: res.Source, Page: page, Result: res})
		if st.Token == "" {
			return res, nil
		}
	}
}

// mergeArxiv keeps what only Hugging Face knows of a paper arXiv sends
// again: its upvotes.
func mergeArxiv(rec, stored paperhound.Paper) paperhound.Paper {
	rec.Upvotes = stored.Upvotes
	return rec
}
