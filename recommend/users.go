package recommend

import (
	"context"
	"errors"
	"fmt"

	"github.com/paperhound/paperhound"
)

// User returns a stored user; an unknown one is paperhound.ErrNotFound.
func (e *Engine) User(ctx context.Context, name string) (paperhound.User, error) {
	u, err := e.store.User(ctx, name)
	if errors.Is(err, paperhound.ErrNotFound) {
		return u, fmt.Errorf("user %q: %w", name, paperhound.ErrNotFound)
	}
	return u, err
}

// UserByToken returns the user an API token belongs to; a token nobody has
// is paperhound.ErrNotFound.
func (e *Engine) UserByToken(ctx context.Context, token string) (paperhound.User, error) {
	u, err := e.store.UserByToken(ctx, token)
	if errors.Is(err, paperhound.ErrNotFound) {
		return u, fmt.Errorf("token: %w", paperhound.ErrNotFound)
	}
	return u, err
}

// IssueFeedKey gives user a new key to read their feed with, replacing the
// last one; an unknown user is paperhound.ErrNotFound.
func (e *Engine) IssueFeedKey(ctx context.Context, user string) (string, error) {
	key, err := e.store.IssueFeedKey(ctx, user)
	if errors.Is(err, paperhound.ErrNotFound) {
		return "", fmt.Errorf("user %q: %w", user, paperhound.ErrNotFound)
	}
	return key, err
}

// CheckFeedKey reports whether key reads user's feed.
func (e *Engine) CheckFeedKey(ctx context.Context, user, key string) (bool, error) {
	return e.store.CheckFeedKey(ctx, user, key)
}
