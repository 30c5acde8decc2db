package schema

import (
	"errors"

	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
)

// Tokens and feed keys are stored as their SHA-256, never as given.
func TestSecretsStoredHashed(t *testing.T) {
	ctx := context.Background()
	st := tempStore(t)
	token, _, err := st.IssueToken(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	key, err := st.IssueFeedKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	var tokenHash, keyHash string
	if err := st.db.QueryRowContext(ctx, `SELECT token_hash, feed_key_hash FROM users WHERE name = 'alice'`).Scan(&tokenHash, &keyHash); err != nil {
		t.Fatal(err)
	}
	if tokenHash != hashSecret(token) || keyHash != hashSecret(key) {
		t.Errorf("stored %q and %q, want the SHA-256 of the token and of the key", tokenHash, keyHash)
	}
	for _, stored := range []string{tokenHash, keyHash} {
		if strings.Contains(stored, strings.TrimPrefix(token, tokenPrefix)) || strings.Contains(stored, key) {
			t.Errorf("a secret is stored as given: %q", stored)
		}
	}
}

// A user a votes import created before names had to follow the rule gets
// no token: "users add ../admin" must not hand one out.
func TestIssueTokenNameFromBeforeTheRule(t *testing.T) {
	ctx := context.Background()
	st := tempStore(t)
	if _, err := st.db.ExecContext(ctx, `INSERT INTO users (name, created_at) VALUES ('../admin', ?)`, st.now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.IssueToken(ctx, "../admin"); !errors.Is(err, paperhound.ErrInvalid) {
		t.Errorf("IssueToken(../admin) = %v, want ErrInvalid", err)
	}
	if u, err := st.User(ctx, "../admin"); err != nil || u.HasToken {
		t.Errorf("user ../admin: %+v, %v; want it untouched, without a token", u, err)
	}
}

// tempStore opens a store in a temporary SQLite file (schematest can't be
// imported from inside the package).
func tempStore(t *testing.T) *Store {
	t.Helper()
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
