package recommend

import (
	"context"
	"fmt"
)

// A user's collections are kept by the store (schema.Store.Collections and
// the rest); the engine files papers in them, since filing upvotes, and
// computes their feeds.

// FileInCollection puts paper in user's collection id, upvoting it first
// when user has not (a hidden paper included): a collection holds
// upvotes. It reports whether the paper was not in the collection yet.
// An unknown collection, or another user's, is paperhound.ErrNotFound,
// and then nothing is upvoted.
func (e *Engine) FileInCollection(ctx context.Context, user string, id int64, paper string) (bool, error) {
	if _, err := e.store.Collection(ctx, user, id); err != nil {
		return false, err
	}
	if err := e.Vote(ctx, user, paper, 1); err != nil {
		return false, err
	}
	added, err := e.store.FileInCollection(ctx, user, id, paper)
	if err != nil {
		return false, fmt.Errorf("file in collection: %w", err)
	}
	return added, nil
}

// CollectionFeed is user's feed computed from the upvotes in their
// collection id alone (FeedOptions.Seeds): papers near what is filed
// there, none the user voted on. An empty collection has an empty feed;
// an unknown one, or another user's, is paperhound.ErrNotFound.
func (e *Engine) CollectionFeed(ctx context.Context, user string, id int64, opts FeedOptions) ([]Recommendation, error) {
	ids, err := e.store.CollectionPapers(ctx, user, id)
	if err != nil {
		return nil, err
	}
	opts.Seeds = ids
	return e.Feed(ctx, user, opts)
}
