package schema_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

// A store whose PostgreSQL stops answering says so with
// paperhound.ErrUnavailable, which the API turns into a 503; while it
// answers, its errors are of other kinds.
func TestUnreachablePostgresIsUnavailable(t *testing.T) {
	ctx := context.Background()
	u, err := url.Parse(schematest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	st, err := schema.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Paper(ctx, "nobody"); !errors.Is(err, paperhound.ErrNotFound) || errors.Is(err, paperhound.ErrUnavailable) {
		t.Fatalf("Paper while the server answers = %v, want not found only", err)
	}

	p.close() // the server is gone: connections drop, new ones are refused
	if _, err := st.CountPapers(ctx); !errors.Is(err, paperhound.ErrUnavailable) {
		t.Errorf("CountPapers = %v, want %v", err, paperhound.ErrUnavailable)
	}
	if err := st.Ping(ctx); !errors.Is(err, paperhound.ErrUnavailable) {
		t.Errorf("Ping = %v, want %v", err, paperhound.ErrUnavailable)
	}
	if _, err := schema.Open(ctx, u.String()); !errors.Is(err, paperhound.ErrUnavailable) {
		t.Errorf("Open = %v, want %v", err, paperhound.ErrUnavailable)
	}
}

// proxy forwards TCP connections to a server until closed, standing in for
// the network between a store and its database.
type proxy struct {
	ln     net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

func startProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	t.Cleanup(p.close)
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			p.mu.Lock()
			if p.closed {
				client.Close()
				server.Close()
			}
			p.conns = append(p.conns, client, server)
			p.mu.Unlock()
			go func() { io.Copy(server, client); server.Close() }()
			go func() { io.Copy(client, server); client.Close() }()
		}
	}()
	return p
}

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, c := range p.conns {
		c.Close()
	}
}

// A query the caller cancels fails with the context's error, whatever the
// driver calls it (lib/pq: "canceling statement due to user request"), so
// that a stopped run is told apart from a failed one.
func TestCancelledQueryIsTheContextsError(t *testing.T) {
	dsn := schematest.PostgresURL(t)
	ctx := context.Background()
	st, err := schema.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Another connection holds the votes version row, which every vote
	// write updates: the write below waits until it is cancelled.
	holder, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	tx, err := holder.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE votes_version SET n = n + 1`); err != nil {
		t.Fatal(err)
	}
	if err := st.SavePapers(ctx, []paperhound.Paper{{ID: "p", Title: "A paper"}}); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = st.SaveVotes(cctx, []paperhound.Vote{{User: "ann", Paper: "p", Value: 1}})
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, paperhound.ErrUnavailable) {
		t.Errorf("SaveVotes cancelled while waiting = %v, want %v and not unavailable", err, context.DeadlineExceeded)
	}
}
