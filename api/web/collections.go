package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/recommend"
)

// The collections pages: the list (make one, delete one), a collection's
// feed with its papers and its Atom feed, and the forms on cards and paper
// pages that file a paper in a collection (which upvotes it) or take it
// out.

// filing is what a card's "file in a collection" form needs.
type filing struct {
	CSRF, Next  string
	Collections []paperhound.Collection
}

// addFiling gives each card the form that files its paper in one of the
// signed-in user's collections.
func (s *Site) addFiling(ctx context.Context, v view, cards []card) error {
	if v.User == "" || len(cards) == 0 {
		return nil
	}
	list, err := s.store.Collections(ctx, v.User)
	if err != nil {
		return err
	}
	f := &filing{CSRF: v.CSRF, Next: v.Path, Collections: list}
	for i := range cards {
		cards[i].File = f
	}
	return nil
}

// filedIn splits user's collections into those paper is filed in and the
// others.
func (s *Site) filedIn(ctx context.Context, user, paper string) (filed, unfiled []paperhound.Collection, err error) {
	list, err := s.store.Collections(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	in, err := s.store.CollectionsOf(ctx, user, paper)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range list {
		if slices.Contains(in, c.ID) {
			filed = append(filed, c)
		} else {
			unfiled = append(unfiled, c)
		}
	}
	return filed, unfiled, nil
}

func collectionURL(id int64) string { return "/collections/" + strconv.FormatInt(id, 10) }

// collectionsPage lists the user's collections, with the form that makes
// one.
func (s *Site) collectionsPage(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	s.collections(w, r, sess, http.StatusOK, "", "")
}

// collections renders the list; a form that failed comes back with its
// status, message and the name that was typed.
func (s *Site) collections(w http.ResponseWriter, r *http.Request, sess session, status int, msg, name string) {
	list, err := s.store.Collections(r.Context(), sess.user)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	v := s.newView(r, sess, "Collections", "collections")
	v.Path, v.Message = "/collections", msg
	v.Data = struct {
		Collections []paperhound.Collection
		Name        string
	}{list, name}
	s.render(w, r, status, "collections", v)
}

// createCollection answers the list's form: on to the new collection, or
// back to the list saying what is wrong with the name.
func (s *Site) createCollection(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedInPost(w, r)
	if !ok {
		return
	}
	name := r.PostFormValue("name")
	c, err := s.store.CreateCollection(r.Context(), sess.user, name)
	if errors.Is(err, paperhound.ErrInvalid) || errors.Is(err, paperhound.ErrConflict) {
		status, msg := api.ErrorStatus(s.log, r, err)
		s.collections(w, r, sess, status, msg, name)
		return
	}
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	http.Redirect(w, r, collectionURL(c.ID), http.StatusSeeOther)
}

// pathCollection is the signed-in user's collection of the {id} in the
// path; without one it answers the error page and returns false.
func (s *Site) pathCollection(w http.ResponseWriter, r *http.Request, sess session) (paperhound.Collection, bool) {
	id, err := api.ParseCollectionID(sess.user, r.PathValue("id"))
	if err == nil {
		var c paperhound.Collection
		if c, err = s.store.Collection(r.Context(), sess.user, id); err == nil {
			return c, true
		}
	}
	s.failPage(w, r, sess, err)
	return paperhound.Collection{}, false
}

// collectionPage shows a collection: its feed, its papers and its Atom feed.
func (s *Site) collectionPage(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	c, ok := s.pathCollection(w, r, sess)
	if !ok {
		return
	}
	s.collection(w, r, sess, c, "")
}

func (s *Site) collection(w http.ResponseWriter, r *http.Request, sess session, c paperhound.Collection, feedURL string) {
	ctx := r.Context()
	ids, err := s.store.CollectionPapers(ctx, sess.user, c.ID)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	papers, err := s.store.Papers(ctx, ids)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	recs, err := s.engine.CollectionFeed(ctx, sess.user, c.ID, recommend.FeedOptions{Limit: pageLimit})
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	data := struct {
		Collection paperhound.Collection
		Papers     []paperhound.Paper
		Groups     []group
		AtomPath   string
		FeedURL    string
	}{Collection: c, AtomPath: api.CollectionPath(c) + "/feed.atom", FeedURL: feedURL}
	for _, id := range ids {
		if p, ok := papers[id]; ok {
			data.Papers = append(data.Papers, p)
		}
	}
	results := make([]recommend.Result, len(recs))
	for i, rec := range recs {
		results[i] = rec.Result
	}
	v := s.newView(r, sess, c.Name, "collections")
	v.Path = collectionURL(c.ID)
	cards, err := s.cards(ctx, v, results, nil)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	data.Groups = groups(recs, cards)
	v.Data = data
	s.render(w, r, http.StatusOK, "collection", v)
}

// renameCollection answers the collection page's rename form.
func (s *Site) renameCollection(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedInPost(w, r)
	if !ok {
		return
	}
	c, ok := s.pathCollection(w, r, sess)
	if !ok {
		return
	}
	if _, err := s.store.RenameCollection(r.Context(), sess.user, c.ID, r.PostFormValue("name")); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	http.Redirect(w, r, collectionURL(c.ID), http.StatusSeeOther)
}

// deleteCollection deletes a collection, leaving its papers upvoted.
func (s *Site) deleteCollection(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedInPost(w, r)
	if !ok {
		return
	}
	c, ok := s.pathCollection(w, r, sess)
	if !ok {
		return
	}
	if err := s.store.DeleteCollection(r.Context(), sess.user, c.ID); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/collections", http.StatusSeeOther)
}

// collectionFeedKey issues a new feed key, which replaces the one every
// Atom feed of the user's was read with, and shows this collection's Atom
// URL with it, once.
func (s *Site) collectionFeedKey(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedInPost(w, r)
	if !ok {
		return
	}
	c, ok := s.pathCollection(w, r, sess)
	if !ok {
		return
	}
	key, err := s.store.IssueFeedKey(r.Context(), sess.user)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	s.collection(w, r, sess, c, api.BaseURL(r)+api.CollectionPath(c)+"/feed.atom?key="+url.QueryEscape(key))
}

// filePost answers the forms that file a paper in a collection: the
// collection's id, or the name of a new one to make; filing upvotes the
// paper. Then back to next.
func (s *Site) filePost(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedInPost(w, r)
	if !ok {
		return
	}
	ctx, paper := r.Context(), r.PathValue("id")
	var id int64
	var err error
	if name := r.PostFormValue("name"); name != "" {
		if _, err = s.engine.Paper(ctx, paper); err == nil {
			var c paperhound.Collection
			c, err = s.store.CreateCollection(ctx, sess.user, name)
			id = c.ID
		}
	} else {
		id, err = api.ParseCollectionID(sess.user, r.PostFormValue("collection"))
	}
	if err == nil {
		_, err = s.engine.FileInCollection(ctx, sess.user, id, paper)
	}
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next"), "/papers/"+url.PathEscape(paper)), http.StatusSeeOther)
}

// unfilePost takes a paper out of a collection, leaving its upvote.
func (s *Site) unfilePost(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedInPost(w, r)
	if !ok {
		return
	}
	paper := r.PathValue("id")
	id, err := api.ParseCollectionID(sess.user, r.PostFormValue("collection"))
	if err == nil {
		_, err = s.store.UnfileFromCollection(r.Context(), sess.user, id, paper)
	}
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next"), "/papers/"+url.PathEscape(paper)), http.StatusSeeOther)
}
