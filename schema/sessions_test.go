package schema_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema/schematest"
)

func TestSessions(t *testing.T) {
	t.Parallel()
	const ttl = 30 * 24 * time.Hour
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Store
			at(st, t0)
			for _, name := range []string{"alice", "bob"} {
				if _, _, err := st.IssueToken(ctx, name); err != nil {
					t.Fatal(err)
				}
			}

			// A header may carry any byte: what is stored is valid UTF-8, bounded.
			secret, laptop, err := st.CreateSession(ctx, "alice", "Firefox\xff\x00/128 "+strings.Repeat("x", 1000), ttl)
			if err != nil {
				t.Fatal(err)
			}
			if len(secret) < 40 || strings.HasPrefix(secret, "ph_") {
				t.Errorf("secret %q: want 32 random bytes, not a token", secret)
			}
			got, err := st.UseSession(ctx, secret)
			if err != nil || got != laptop || got.User != "alice" || !got.CreatedAt.Equal(t0) || !got.ExpiresAt.Equal(t0.Add(ttl)) {
				t.Fatalf("UseSession = %+v, %v; want %+v", got, err, laptop)
			}
			if !strings.HasPrefix(got.UserAgent, "Firefox/128 x") || len(got.UserAgent) > 512 {
				t.Errorf("user agent stored as %q", got.UserAgent)
			}
			for _, bad := range []string{"", "x" + secret, laptop.User} {
				if _, err := st.UseSession(ctx, bad); !errors.Is(err, paperhound.ErrNotFound) {
					t.Errorf("UseSession(%q) = %v, want ErrNotFound", bad, err)
				}
			}

			// Last seen moves with use, at most once a minute; expiry stays.
			at(st, t0.Add(time.Hour))
			phoneSecret, phone, err := st.CreateSession(ctx, "alice", "iPhone", ttl)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := st.CreateSession(ctx, "bob", "curl", ttl); err != nil {
				t.Fatal(err)
			}
			at(st, t0.Add(2*time.Hour))
			if got, err = st.UseSession(ctx, secret); err != nil || !got.LastSeen.Equal(t0.Add(2*time.Hour)) || !got.ExpiresAt.Equal(t0.Add(ttl)) {
				t.Errorf("used later: %+v, %v; want last seen now, same expiry", got, err)
			}
			at(st, t0.Add(2*time.Hour+time.Second))
			if got, _ = st.UseSession(ctx, secret); !got.LastSeen.Equal(t0.Add(2 * time.Hour)) {
				t.Errorf("used a second later: last seen %v, want unchanged", got.LastSeen)
			}
			list, err := st.Sessions(ctx, "alice")
			if err != nil || len(list) != 2 || list[0].ID != laptop.ID || list[1].ID != phone.ID {
				t.Fatalf("Sessions = %+v, %v; want the laptop, then the phone", list, err)
			}

			// Revoking: only one's own, once.
			if ok, err := st.DeleteSession(ctx, "bob", phone.ID); ok || err != nil {
				t.Errorf("bob deletes alice's session: %v, %v", ok, err)
			}
			if ok, err := st.DeleteSession(ctx, "alice", phone.ID); !ok || err != nil {
				t.Errorf("DeleteSession: %v, %v", ok, err)
			}
			if ok, err := st.DeleteSession(ctx, "alice", phone.ID); ok || err != nil {
				t.Errorf("DeleteSession again: %v, %v", ok, err)
			}
			if _, err := st.UseSession(ctx, phoneSecret); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("revoked session: %v, want ErrNotFound", err)
			}

			// At its expiry a session is refused, unlisted and removed; a new
			// sign-in removes whatever else expired.
			at(st, t0.Add(ttl))
			if _, err := st.UseSession(ctx, secret); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("expired session: %v, want ErrNotFound", err)
			}
			if list, err := st.Sessions(ctx, "bob"); err != nil || len(list) != 1 {
				t.Errorf("bob's sessions: %+v, %v; want 1, not yet expired", list, err)
			}
			at(st, t0.Add(ttl+time.Hour))
			if list, err := st.Sessions(ctx, "bob"); err != nil || len(list) != 0 {
				t.Errorf("bob's expired sessions listed: %+v, %v", list, err)
			}
			if _, _, err := st.CreateSession(ctx, "alice", "", ttl); err != nil {
				t.Fatal(err)
			}
			// Turning the clock back shows what is still stored.
			at(st, t0.Add(3*time.Hour))
			if _, err := st.UseSession(ctx, secret); !errors.Is(err, paperhound.ErrNotFound) {
				t.Errorf("the expired session refused at use is still stored: %v", err)
			}
			if list, err := st.Sessions(ctx, "bob"); err != nil || len(list) != 0 {
				t.Errorf("bob's expired session is still stored after a sign-in: %+v, %v", list, err)
			}
		})
	}
}
