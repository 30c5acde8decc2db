package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/paperhound/paperhound"
)

// A user's collections of upvoted papers (migration 00009). Every method
// takes the user, and a collection of another user is not found: ids are
// not secrets, but they are no way into someone else's collections.

const collectionColumns = `c.id, c.user_name, c.name, c.created_at,
	(SELECT COUNT(*) FROM collection_papers cp WHERE cp.collection_id = c.id) AS papers`

// Collections returns user's collections, by name.
func (s *Store) Collections(ctx context.Context, user string) ([]paperhound.Collection, error) {
	var list []paperhound.Collection
	err := s.selectAll(ctx, &list, s.db.Rebind(`SELECT `+collectionColumns+`
		FROM collections c WHERE c.user_name = ? ORDER BY c.name_key, c.id`), user)
	if err != nil {
		return nil, fmt.Errorf("collections of %q: %w", user, err)
	}
	for i := range list {
		list[i].CreatedAt = list[i].CreatedAt.UTC()
	}
	return list, nil
}

// Collection returns user's collection id, or an error wrapping
// paperhound.ErrNotFound.
func (s *Store) Collection(ctx context.Context, user string, id int64) (paperhound.Collection, error) {
	return s.collection(ctx, s.db, user, id)
}

func (s *Store) collection(ctx context.Context, q sqlx.QueryerContext, user string, id int64) (paperhound.Collection, error) {
	var c paperhound.Collection
	err := queryErr(ctx, sqlx.GetContext(ctx, q, &c, s.db.Rebind(`SELECT `+collectionColumns+`
		FROM collections c WHERE c.id = ? AND c.user_name = ?`), id, user))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("collection %d of %q: %w", id, user, paperhound.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("collection %d of %q: %w", id, user, err)
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// CreateCollection makes user a collection named name (cleaned by
// paperhound.CleanCollectionName). A name the user already has, in any
// case, is paperhound.ErrConflict; an unknown user paperhound.ErrNotFound.
func (s *Store) CreateCollection(ctx context.Context, user, name string) (paperhound.Collection, error) {
	name, err := paperhound.CleanCollectionName(name)
	if err != nil {
		return paperhound.Collection{}, err
	}
	if _, err := s.User(ctx, user); err != nil {
		return paperhound.Collection{}, err
	}
	c := paperhound.Collection{User: user, Name: name, CreatedAt: s.now()}
	err = s.get(ctx, &c.ID, s.db.Rebind(`
		INSERT INTO collections (user_name, name, name_key, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_name, name_key) DO NOTHING RETURNING id`),
		user, name, paperhound.CollectionKey(name), c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return paperhound.Collection{}, fmt.Errorf("%w: %q already has a collection named %q", paperhound.ErrConflict, user, name)
	}
	if err != nil {
		return paperhound.Collection{}, fmt.Errorf("create collection %q of %q: %w", name, user, err)
	}
	return c, nil
}

// RenameCollection names user's collection id name, under the rules of
// CreateCollection, and returns it renamed.
func (s *Store) RenameCollection(ctx context.Context, user string, id int64, name string) (paperhound.Collection, error) {
	name, err := paperhound.CleanCollectionName(name)
	if err != nil {
		return paperhound.Collection{}, err
	}
	var c paperhound.Collection
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.collection(ctx, tx, user, id); err != nil {
			return err
		}
		key := paperhound.CollectionKey(name)
		var taken int
		if err := tx.GetContext(ctx, &taken, tx.Rebind(`
			SELECT COUNT(*) FROM collections WHERE user_name = ? AND name_key = ? AND id <> ?`), user, key, id); err != nil {
			return err
		}
		if taken > 0 {
			return fmt.Errorf("%w: %q already has a collection named %q", paperhound.ErrConflict, user, name)
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`
			UPDATE collections SET name = ?, name_key = ? WHERE id = ? AND user_name = ?`), name, key, id, user); err != nil {
			return err
		}
		c, err = s.collection(ctx, tx, user, id)
		return err
	})
	if err != nil {
		return paperhound.Collection{}, fmt.Errorf("rename collection %d of %q: %w", id, user, err)
	}
	return c, nil
}

// DeleteCollection deletes user's collection id; its papers stay upvoted.
// A collection that isn't there is paperhound.ErrNotFound.
func (s *Store) DeleteCollection(ctx context.Context, user string, id int64) error {
	res, err := s.exec(ctx, s.db.Rebind(`DELETE FROM collections WHERE id = ? AND user_name = ?`), id, user)
	if err != nil {
		return fmt.Errorf("delete collection %d of %q: %w", id, user, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete collection %d of %q: %w", id, user, err)
	} else if n == 0 {
		return fmt.Errorf("collection %d of %q: %w", id, user, paperhound.ErrNotFound)
	}
	return nil
}

// FileInCollection puts paper, which user must have upvoted, in user's
// collection id, and reports whether it was not there already. A paper
// not upvoted is paperhound.ErrConflict.
func (s *Store) FileInCollection(ctx context.Context, user string, id int64, paper string) (bool, error) {
	var added bool
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.collection(ctx, tx, user, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(`
			INSERT INTO collection_papers (collection_id, user_name, paper_id, filed_at)
			SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM votes WHERE user_name = ? AND paper_id = ? AND value = 1)
			ON CONFLICT (collection_id, paper_id) DO NOTHING`), id, user, paper, s.now(), user, paper)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			added = n > 0
			return err
		}
		var upvoted int
		if err := tx.GetContext(ctx, &upvoted, tx.Rebind(`
			SELECT COUNT(*) FROM votes WHERE user_name = ? AND paper_id = ? AND value = 1`), user, paper); err != nil {
			return err
		}
		if upvoted == 0 {
			return fmt.Errorf("%w: only an upvoted paper can be filed in a collection; upvote %q first", paperhound.ErrConflict, paper)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("file %q in collection %d of %q: %w", paper, id, user, err)
	}
	return added, nil
}

// UnfileFromCollection takes paper out of user's collection id, leaving its
// upvote, and reports whether it was there. An unknown collection is
// paperhound.ErrNotFound.
func (s *Store) UnfileFromCollection(ctx context.Context, user string, id int64, paper string) (bool, error) {
	var removed bool
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.collection(ctx, tx, user, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(`
			DELETE FROM collection_papers WHERE collection_id = ? AND paper_id = ?`), id, paper)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		removed = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("take %q out of collection %d of %q: %w", paper, id, user, err)
	}
	return removed, nil
}

// CollectionPapers returns the ids of the papers in user's collection id,
// the last filed first. An unknown collection is paperhound.ErrNotFound.
func (s *Store) CollectionPapers(ctx context.Context, user string, id int64) ([]string, error) {
	if _, err := s.Collection(ctx, user, id); err != nil {
		return nil, err
	}
	ids := []string{}
	err := s.selectAll(ctx, &ids, s.db.Rebind(`
		SELECT paper_id FROM collection_papers WHERE collection_id = ? ORDER BY filed_at DESC, paper_id`), id)
	if err != nil {
		return nil, fmt.Errorf("papers of collection %d of %q: %w", id, user, err)
	}
	return ids, nil
}

// CollectionsOf returns the ids of user's collections paper is filed in.
func (s *Store) CollectionsOf(ctx context.Context, user, paper string) ([]int64, error) {
	var ids []int64
	err := s.selectAll(ctx, &ids, s.db.Rebind(`
		SELECT collection_id FROM collection_papers WHERE user_name = ? AND paper_id = ? ORDER BY collection_id`), user, paper)
	if err != nil {
		return nil, fmt.Errorf("collections of %q holding %q: %w", user, paper, err)
	}
	return ids, nil
}
