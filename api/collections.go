package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/recommend"
)

// A user's collections: named groups of their upvoted papers, each with a
// feed of its own, as JSON and as Atom. All but the Atom feed need the
// user's token or the admin's (actingFor, auth.go); the Atom feed also
// takes the user's feed key (feedReader). Filing a paper not upvoted
// upvotes it; removing an upvote, or hiding the paper, takes it out of
// every collection; deleting a collection leaves its papers upvoted.

// collectionJSON is a collection as the API shows it.
type collectionJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	PaperCount int       `json:"paper_count"`
	CreatedAt  time.Time `json:"created_at"`
	Feed       string    `json:"feed"` // the path of its recommendations
}

func toCollectionJSON(c paperhound.Collection) collectionJSON {
	return collectionJSON{ID: c.ID, Name: c.Name, PaperCount: c.Papers, CreatedAt: c.CreatedAt, Feed: CollectionPath(c) + "/recommendations"}
}

// CollectionPath is the API's path of collection c.
func CollectionPath(c paperhound.Collection) string {
	return "/v1/users/" + url.PathEscape(c.User) + "/collections/" + strconv.FormatInt(c.ID, 10)
}

// collectionPaperJSON is a paper of GET /v1/users/{user}/collections/{id}.
type collectionPaperJSON struct {
	ID        string          `json:"id"`
	Title     string          `json:"title"`
	Authors   []string        `json:"authors"`
	Published paperhound.Date `json:"published"`
	URL       string          `json:"url"`
}

// collectionNameJSON is the body of a new collection, or of a rename.
type collectionNameJSON struct {
	Name string `json:"name"`
}

// ParseCollectionID reads a collection's id from a path: anything but a
// positive whole number names no collection.
func ParseCollectionID(user, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 || strconv.FormatInt(id, 10) != s {
		return 0, fmt.Errorf("user %q has no collection %q: %w", user, s, paperhound.ErrNotFound)
	}
	return id, nil
}

// collectionID is the {id} of the request's path; when it can name no
// collection it answers 404 and returns false.
func (s *Server) collectionID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := ParseCollectionID(r.PathValue("user"), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return 0, false
	}
	return id, true
}

// listCollections answers GET /v1/users/{user}/collections, by name.
func (s *Server) listCollections(w http.ResponseWriter, r *http.Request) {
	list, err := s.store.Collections(r.Context(), r.PathValue("user"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Collections []collectionJSON `json:"collections"`
	}{Collections: make([]collectionJSON, len(list))}
	for i, c := range list {
		out.Collections[i] = toCollectionJSON(c)
	}
	writeJSON(w, http.StatusOK, out)
}

// createCollection answers POST /v1/users/{user}/collections {"name": ...}:
// 201 with the collection and its Location; 409 when the user has the
// name already, in any case.
func (s *Server) createCollection(w http.ResponseWriter, r *http.Request) {
	var req collectionNameJSON
	if !decodeBody(w, r, &req, `{"name": "KV caches"}`) {
		return
	}
	c, err := s.store.CreateCollection(r.Context(), r.PathValue("user"), req.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", CollectionPath(c))
	writeJSON(w, http.StatusCreated, toCollectionJSON(c))
}

// collection answers GET /v1/users/{user}/collections/{id}: the collection
// and its papers, the last filed first.
func (s *Server) collection(w http.ResponseWriter, r *http.Request) {
	id, ok := s.collectionID(w, r)
	if !ok {
		return
	}
	user := r.PathValue("user")
	c, err := s.store.Collection(r.Context(), user, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ids, err := s.store.CollectionPapers(r.Context(), user, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	papers, err := s.store.Papers(r.Context(), ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		collectionJSON
		Papers []collectionPaperJSON `json:"papers"`
	}{collectionJSON: toCollectionJSON(c), Papers: make([]collectionPaperJSON, 0, len(ids))}
	for _, id := range ids {
		p, ok := papers[id]
		if !ok {
			continue // deleted since: its filing goes with it
		}
		authors := p.Authors
		if authors == nil {
			authors = []string{}
		}
		out.Papers = append(out.Papers, collectionPaperJSON{ID: p.ID, Title: p.Title, Authors: authors, Published: p.Published, URL: p.Link()})
	}
	writeJSON(w, http.StatusOK, out)
}

// renameCollection answers PATCH /v1/users/{user}/collections/{id}
// {"name": ...} with the collection renamed.
func (s *Server) renameCollection(w http.ResponseWriter, r *http.Request) {
	id, ok := s.collectionID(w, r)
	if !ok {
		return
	}
	var req collectionNameJSON
	if !decodeBody(w, r, &req, `{"name": "KV caches"}`) {
		return
	}
	c, err := s.store.RenameCollection(r.Context(), r.PathValue("user"), id, req.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCollectionJSON(c))
}

// deleteCollection answers DELETE /v1/users/{user}/collections/{id}: 204,
// its papers staying upvoted; 404 when there is no such collection.
func (s *Server) deleteCollection(w http.ResponseWriter, r *http.Request) {
	id, ok := s.collectionID(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteCollection(r.Context(), r.PathValue("user"), id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fileInCollection answers PUT /v1/users/{user}/collections/{id}/papers/{paper}:
// 204 whether or not the paper was there, upvoted first when it was not.
func (s *Server) fileInCollection(w http.ResponseWriter, r *http.Request) {
	id, ok := s.collectionID(w, r)
	if !ok {
		return
	}
	if _, err := s.engine.FileInCollection(r.Context(), r.PathValue("user"), id, r.PathValue("paper")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// unfileFromCollection answers DELETE
// /v1/users/{user}/collections/{id}/papers/{paper}: 204 whether or not the
// paper was there; its upvote stays.
func (s *Server) unfileFromCollection(w http.ResponseWriter, r *http.Request) {
	id, ok := s.collectionID(w, r)
	if !ok {
		return
	}
	if _, err := s.store.UnfileFromCollection(r.Context(), r.PathValue("user"), id, r.PathValue("paper")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// collectionRecommendations answers GET
// /v1/users/{user}/collections/{id}/recommendations: the feed from the
// collection's papers alone, with the whole feed's parameters and paging.
// An empty collection has an empty feed.
func (s *Server) collectionRecommendations(w http.ResponseWriter, r *http.Request) {
	id, ok := s.collectionID(w, r)
	if !ok {
		return
	}
	user := r.PathValue("user")
	s.feedPage(w, r, func(opts recommend.FeedOptions) ([]recommend.Recommendation, error) {
		return s.engine.CollectionFeed(r.Context(), user, id, opts)
	})
}

// collectionAtom answers GET /v1/users/{user}/collections/{id}/feed.atom:
// the collection's feed for a feed reader, read with the user's feed key
// (?key=) or a token, as the whole feed's.
func (s *Server) collectionAtom(w http.ResponseWriter, r *http.Request) {
	id, ok := s.collectionID(w, r)
	if !ok {
		return
	}
	user := r.PathValue("user")
	c, err := s.store.Collection(r.Context(), user, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.atom(w, r, atomSource{
		id:       "urn:paperhound:feed:" + url.PathEscape(user) + ":collection:" + strconv.FormatInt(id, 10),
		title:    "paperhound: " + c.Name + " (" + user + ")",
		subtitle: "Research papers recommended from the upvotes in " + c.Name,
		since:    c.CreatedAt,
		feed: func(opts recommend.FeedOptions) ([]recommend.Recommendation, error) {
			return s.engine.CollectionFeed(r.Context(), user, id, opts)
		},
	})
}
