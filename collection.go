package paperhound

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Collection is a user's named group of upvoted papers, with a feed of its
// own. A paper leaves every collection when its upvote goes (removed, or
// turned into a hide); deleting a collection leaves the upvotes.
type Collection struct {
	ID        int64     `db:"id"`
	User      string    `db:"user_name"`
	Name      string    `db:"name"`
	CreatedAt time.Time `db:"created_at"`
	Papers    int       `db:"papers"` // how many papers are filed in it
}

// MaxCollectionName is the longest collection name, in characters.
const MaxCollectionName = 100

// CleanCollectionName returns name as it is stored, its runs of spaces
// made one and its ends trimmed, or says why it can't be a collection's
// name: it must be 1 to MaxCollectionName characters of UTF-8 text with
// no control characters.
func CleanCollectionName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", fmt.Errorf("%w collection name: not UTF-8 text", ErrInvalid)
	}
	if strings.ContainsFunc(name, unicode.IsControl) {
		return "", fmt.Errorf("%w collection name %q: control characters (tabs, line breaks) are not allowed", ErrInvalid, name)
	}
	name = strings.Join(strings.Fields(name), " ")
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", fmt.Errorf("%w collection name: it is empty", ErrInvalid)
	case n > MaxCollectionName:
		return "", fmt.Errorf("%w collection name of %d characters: at most %d", ErrInvalid, n, MaxCollectionName)
	}
	return name, nil
}

// CollectionKey is what makes a collection's name unique among a user's:
// "KV caches" and "kv Caches" are one name.
func CollectionKey(name string) string {
	return strings.ToLower(name)
}
