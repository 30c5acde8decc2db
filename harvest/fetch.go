package harvest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paperhound/paperhound"
)

// Flow control: a 503 is retried after its Retry-After (OAI-PMH's way of
// saying "slow down"), this many times in a row at most, waiting
// defaultRetry when it gives none and never more than maxRetryAfter.
const (
	maxRetries    = 5
	defaultRetry  = 10 * time.Second
	maxRetryAfter = 10 * time.Minute
	// maxBody bounds one response: an arXiv page of 1,000 records is a
	// few megabytes.
	maxBody = 64 << 20
)

const userAgent = "paperhound-sync (+https://github.com/paperhound/paperhound)"

// fetcher makes the requests of one run: at most one every pause, so a
// service is asked as politely as it asks to be.
type fetcher struct {
	client *http.Client
	pause  time.Duration
	sleep  func(context.Context, time.Duration) error
	now    func() time.Time
	log    *slog.Logger
	last   time.Time // when the last request was sent; zero before the first
}

// get returns the body of url's 200 answer, waiting out 503s.
func (f *fetcher) get(ctx context.Context, url string) ([]byte, error) {
	for retries := 0; ; retries++ {
		if !f.last.IsZero() {
			if wait := f.pause - f.now().Sub(f.last); wait > 0 {
				if err := f.sleep(ctx, wait); err != nil {
					return nil, err
				}
			}
		}
		f.last = f.now()
		status, header, body, err := f.do(ctx, url)
		switch {
		case err != nil:
			return nil, err
		case status == http.StatusOK:
			return body, nil
		case status == http.StatusServiceUnavailable && retries < maxRetries:
			wait := retryAfter(header.Get("Retry-After"), f.now())
			f.log.Info("sync: the server asks to wait", "url", url, "retry_after", wait)
			if err := f.sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		err = fmt.Errorf("GET %s: %d %s: %s", url, status, http.StatusText(status), snippet(body))
		if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests || status >= 500 {
			err = fmt.Errorf("%w (%w)", err, paperhound.ErrUnavailable)
		}
		return nil, err
	}
}

func (f *fetcher) do(ctx context.Context, url string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("GET %s: %w", url, err)
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := f.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, nil, context.Cause(ctx)
		}
		return 0, nil, nil, fmt.Errorf("GET %s: %w (%w)", url, err, paperhound.ErrUnavailable)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	switch {
	case err != nil:
		return 0, nil, nil, fmt.Errorf("GET %s: reading the answer: %w (%w)", url, err, paperhound.ErrUnavailable)
	case len(body) > maxBody:
		return 0, nil, nil, fmt.Errorf("GET %s: the answer is over %d MiB", url, maxBody>>20)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// retryAfter reads a Retry-After value, seconds or an HTTP date, as a wait
// from now, within 0 and maxRetryAfter; defaultRetry when there is none.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return defaultRetry
	}
	return min(max(d, 0), maxRetryAfter)
}

// snippet is the start of a body, for an error message.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
