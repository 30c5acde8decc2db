package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
)

const testAdminToken = "cmd-test-admin-token-0123456789"

// users runs "paperhound users ARGS" and returns what it printed.
func users(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"users"}, args...), &out, &errOut)
	return out.String(), errOut.String(), err
}

// call makes a request with a bearer token (none when token is "").
func call(t *testing.T, method, target, token string) (int, []byte) {
	t.Helper()
	resp, b := request(t, method, target, "", token)
	return resp.StatusCode, b
}

// "users add" prints a token that works on a server over the same
// database; a second one replaces it; the votes it casts export in the
// format "ingest --upvotes" reads back.
func TestUsersAdd(t *testing.T) {
	t.Parallel()
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			out, errOut, err := users(t, "add", "--db", db.dsn, "alice")
			if err != nil {
				t.Fatalf("users add: %v; %s", err, errOut)
			}
			token := strings.TrimSpace(out)
			if !strings.HasPrefix(token, "ph_") || strings.Contains(token, "\n") {
				t.Fatalf("stdout %q, want the token alone", out)
			}
			if !strings.Contains(errOut, "created user alice") {
				t.Errorf("stderr %q does not say the user was created", errOut)
			}
			out, errOut, err = users(t, "add", "--db", db.dsn, "bob")
			if err != nil {
				t.Fatal(err, errOut)
			}
			bob := strings.TrimSpace(out)

			s := startServe(t, "--db", db.dsn, "--demo", "--admin-token", testAdminToken)
			if code, body := call(t, "PUT", s.url+"/v1/users/alice/upvotes/2407.18121", token); code != 204 {
				t.Fatalf("PUT with the printed token: %d %s", code, body)
			}
			if code, body := call(t, "PUT", s.url+"/v1/users/alice/hidden/2407.15891", token); code != 204 {
				t.Fatalf("PUT hidden: %d %s", code, body)
			}
			if code, _ := call(t, "GET", s.url+"/v1/users/alice/upvotes", bob); code != 403 {
				t.Errorf("bob's token on alice's upvotes: %d, want 403", code)
			}
			if code, _ := call(t, "GET", s.url+"/v1/users/alice/upvotes", testAdminToken); code != 200 {
				t.Errorf("the admin token: %d, want 200", code)
			}
			code, export := call(t, "GET", s.url+"/v1/users/alice/votes.jsonl", token)
			if code != 200 || bytes.Count(export, []byte("\n")) != 2 {
				t.Fatalf("export: %d %s", code, export)
			}

			// A new token for alice; the old one stops working at once.
			out, errOut, err = users(t, "add", "--db", db.dsn, "alice")
			if err != nil || !strings.Contains(errOut, "new token") {
				t.Fatalf("users add again: %v; %s", err, errOut)
			}
			if code, _ := call(t, "GET", s.url+"/v1/users/alice/upvotes", token); code != 401 {
				t.Errorf("the replaced token: %d, want 401", code)
			}
			token = strings.TrimSpace(out)
			if code, body := call(t, "GET", s.url+"/v1/users/alice/upvotes", token); code != 200 || !bytes.Contains(body, []byte("2407.18121")) {
				t.Errorf("the new token: %d %s", code, body)
			}

			// A feed key from the command line reads the feed.
			out, errOut, err = users(t, "feed-key", "--db", db.dsn, "alice")
			if err != nil || !strings.Contains(errOut, "/v1/users/alice/feed.atom?key=") {
				t.Fatalf("users feed-key: %v; %s", err, errOut)
			}
			if code, body := call(t, "GET", s.url+"/v1/users/alice/feed.atom?key="+strings.TrimSpace(out), ""); code != 200 || !bytes.Contains(body, []byte("<feed")) {
				t.Errorf("feed with the printed key: %d %.200s", code, body)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			// The export goes into a fresh database through the importer.
			dir := t.TempDir()
			fresh := filepath.Join(dir, "fresh.db")
			if r := ingestFiles(t, "--db", fresh, writeFile(t, dir, "sample.jsonl", samplePapers)); r.err != nil {
				t.Fatal(r.err, r.stderr)
			}
			if r := ingestFiles(t, "--db", fresh, "--upvotes", writeFile(t, dir, "votes.jsonl", export)); r.err != nil {
				t.Fatal(r.err, r.stderr)
			}
			want, got := storedVotes(t, db.dsn, "alice"), storedVotes(t, fresh, "alice")
			if len(want) != 2 || !slices.Equal(got, want) {
				t.Errorf("votes after the round trip:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func storedVotes(t *testing.T, dsn, user string) []paperhound.Vote {
	t.Helper()
	st, err := schema.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	votes, err := st.Votes(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	return votes
}

func TestUsersErrors(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "x.db")
	for _, args := range [][]string{nil, {"remove", "alice"}, {"add"}, {"add", "--db", db}, {"add", "--db", db, "a", "b"}, {"feed-key", "--db", db}} {
		if _, errOut, err := users(t, args...); !errors.Is(err, errUsage) || errOut == "" {
			t.Errorf("users %q: %v, stderr %q; want usage", args, err, errOut)
		}
	}
	for _, name := range []string{"a b", "..", "_x", strings.Repeat("n", 65), "ä"} {
		out, _, err := users(t, "add", "--db", db, name)
		if err == nil || !strings.Contains(err.Error(), "user name") || out != "" {
			t.Errorf("users add %q: %v, stdout %q; want a name error and no token", name, err, out)
		}
	}
	if _, _, err := users(t, "feed-key", "--db", db, "nobody"); err == nil || !strings.Contains(err.Error(), "nobody") {
		t.Errorf("feed-key for nobody: %v", err)
	}
}

func TestAdminTokenFlag(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--admin-token", "short"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--admin-token") {
		t.Errorf("a short admin token: %v, want an error naming --admin-token", err)
	}

	// The environment's token works, and help never shows it.
	t.Setenv("PAPERHOUND_ADMIN_TOKEN", testAdminToken)
	stdout.Reset()
	stderr.Reset()
	run(context.Background(), []string{"serve", "-h"}, &stdout, &stderr)
	if help := stdout.String() + stderr.String(); strings.Contains(help, testAdminToken) || !strings.Contains(help, "admin-token") {
		t.Errorf("serve -h shows the token or not the flag:\n%s", help)
	}
	s := startServe(t, "--db", db)
	if code, body := call(t, "POST", s.url+"/v1/users/nobody/feed-key", testAdminToken); code != 404 {
		t.Errorf("the admin token from the environment: %d %s, want 404 for an unknown user", code, body)
	}
}
