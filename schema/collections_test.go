package schema_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

func TestCleanCollectionName(t *testing.T) {
	good := []struct{ in, want string }{
		{"KV caches", "KV caches"},
		{"  tokenizers  ", "tokenizers"},
		{"long   context", "long context"},
		{"Ünïcode ✓ 日本", "Ünïcode ✓ 日本"},
		{strings.Repeat("é", 100), strings.Repeat("é", 100)},
	}
	for _, g := range good {
		if got, err := paperhound.CleanCollectionName(g.in); err != nil || got != g.want {
			t.Errorf("CleanCollectionName(%q) = %q, %v; want %q", g.in, got, err, g.want)
		}
	}
	bad := []string{"", "   ", "a\tb", "line\nbreak", "nul\x00", "bell\a", "\xff\xfe", strings.Repeat("é", 101)}
	for _, b := range bad {
		if got, err := paperhound.CleanCollectionName(b); !errors.Is(err, paperhound.ErrInvalid) {
			t.Errorf("CleanCollectionName(%q) = %q, %v; want ErrInvalid", b, got, err)
		}
	}
}

// collectionStore has users ann and bob, papers p1 to p3, ann's upvotes of
// p1 and p2 and her hide of p3.
func collectionStore(t *testing.T, st *schema.Store) {
	t.Helper()
	at(st, t0)
	mustSave(t, st, []paperhound.Paper{{ID: "p1", Title: "one"}, {ID: "p2", Title: "two"}, {ID: "p3", Title: "three"}}, nil)
	_, err := st.SaveVotes(context.Background(), []paperhound.Vote{
		{User: "ann", Paper: "p1", Value: 1, At: t0},
		{User: "ann", Paper: "p2", Value: 1, At: t0},
		{User: "ann", Paper: "p3", Value: -1, At: t0},
		{User: "bob", Paper: "p1", Value: 1, At: t0},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCollections(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Store
			collectionStore(t, st)

			kv, err := st.CreateCollection(ctx, "ann", "  KV   caches ")
			if err != nil || kv.Name != "KV caches" || kv.User != "ann" || !kv.CreatedAt.Equal(t0) || kv.ID == 0 {
				t.Fatalf("CreateCollection: %+v, %v", kv, err)
			}
			tok, err := st.CreateCollection(ctx, "ann", "Tokenizers")
			if err != nil {
				t.Fatal(err)
			}
			// Names are unique per user whatever their case, and only per user.
			if _, err := st.CreateCollection(ctx, "ann", "kv CACHES"); !errors.Is(err, paperhound.ErrConflict) {
				t.Errorf("same name again: %v, want ErrConflict", err)
			}
			bobs, err := st.CreateCollection(ctx, "bob", "KV caches")
			if err != nil {
				t.Fatalf("another user's same name: %v", err)
			}
			for _, c := range []struct {
				user, name string
				want       error
			}{
				{"ann", "bad\nname", paperhound.ErrInvalid},
				{"ann", "", paperhound.ErrInvalid},
				{"nobody", "x", paperhound.ErrNotFound},
			} {
				if _, err := st.CreateCollection(ctx, c.user, c.name); !errors.Is(err, c.want) {
					t.Errorf("CreateCollection(%q, %q) = %v, want %v", c.user, c.name, err, c.want)
				}
			}

			// Filing: only upvoted papers, once each, in one's own collections.
			files := []struct {
				id    int64
				paper string
				added bool
				err   error
			}{
				{kv.ID, "p1", true, nil},
				{kv.ID, "p1", false, nil},
				{kv.ID, "p2", true, nil},
				{tok.ID, "p2", true, nil},
				{kv.ID, "p3", false, paperhound.ErrConflict},   // hidden
				{kv.ID, "nope", false, paperhound.ErrConflict}, // no such paper, so not upvoted
				{bobs.ID, "p1", false, paperhound.ErrNotFound}, // bob's collection
			}
			for _, f := range files {
				added, err := st.FileInCollection(ctx, "ann", f.id, f.paper)
				if added != f.added || !errors.Is(err, f.err) || (f.err == nil) != (err == nil) {
					t.Errorf("FileInCollection(%d, %s) = %v, %v; want %v, %v", f.id, f.paper, added, err, f.added, f.err)
				}
			}
			list, err := st.Collections(ctx, "ann")
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[0].Name != "KV caches" || list[0].Papers != 2 || list[1].Name != "Tokenizers" || list[1].Papers != 1 {
				t.Errorf("Collections: %+v", list)
			}
			if ids, err := st.CollectionPapers(ctx, "ann", kv.ID); err != nil || len(ids) != 2 {
				t.Errorf("CollectionPapers: %v, %v", ids, err)
			}
			if _, err := st.CollectionPapers(ctx, "bob", kv.ID); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("CollectionPapers of another's: %v, want ErrNotFound", err)
			}
			if ids, err := st.CollectionsOf(ctx, "ann", "p2"); err != nil || !slices.Equal(ids, []int64{kv.ID, tok.ID}) {
				t.Errorf("CollectionsOf(p2) = %v, %v", ids, err)
			}

			// Rename: the same rules as a new name; its own name in another case is fine.
			if c, err := st.RenameCollection(ctx, "ann", kv.ID, "kv caches"); err != nil || c.Name != "kv caches" || c.Papers != 2 {
				t.Errorf("rename to another case: %+v, %v", c, err)
			}
			if _, err := st.RenameCollection(ctx, "ann", kv.ID, "TOKENIZERS"); !errors.Is(err, paperhound.ErrConflict) {
				t.Errorf("rename to a taken name: %v, want ErrConflict", err)
			}
			if _, err := st.RenameCollection(ctx, "ann", bobs.ID, "mine"); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("rename another's: %v, want ErrNotFound", err)
			}
			if _, err := st.RenameCollection(ctx, "ann", kv.ID, "\x01"); !errors.Is(err, paperhound.ErrInvalid) {
				t.Errorf("rename to a bad name: %v, want ErrInvalid", err)
			}

			// Unfiling leaves the upvote.
			if removed, err := st.UnfileFromCollection(ctx, "ann", tok.ID, "p2"); err != nil || !removed {
				t.Errorf("UnfileFromCollection: %v, %v", removed, err)
			}
			if removed, err := st.UnfileFromCollection(ctx, "ann", tok.ID, "p2"); err != nil || removed {
				t.Errorf("UnfileFromCollection again: %v, %v", removed, err)
			}
			if _, err := st.UnfileFromCollection(ctx, "ann", bobs.ID, "p1"); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("UnfileFromCollection of another's: %v, want ErrNotFound", err)
			}
			if v, err := st.VoteOf(ctx, "ann", "p2"); err != nil || v.Value != 1 {
				t.Errorf("vote after unfiling: %+v, %v", v, err)
			}

			// Deleting a collection leaves its papers upvoted.
			if err := st.DeleteCollection(ctx, "ann", kv.ID); err != nil {
				t.Fatal(err)
			}
			if err := st.DeleteCollection(ctx, "ann", kv.ID); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("delete again: %v, want ErrNotFound", err)
			}
			if err := st.DeleteCollection(ctx, "ann", bobs.ID); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("delete another's: %v, want ErrNotFound", err)
			}
			if _, err := st.Collection(ctx, "bob", bobs.ID); err != nil {
				t.Errorf("bob's collection after ann's deletes: %v", err)
			}
			votes, err := st.Votes(ctx, "ann")
			if err != nil || len(votes) != 3 {
				t.Errorf("ann's votes after deleting her collection: %v, %v", votes, err)
			}
		})
	}
}

// TestCollectionsFollowUpvotes: a paper leaves every collection when its
// upvote goes, removed or replaced by a hide, and comes back to none when
// upvoted again.
func TestCollectionsFollowUpvotes(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Store
			collectionStore(t, st)
			c, err := st.CreateCollection(ctx, "ann", "all")
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"p1", "p2"} {
				if _, err := st.FileInCollection(ctx, "ann", c.ID, p); err != nil {
					t.Fatal(err)
				}
			}
			papers := func() []string {
				t.Helper()
				ids, err := st.CollectionPapers(ctx, "ann", c.ID)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(ids)
				return ids
			}

			// A hide (a newer vote) replaces the upvote of p1.
			if _, err := st.SaveVotes(ctx, []paperhound.Vote{{User: "ann", Paper: "p1", Value: -1, At: t1}}); err != nil {
				t.Fatal(err)
			}
			if got := papers(); !slices.Equal(got, []string{"p2"}) {
				t.Errorf("after hiding p1: %v, want [p2]", got)
			}
			// An older hide changes nothing, so it leaves p2 filed.
			if _, err := st.SaveVotes(ctx, []paperhound.Vote{{User: "ann", Paper: "p2", Value: -1, At: t0.Add(-1)}}); err != nil {
				t.Fatal(err)
			}
			if got := papers(); !slices.Equal(got, []string{"p2"}) {
				t.Errorf("after an older hide of p2: %v, want [p2]", got)
			}
			// Removing the upvote of p2.
			if _, err := st.DeleteVote(ctx, "ann", "p2", 1); err != nil {
				t.Fatal(err)
			}
			if got := papers(); len(got) != 0 {
				t.Errorf("after removing p2's upvote: %v, want none", got)
			}
			// Upvoted again, a paper is in no collection until filed.
			if _, err := st.SaveVotes(ctx, []paperhound.Vote{{User: "ann", Paper: "p2", Value: 1, At: t1.Add(1)}}); err != nil {
				t.Fatal(err)
			}
			if got := papers(); len(got) != 0 {
				t.Errorf("after upvoting p2 again: %v, want none", got)
			}
			if c, err := st.Collection(ctx, "ann", c.ID); err != nil || c.Papers != 0 {
				t.Errorf("the collection stays, empty: %+v, %v", c, err)
			}
		})
	}
}
