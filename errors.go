package paperhound

import "errors"

// The kinds of error every layer wraps with %w and the API maps to an HTTP
// status in one table. An error of no kind is internal: logged, never shown.
var (
	// ErrNotFound: the paper, user or token asked for does not exist (404).
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the caller sent something that can never succeed as it is
	// (400).
	ErrInvalid = errors.New("invalid")
	// ErrConflict: the request contradicts what is stored (409).
	ErrConflict = errors.New("conflict")
	// ErrForbidden: the caller is known but may not do this (403).
	ErrForbidden = errors.New("forbidden")
	// ErrUnavailable: a service we depend on (the store, an embeddings
	// endpoint, Qdrant) does not answer now; trying later may succeed (503).
	ErrUnavailable = errors.New("unavailable")
)
