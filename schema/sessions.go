package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paperhound/paperhound"
)

// Session is a browser signed in to the web pages. Its secret (the
// cookie's value) is only returned by CreateSession; the store keeps its
// hash. A session lasts until ExpiresAt, fixed at sign-in: using it does
// not extend it.
type Session struct {
	ID        int64     `db:"id"` // shown in pages to revoke it; not a credential
	User      string    `db:"user_name"`
	UserAgent string    `db:"user_agent"`
	CreatedAt time.Time `db:"created_at"`
	LastSeen  time.Time `db:"last_seen_at"`
	ExpiresAt time.Time `db:"expires_at"`
}

const (
	sessionColumns = `id, user_name, user_agent, created_at, last_seen_at, expires_at`

	// maxUserAgent bounds what a browser's header can make us store.
	maxUserAgent = 512

	// lastSeenEvery is how stale LastSeen may get: a write per page view
	// would be a write per read.
	lastSeenEvery = time.Minute
)

// CreateSession signs user in for ttl from now, from a browser saying
// userAgent, and returns the session's secret, shown only here. Sessions
// of every user that have expired are removed on the way.
func (s *Store) CreateSession(ctx context.Context, user, userAgent string, ttl time.Duration) (string, Session, error) {
	secret, err := secret()
	if err != nil {
		return "", Session{}, err
	}
	now := s.now()
	sess := Session{User: user, UserAgent: cleanUserAgent(userAgent), CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(ttl)}
	if _, err := s.exec(ctx, s.db.Rebind(`DELETE FROM sessions WHERE expires_at <= ?`), now); err != nil {
		return "", Session{}, fmt.Errorf("remove expired sessions: %w", err)
	}
	err = s.get(ctx, &sess.ID, s.db.Rebind(`
		INSERT INTO sessions (secret_hash, user_name, user_agent, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
		hashSecret(secret), user, sess.UserAgent, now, now, sess.ExpiresAt)
	if err != nil {
		return "", Session{}, fmt.Errorf("create a session for %q: %w", user, err)
	}
	return secret, sess, nil
}

// cleanUserAgent makes a User-Agent header fit to store: valid UTF-8 (which
// PostgreSQL's TEXT requires; headers may carry any byte) and bounded.
func cleanUserAgent(ua string) string {
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	return strings.ReplaceAll(strings.ToValidUTF8(ua, ""), "\x00", "")
}

// UseSession returns the live session whose secret this is, noting now as
// when it was last seen. An unknown, revoked or expired session is an error
// wrapping paperhound.ErrNotFound; an expired one is removed.
func (s *Store) UseSession(ctx context.Context, secret string) (Session, error) {
	if secret == "" {
		return Session{}, fmt.Errorf("empty session secret: %w", paperhound.ErrNotFound)
	}
	var sess Session
	err := s.get(ctx, &sess, s.db.Rebind(`SELECT `+sessionColumns+` FROM sessions WHERE secret_hash = ?`), hashSecret(secret))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("no such session: %w", paperhound.ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("session: %w", err)
	}
	sess.utc()
	now := s.now()
	if !now.Before(sess.ExpiresAt) {
		if _, err := s.DeleteSession(ctx, sess.User, sess.ID); err != nil {
			return Session{}, err
		}
		return Session{}, fmt.Errorf("session of %q expired at %s: %w", sess.User, sess.ExpiresAt.Format(time.RFC3339), paperhound.ErrNotFound)
	}
	if now.Sub(sess.LastSeen) >= lastSeenEvery {
		if _, err := s.exec(ctx, s.db.Rebind(`UPDATE sessions SET last_seen_at = ? WHERE id = ?`), now, sess.ID); err != nil {
			return Session{}, fmt.Errorf("session of %q: %w", sess.User, err)
		}
		sess.LastSeen = now
	}
	return sess, nil
}

// Sessions lists user's live sessions, the most recently seen first.
func (s *Store) Sessions(ctx context.Context, user string) ([]Session, error) {
	var list []Session
	err := s.selectAll(ctx, &list, s.db.Rebind(`SELECT `+sessionColumns+` FROM sessions
		WHERE user_name = ? AND expires_at > ? ORDER BY last_seen_at DESC, id DESC`), user, s.now())
	if err != nil {
		return nil, fmt.Errorf("sessions of %q: %w", user, err)
	}
	for i := range list {
		list[i].utc()
	}
	return list, nil
}

// DeleteSession ends user's session id (signing out, or revoking it from
// another browser) and reports whether there was one. Another user's
// session is left alone.
func (s *Store) DeleteSession(ctx context.Context, user string, id int64) (bool, error) {
	res, err := s.exec(ctx, s.db.Rebind(`DELETE FROM sessions WHERE id = ? AND user_name = ?`), id, user)
	if err != nil {
		return false, fmt.Errorf("end session %d of %q: %w", id, user, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("end session %d of %q: %w", id, user, err)
	}
	return n > 0, nil
}

func (sess *Session) utc() {
	sess.CreatedAt, sess.LastSeen, sess.ExpiresAt = sess.CreatedAt.UTC(), sess.LastSeen.UTC(), sess.ExpiresAt.UTC()
}
