package schema

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paperhound/paperhound"
)

// tokenPrefix marks API tokens, so that a leaked one is recognisable (by
// secret scanners, in logs); feed keys have none: they are not API tokens.
const tokenPrefix = "ph_"

// secret returns 32 random bytes, base64url: 43 URL-safe characters.
func secret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// hashSecret is how tokens and feed keys are stored: they are random and
// long, so a plain SHA-256 is enough (no salt, no stretching), and lets a
// token be looked up by its hash.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

const userColumns = `name, created_at, token_hash IS NOT NULL AS has_token`

// User returns one user, or an error wrapping paperhound.ErrNotFound.
func (s *Store) User(ctx context.Context, name string) (paperhound.User, error) {
	var u paperhound.User
	err := s.get(ctx, &u, s.db.Rebind(`SELECT `+userColumns+` FROM users WHERE name = ?`), name)
	if errors.Is(err, sql.ErrNoRows) {
		return paperhound.User{}, fmt.Errorf("user %q: %w", name, paperhound.ErrNotFound)
	}
	if err != nil {
		return paperhound.User{}, fmt.Errorf("user %q: %w", name, err)
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return u, nil
}

// UserByToken returns the user an API token belongs to, or an error wrapping
// paperhound.ErrNotFound.
func (s *Store) UserByToken(ctx context.Context, token string) (paperhound.User, error) {
	if token == "" {
		return paperhound.User{}, fmt.Errorf("empty token: %w", paperhound.ErrNotFound)
	}
	var u paperhound.User
	err := s.get(ctx, &u, s.db.Rebind(`SELECT `+userColumns+` FROM users WHERE token_hash = ?`), hashSecret(token))
	if errors.Is(err, sql.ErrNoRows) {
		return paperhound.User{}, fmt.Errorf("no user has this token: %w", paperhound.ErrNotFound)
	}
	if err != nil {
		return paperhound.User{}, fmt.Errorf("user by token: %w", err)
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return u, nil
}

// IssueToken gives user name a new API token, which replaces any earlier
// one, creating the user when there is none. The name must pass
// paperhound.CheckUserName, even for a user a votes import created before
// imports were held to it: such a name could act through no URL. Only the
// token's hash is stored: the token is shown once, here.
func (s *Store) IssueToken(ctx context.Context, name string) (token string, created bool, err error) {
	if err := paperhound.CheckUserName(name); err != nil {
		return "", false, fmt.Errorf("issue a token: %w", err)
	}
	secret, err := secret()
	if err != nil {
		return "", false, err
	}
	token = tokenPrefix + secret
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE users SET token_hash = ? WHERE name = ?`), hashSecret(token), name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		created = true
		_, err = tx.ExecContext(ctx, tx.Rebind(`INSERT INTO users (name, token_hash, created_at) VALUES (?, ?, ?)`),
			name, hashSecret(token), s.now())
		return err
	})
	if err != nil {
		return "", false, fmt.Errorf("issue a token for %q: %w", name, err)
	}
	return token, created, nil
}

// IssueFeedKey gives an existing user a new feed key, which replaces any
// earlier one. A feed key only reads that user's feed; like a token, only
// its hash is stored.
func (s *Store) IssueFeedKey(ctx context.Context, name string) (string, error) {
	key, err := secret()
	if err != nil {
		return "", err
	}
	res, err := s.exec(ctx, s.db.Rebind(`UPDATE users SET feed_key_hash = ? WHERE name = ?`), hashSecret(key), name)
	if err != nil {
		return "", fmt.Errorf("issue a feed key for %q: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return "", fmt.Errorf("issue a feed key for %q: %w", name, err)
	} else if n == 0 {
		return "", fmt.Errorf("user %q: %w", name, paperhound.ErrNotFound)
	}
	return key, nil
}

// CheckFeedKey reports whether key is user name's feed key. An unknown user,
// or one without a feed key, has no valid key.
func (s *Store) CheckFeedKey(ctx context.Context, name, key string) (bool, error) {
	var stored sql.NullString
	err := s.get(ctx, &stored, s.db.Rebind(`SELECT feed_key_hash FROM users WHERE name = ?`), name)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("feed key of %q: %w", name, err)
	}
	if !stored.Valid || key == "" {
		return false, nil
	}
	return subtle.ConstantTimeCompare([]byte(stored.String), []byte(hashSecret(key))) == 1, nil
}

// VoteOf returns user's vote on paper: value 0 if it was removed, At being
// when; an error wrapping paperhound.ErrNotFound if there never was one.
func (s *Store) VoteOf(ctx context.Context, user, paper string) (paperhound.Vote, error) {
	var v paperhound.Vote
	// A paper has a vote or a removal, never both (SaveVotes).
	err := s.get(ctx, &v, s.db.Rebind(`
		SELECT user_name, paper_id, value, at FROM votes WHERE user_name = ? AND paper_id = ?
		UNION ALL
		SELECT user_name, paper_id, 0, at FROM vote_tombstones WHERE user_name = ? AND paper_id = ?`),
		user, paper, user, paper)
	if errors.Is(err, sql.ErrNoRows) {
		return paperhound.Vote{}, fmt.Errorf("vote by %q on %q: %w", user, paper, paperhound.ErrNotFound)
	}
	if err != nil {
		return paperhound.Vote{}, fmt.Errorf("vote by %q on %q: %w", user, paper, err)
	}
	v.At = v.At.UTC()
	return v, nil
}

// DeleteVote removes user's vote on paper when its value is value (1 or -1),
// or whatever it is when value is 0, and reports whether there was one. The
// removal's time is kept, so that importing the vote again does not bring it
// back (SaveVotes).
func (s *Store) DeleteVote(ctx context.Context, user, paper string, value int) (bool, error) {
	var deleted bool
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var cur paperhound.Vote
		err := tx.GetContext(ctx, &cur, tx.Rebind(`SELECT value, at FROM votes WHERE user_name = ? AND paper_id = ?`), user, paper)
		if errors.Is(err, sql.ErrNoRows) || err == nil && value != 0 && cur.Value != value {
			return nil
		}
		if err != nil {
			return err
		}
		// Another process may have removed or changed it since (PostgreSQL
		// reads without a lock): then this removes nothing.
		res, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM votes WHERE user_name = ? AND paper_id = ? AND value = ?`), user, paper, cur.Value)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		// The removal is newer than the vote it removes, whatever a skewed
		// clock says.
		at := s.now()
		if !cur.At.Before(at) {
			at = cur.At.UTC().Add(time.Microsecond)
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`
			INSERT INTO vote_tombstones (user_name, paper_id, at) VALUES (?, ?, ?)
			ON CONFLICT (user_name, paper_id) DO UPDATE SET at = excluded.at`), user, paper, at); err != nil {
			return err
		}
		deleted = true
		return bumpVotesVersion(ctx, tx)
	})
	if err != nil {
		return false, fmt.Errorf("delete vote by %q on %q: %w", user, paper, err)
	}
	return deleted, nil
}
