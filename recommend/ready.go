package recommend

import (
	"context"
	"fmt"
	"time"
)

// Check is the state of one dependency, for a readiness probe.
type Check struct {
	Name string // "store", "index", or "embedder"
	OK   bool
	// Required says the engine cannot answer without it. A remote embedder
	// is not required: while it is down queries are answered by the other
	// channels and ingest leaves its vectors pending.
	Required bool
	Detail   string
}

// healthChecker is an index backed by a server that can say it answers
// (index.Qdrant).
type healthChecker interface {
	Health(ctx context.Context) error
}

// readyTimeout bounds each check, so a probe answers while a dependency
// hangs.
const readyTimeout = 2 * time.Second

// Ready pings the store, asks the index's server (if any) for its health,
// and reports each remote embedder's last known state without calling it.
func (e *Engine) Ready(ctx context.Context) []Check {
	checks := make([]Check, 0, 3)
	sctx, cancel := context.WithTimeout(ctx, readyTimeout)
	err := e.store.Ping(sctx)
	cancel()
	checks = append(checks, check("store", true, e.store.Dialect(), err))

	if hc, ok := e.index.(healthChecker); ok {
		ictx, cancel := context.WithTimeout(ctx, readyTimeout)
		err := hc.Health(ictx)
		cancel()
		checks = append(checks, check("index", true, "qdrant", err))
	} else {
		checks = append(checks, Check{Name: "index", OK: true, Required: true, Detail: "embedded"})
	}

	for _, s := range e.Embedders() {
		c := Check{Name: "embedder", OK: s.Up}
		switch {
		case !s.Up:
			c.Detail = fmt.Sprintf("%s: unavailable, last error: %s", s.Space, s.LastError)
		case s.LastOK.IsZero():
			c.Detail = fmt.Sprintf("%s: no call yet", s.Space)
		default:
			c.Detail = fmt.Sprintf("%s: last call worked at %s", s.Space, s.LastOK.UTC().Format(time.RFC3339))
		}
		if s.Pending > 0 {
			c.Detail += fmt.Sprintf("; %d papers pending", s.Pending)
		}
		checks = append(checks, c)
	}
	return checks
}

func check(name string, required bool, what string, err error) Check {
	if err != nil {
		return Check{Name: name, Required: required, Detail: fmt.Sprintf("%s: %v", what, err)}
	}
	return Check{Name: name, OK: true, Required: required, Detail: what}
}
