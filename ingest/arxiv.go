package ingest

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/paperhound/paperhound"
)

// A record of the arXiv metadata snapshot (Kaggle's
// arxiv-metadata-oai-snapshot.json) looks like
//
//	{"id": "0704.0001", "submitter": "Pavel Nadolsky",
//	 "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
//	 "title": "Calculation of prompt diphoton production cross sections at Tevatron\n  energies",
//	 "categories": "hep-ph", "abstract": "  A fully differential calculation ...\n",
//	 "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
//	 "update_date": "2008-11-13",
//	 "authors_parsed": [["Bal\\'azs", "C.", ""], ["Berger", "E. L.", ""]], ...}

// arxivCreated is the layout of versions[].created: RFC 1123 with a day of
// one or two digits.
const arxivCreated = "Mon, 2 Jan 2006 15:04:05 MST"

// arxivRecord reads one record of the snapshot.
func arxivRecord(o *object) paperhound.Paper {
	p := paperhound.Paper{
		ID:       o.str("id"),
		Title:    o.str("title"),
		Abstract: o.str("abstract"),
		DOI:      paperhound.CleanDOI(o.str("doi")),
	}
	if o.has("authors_parsed") {
		p.Authors = arxivParsedAuthors(o)
	} else {
		p.Authors = splitAuthors(paperhound.LaTeXToUnicode(o.str("authors")))
	}
	p.Categories = stringOrList(o, "categories")
	p.Published = arxivPublished(o)
	if id := strings.TrimSpace(p.ID); checkID("id", id) == "" {
		p.URL = "https://arxiv.org/abs/" + id
	}
	return p
}

// arxivParsedAuthors turns [["Last", "First", "Suffix"], ...] into "First Last Suffix".
func arxivParsedAuthors(o *object) []string {
	var names []string
	for i, raw := range o.list("authors_parsed", "a list of [last, first, suffix] lists") {
		var parts []string
		if raw[0] != '[' || json.Unmarshal(raw, &parts) != nil {
			o.fail(`%s must be a list of [last, first, suffix] lists, got %s at [%d]`, o.field("authors_parsed"), kindOf(raw), i)
			return nil
		}
		if len(parts) == 0 {
			continue
		}
		words := make([]string, 0, 3)
		if len(parts) > 1 {
			words = append(words, parts[1])
		}
		words = append(words, parts[0])
		words = append(words, parts[min(len(parts), 2):]...)
		name := collapse(paperhound.LaTeXToUnicode(strings.Join(words, " ")))
		if name != "" {
			names = append(names, name)
		}
	}
	return names
}

// splitAuthors splits "A, B, C and D" into names.
func splitAuthors(s string) []string {
	s = collapse(s)
	if s == "" {
		return nil
	}
	var names []string
	for _, part := range strings.Split(s, ",") {
		for _, name := range strings.Split(part, " and ") {
			if name = strings.TrimSpace(name); name != "" {
				names = append(names, name)
			}
		}
	}
	return names
}

// stringOrList reads "hep-ph math.CO" or ["hep-ph", "math.CO"].
func stringOrList(o *object, key string) []string {
	raw, ok := o.get(key)
	if !ok {
		return nil
	}
	if raw[0] == '"' {
		return strings.Fields(o.str(key))
	}
	return o.strs(key)
}

// arxivPublished is the day of the first version, else the last update.
func arxivPublished(o *object) paperhound.Date {
	versions := o.list("versions", `a list of {"created": ...} objects`)
	if len(versions) == 0 {
		return date(o, "update_date")
	}
	var v struct {
		Created *string `json:"created"`
	}
	if versions[0][0] != '{' || json.Unmarshal(versions[0], &v) != nil {
		o.fail(`%s must be a list of {"created": "..."} objects`, o.field("versions"))
		return paperhound.Date{}
	}
	if v.Created == nil || strings.TrimSpace(*v.Created) == "" {
		return date(o, "update_date")
	}
	t, err := time.Parse(arxivCreated, strings.TrimSpace(*v.Created))
	if err != nil {
		o.fail(`invalid date %q in %s: want RFC 1123, like "Mon, 2 Apr 2007 19:18:42 GMT"`, *v.Created, o.field("versions[0].created"))
		return paperhound.Date{}
	}
	return o.day("versions[0].created", *v.Created, t)
}
