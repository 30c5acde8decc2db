package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/paperhound/paperhound"
)

// The Hugging Face daily papers API answers with items like
//
//	{"paper": {"id": "2407.18121", "title": "...", "summary": "...",
//	   "authors": [{"_id": "...", "name": "Zuyan Liu", "hidden": false}, ...],
//	   "publishedAt": "2024-07-25T13:34:12.000Z", "upvotes": 5, ...},
//	 "publishedAt": "2024-07-26T...", "title": "...", "summary": "...",
//	 "numComments": 3, "submittedBy": {...}, "thumbnail": "...", ...}
//
// The paper's own publishedAt is the arXiv day; the item's is the day it was
// featured, used only when the paper has none.

// hfItem reads one daily papers item.
func hfItem(item *object) paperhound.Paper {
	paper := item.obj("paper")
	if paper == nil {
		return paperhound.Paper{}
	}
	return hfPaper(paper, item)
}

// hfPaper reads a paper object; item, when not nil, fills what it lacks.
func hfPaper(o, item *object) paperhound.Paper {
	p := paperhound.Paper{
		ID:       o.str("id"),
		Title:    o.str("title"),
		Abstract: o.str("summary"),
		Authors:  hfAuthors(o),
	}
	p.Published = date(o, "publishedAt")
	if n, ok := o.integer("upvotes"); ok && n > 0 {
		p.Upvotes = n
	}
	if item != nil {
		if p.Title == "" {
			p.Title = item.str("title")
		}
		if p.Abstract == "" {
			p.Abstract = item.str("summary")
		}
		if p.Published.IsZero() {
			p.Published = date(item, "publishedAt")
		}
	}
	if id := strings.TrimSpace(p.ID); checkID("id", id) == "" {
		p.URL = "https://huggingface.co/papers/" + id
	}
	return p
}

// hfAuthors reads [{"name": "..."}, ...]; plain strings are taken too.
func hfAuthors(o *object) []string {
	var names []string
	for i, raw := range o.list("authors", `a list of objects with a "name"`) {
		var name string
		switch {
		case raw[0] == '"':
			json.Unmarshal(raw, &name)
		case raw[0] == '{':
			var a struct {
				Name json.RawMessage `json:"name"`
			}
			json.Unmarshal(raw, &a)
			if len(a.Name) == 0 || bytes.Equal(a.Name, []byte("null")) {
				continue // an author with no name adds nothing
			}
			if a.Name[0] != '"' || json.Unmarshal(a.Name, &name) != nil {
				o.fail("%s must be a string, got %s", o.field(fmt.Sprintf("authors[%d].name", i)), kindOf(a.Name))
				return nil
			}
		default:
			o.fail(`%s must be a list of objects with a "name", got %s at [%d]`, o.field("authors"), kindOf(raw), i)
			return nil
		}
		names = append(names, name)
	}
	return names
}
