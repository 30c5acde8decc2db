package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/paperhound/paperhound"
)

// SyncState is where a sync source stands between runs (see the
// migration 00008_sync.sql for what each field holds).
type SyncState struct {
	Source      string `db:"source"`
	DoneThrough string `db:"done_through"`
	Token       string `db:"token"`
	Newest      string `db:"newest"`
}

// SyncState returns the state of source; a source never synced has the
// zero state (with its name).
func (s *Store) SyncState(ctx context.Context, source string) (SyncState, error) {
	var st SyncState
	err := s.get(ctx, &st, s.db.Rebind(`SELECT source, done_through, token, newest FROM sync_state WHERE source = ?`), source)
	if errors.Is(err, sql.ErrNoRows) {
		return SyncState{Source: source}, nil
	}
	if err != nil {
		return SyncState{}, fmt.Errorf("sync state of %q: %w", source, err)
	}
	return st, nil
}

// SaveSyncState writes the state of st.Source.
func (s *Store) SaveSyncState(ctx context.Context, st SyncState) error {
	if st.Source == "" {
		return fmt.Errorf("save sync state: no source: %w", paperhound.ErrInvalid)
	}
	_, err := s.exec(ctx, s.db.Rebind(`INSERT INTO sync_state (source, done_through, token, newest, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (source) DO UPDATE SET done_through = excluded.done_through, token = excluded.token,
			newest = excluded.newest, updated_at = excluded.updated_at`),
		st.Source, st.DoneThrough, st.Token, st.Newest, s.now())
	if err != nil {
		return fmt.Errorf("save sync state of %q: %w", st.Source, err)
	}
	return nil
}

// Lease is who holds a named lease, and until when.
type Lease struct {
	Name    string    `db:"name"`
	Holder  string    `db:"holder"`
	Expires time.Time `db:"expires_at"`
}

// AcquireLease claims lease name for holder until ttl from now: when no
// one holds it, its holder's claim has run out, holder already holds it,
// or it is held by replace (a holder the caller knows is gone; "" for
// none). Otherwise it returns the lease as it stands, with an error
// wrapping paperhound.ErrConflict. The claim is one statement, so of two
// callers at once only one gets it, on either database.
func (s *Store) AcquireLease(ctx context.Context, name, holder, replace string, ttl time.Duration) (Lease, error) {
	if name == "" || holder == "" {
		return Lease{}, fmt.Errorf("acquire lease: want a name and a holder: %w", paperhound.ErrInvalid)
	}
	now := s.now()
	res, err := s.exec(ctx, s.db.Rebind(`INSERT INTO sync_lease (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE sync_lease.expires_at <= ? OR sync_lease.holder = excluded.holder OR sync_lease.holder = ?`),
		name, holder, now.Add(ttl), now, replace)
	if err != nil {
		return Lease{}, fmt.Errorf("acquire lease %q: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return Lease{Name: name, Holder: holder, Expires: now.Add(ttl)}, err
	}
	var l Lease
	if err := s.get(ctx, &l, s.db.Rebind(`SELECT name, holder, expires_at FROM sync_lease WHERE name = ?`), name); err != nil {
		return Lease{}, fmt.Errorf("acquire lease %q: %w", name, err)
	}
	l.Expires = l.Expires.UTC()
	return l, fmt.Errorf("lease %q is held by %s until %s: %w", name, l.Holder, l.Expires.Format(time.RFC3339), paperhound.ErrConflict)
}

// RenewLease extends holder's claim on lease name to ttl from now, or
// returns an error wrapping paperhound.ErrConflict when holder no longer
// holds it (it ran out and someone else took it).
func (s *Store) RenewLease(ctx context.Context, name, holder string, ttl time.Duration) error {
	res, err := s.exec(ctx, s.db.Rebind(`UPDATE sync_lease SET expires_at = ? WHERE name = ? AND holder = ?`), s.now().Add(ttl), name, holder)
	if err != nil {
		return fmt.Errorf("renew lease %q: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(err, fmt.Errorf("renew lease %q: %s no longer holds it: %w", name, holder, paperhound.ErrConflict))
	}
	return nil
}

// ReleaseLease gives up holder's claim on lease name; a lease held by
// someone else is left alone.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.exec(ctx, s.db.Rebind(`DELETE FROM sync_lease WHERE name = ? AND holder = ?`), name, holder); err != nil {
		return fmt.Errorf("release lease %q: %w", name, err)
	}
	return nil
}
