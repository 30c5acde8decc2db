package paperhound

import (
	"fmt"
	"regexp"
	"time"
)

// User is someone who votes. Users created by a votes import have no token
// until one is issued.
type User struct {
	Name      string    `db:"name"`
	CreatedAt time.Time `db:"created_at"`
	HasToken  bool      `db:"has_token"`
}

// validName is what a new user may be called: names go in URL paths, so
// they are URL-safe and never "." or "..".
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// CheckUserName says why name can't be a user's, or returns nil. Every way
// in (users add, a votes import, a token) holds names to it.
func CheckUserName(name string) error {
	const want = "want 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit"
	switch {
	case len(name) > 64:
		// Quoting a name of any length would flood the message.
		return fmt.Errorf("%w user name of %d bytes: %s", ErrInvalid, len(name), want)
	case !validName.MatchString(name):
		return fmt.Errorf("%w user name %q: %s", ErrInvalid, name, want)
	}
	return nil
}
