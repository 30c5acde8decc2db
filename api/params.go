package api

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/recommend"
)

// The query parameters of the rankings and feeds, read and checked in one
// place for the JSON API and the web pages.

const (
	// defaultLimit is a ranking's length when limit is not given.
	defaultLimit = 10
	// defaultFeedLimit is a feed page when limit is not given.
	defaultFeedLimit = 50
	// maxLimit is the longest ranking or feed page one request gets.
	maxLimit = 100
	// defaultTrendingDays is the trending window when days is not given.
	defaultTrendingDays = 7
)

// parseLimit reads limit: def when it is "".
func parseLimit(limit string, def int) (int, error) {
	if limit == "" {
		return def, nil
	}
	n, err := strconv.Atoi(limit)
	if err != nil || n < 1 || n > maxLimit {
		return 0, fmt.Errorf("limit must be a whole number from 1 to %d, got %q", maxLimit, limit)
	}
	return n, nil
}

// ParseDays reads the days of a trending window: a week when days is "".
func ParseDays(days string) (int, error) {
	if days == "" {
		return defaultTrendingDays, nil
	}
	n, err := strconv.Atoi(days)
	if err != nil || n < 1 || n > recommend.MaxTrendingDays {
		return 0, fmt.Errorf("days must be a whole number from 1 to %d, got %q", recommend.MaxTrendingDays, days)
	}
	return n, nil
}

func queryOptions(r *http.Request) (recommend.Options, error) {
	q := r.URL.Query()
	return options(q.Get("limit"), q.Get("after"), q.Get("before"))
}

// options validates the parameters every ranking takes.
func options(limit, after, before string) (recommend.Options, error) {
	var opts recommend.Options
	var err error
	if opts.Limit, err = parseLimit(limit, defaultLimit); err != nil {
		return opts, err
	}
	if opts.Filter.After, err = paperhound.ParseDate(after); err != nil {
		return opts, fmt.Errorf("after: %w", err)
	}
	if opts.Filter.Before, err = paperhound.ParseDate(before); err != nil {
		return opts, fmt.Errorf("before: %w", err)
	}
	if !opts.Filter.After.IsZero() && !opts.Filter.Before.IsZero() && opts.Filter.Before.Before(opts.Filter.After.Time) {
		return opts, fmt.Errorf("before (%s) is earlier than after (%s)", opts.Filter.Before, opts.Filter.After)
	}
	return opts, nil
}

// feedOptions validates limit, cursor, after, before and popularity.
func feedOptions(r *http.Request) (recommend.FeedOptions, error) {
	q := r.URL.Query()
	dates, err := options("", q.Get("after"), q.Get("before"))
	if err != nil {
		return recommend.FeedOptions{}, err
	}
	opts := recommend.FeedOptions{Filter: dates.Filter}
	if opts.Limit, err = parseLimit(q.Get("limit"), defaultFeedLimit); err != nil {
		return opts, err
	}
	if c := q.Get("cursor"); c != "" {
		if opts.Offset, err = DecodeCursor(c); err != nil {
			return opts, err
		}
	}
	if v := q.Get("popularity"); v != "" {
		p, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(p) || p < 0 || p > 1 {
			return opts, fmt.Errorf("popularity must be a number from 0 to 1, got %q", v)
		}
		opts.Popularity = &p
	}
	return opts, nil
}

// A cursor is the offset of the next page, opaque to clients so that it
// can change; the prefix versions it.
const cursorPrefix = "v1:"

// EncodeCursor is the cursor of the page starting at offset, for the API
// and the web pages alike.
func EncodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(offset)))
}

// DecodeCursor reads a cursor EncodeCursor gave, checked.
func DecodeCursor(c string) (int, error) {
	bad := fmt.Errorf("cursor %q is not one this server gave: pass the next_cursor of the previous page unchanged, or leave cursor out for the first page", c)
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, bad
	}
	digits, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return 0, bad
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n >= recommend.MaxFeedDepth || strconv.Itoa(n) != digits {
		return 0, bad
	}
	return n, nil
}
