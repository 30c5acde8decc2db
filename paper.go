package paperhound

import (
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Paper is one research paper as the store keeps it. ID is the source's id
// (an arXiv id, say), never one of ours.
type Paper struct {
	ID         string  `db:"id" json:"id"`
	Title      string  `db:"title" json:"title"`
	Abstract   string  `db:"abstract" json:"abstract,omitempty"`
	Authors    Strings `db:"authors" json:"authors,omitempty"`
	Published  Date    `db:"published" json:"published,omitzero"`
	URL        string  `db:"url" json:"url,omitempty"`
	Categories Strings `db:"categories" json:"categories,omitempty"`
	Upvotes    int     `db:"upvotes" json:"upvotes,omitempty"`
	// DOI is the bare DOI ("10.1234/abc"), lower-cased, or "".
	DOI       string    `db:"doi" json:"doi,omitempty"`
	CreatedAt time.Time `db:"created_at" json:"-"`
	UpdatedAt time.Time `db:"updated_at" json:"-"`
}

// Link is the paper's URL when it is an http or https link with a host, else
// "". Ingest refuses other links; every output goes through Link too, so
// that a "javascript:" link stored before that rule never reaches a page,
// a feed or a client.
func (p Paper) Link() string {
	if u, err := url.Parse(p.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return p.URL
	}
	return ""
}

// Text is what embedders read: the title, then the abstract.
func (p Paper) Text() string {
	if p.Abstract == "" {
		return p.Title
	}
	return p.Title + "\n\n" + p.Abstract
}

// TextHash identifies the embedded text, so a vector computed once for it is
// reused however often the paper is re-ingested.
func (p Paper) TextHash() string {
	return hashOf(p.Text())
}

// RecordHash covers every stored field, so re-ingesting an unchanged paper
// writes nothing.
func (p Paper) RecordHash() string {
	return hashOf(strings.Join([]string{
		p.ID, p.Title, p.Abstract, strings.Join(p.Authors, "\x1f"), p.Published.String(),
		p.URL, strings.Join(p.Categories, "\x1f"), fmt.Sprint(p.Upvotes),
	}, "\x1e") + doiPart(p.DOI))
}

// doiPart keeps the record hash of a paper without a DOI what it was before
// papers had one, so adding the field rewrote nothing already stored.
func doiPart(doi string) string {
	if doi == "" {
		return ""
	}
	return "\x1e" + doi
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// CleanDOI returns the bare, lower-cased DOI in s ("10.1234/abc"), which
// may be written as a doi.org URL or with a "doi:" prefix; "" when s holds no
// DOI. DOIs are case-insensitive, so the lower-cased form is the key.
func CleanDOI(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, prefix := range []string{"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi.org/", "doi:"} {
		s = strings.TrimSpace(strings.TrimPrefix(s, prefix))
	}
	// A snapshot may list several DOIs; the first is the paper's.
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		s = s[:i]
	}
	if !strings.HasPrefix(s, "10.") || !strings.Contains(s, "/") {
		return ""
	}
	return s
}

// Date is a calendar day with no time zone, or the zero value for unknown.
type Date struct{ time.Time }

const dateLayout = "2006-01-02"

// ParseDate reads YYYY-MM-DD, or an RFC 3339 timestamp of which it keeps the day.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, nil
	}
	if t, err := time.Parse(dateLayout, s); err == nil {
		return Date{t}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return Date{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}, nil
	}
	return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
}

// String is YYYY-MM-DD, or "" when the date is unknown.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(dateLayout)
}

// MarshalText and UnmarshalText replace the RFC 3339 forms promoted from
// time.Time, so text encoders (slog, flags, map keys) agree with JSON.
func (d Date) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

func (d *Date) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date must be a string like \"2024-07-25\"")
	}
	if s == nil {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(*s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Value stores the day as text: PostgreSQL casts it into its DATE column,
// SQLite keeps it as sortable text.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = Date{time.Date(v.Year(), v.Month(), v.Day(), 0, 0, 0, 0, time.UTC)}
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	default:
		return fmt.Errorf("scan date from %T", src)
	}
	return nil
}

func (d *Date) scanText(s string) error {
	if len(s) > len(dateLayout) {
		s = s[:len(dateLayout)]
	}
	v, err := ParseDate(s)
	*d = v
	return err
}

// Strings is a list stored as a JSON array in one text column.
type Strings []string

func (s Strings) Value() (driver.Value, error) {
	if len(s) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal([]string(s))
	return string(b), err
}

func (s *Strings) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*s = nil
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("scan string list from %T", src)
	}
	var out []string
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("scan string list: %w", err)
	}
	if len(out) == 0 {
		out = nil // Value writes nil as "[]": read it back as nil
	}
	*s = out
	return nil
}
