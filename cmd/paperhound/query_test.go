package main

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sampleDB is a SQLite database holding the sample papers, stored through
// "paperhound ingest".
func sampleDB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	if r := ingestFiles(t, "--db", db, writeFile(t, dir, "sample.jsonl", samplePapers)); r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	return db
}

// table runs a query command and returns the ids of its table, in order.
func table(t *testing.T, args ...string) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run %q: %v; stderr %s", args, err, &stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if got := strings.Fields(lines[0]); !slices.Equal(got, []string{"SCORE", "ID", "PUBLISHED", "TITLE"}) {
		t.Fatalf("header %q, want SCORE ID PUBLISHED TITLE", lines[0])
	}
	var ids []string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 3 {
			t.Fatalf("row %q has too few columns", l)
		}
		ids = append(ids, f[1])
	}
	return ids
}

func TestQueryCommands(t *testing.T) {
	t.Parallel()
	db := sampleDB(t)

	ids := table(t, "similar", "--db", db, "2407.18121")
	if len(ids) != 10 || slices.Contains(ids, "2407.18121") {
		t.Errorf("similar: %v, want 10 papers without 2407.18121", ids)
	}
	kv := 0
	for _, id := range ids[:5] {
		if slices.Contains(kvCache, id) {
			kv++
		}
	}
	if kv < 3 {
		t.Errorf("similar: %d KV-cache papers in the top 5 %v, want 3 or more", kv, ids[:5])
	}

	ids = table(t, "search", "--db", db, "--limit", "3", "KV", "cache", "compression")
	if len(ids) != 3 {
		t.Errorf("search: %v, want 3", ids)
	}
	for _, id := range ids {
		if !slices.Contains(kvCache, id) {
			t.Errorf("search: %s in %v is not about KV caches", id, ids)
		}
	}

	// The date filters, as in the API.
	ids = table(t, "similar", "--db", db, "--after", "2024-07-21", "--before", "2024-07-21", "2407.18121")
	if !slices.Equal(ids, []string{"2407.15891"}) {
		t.Errorf("similar on 2024-07-21: %v, want [2407.15891]", ids)
	}
}

func TestQueryCommandErrors(t *testing.T) {
	t.Parallel()
	db := sampleDB(t)
	tests := []struct {
		args    []string
		mention string
	}{
		{[]string{"similar", "--db", db, "9999.99999"}, "not found"},
		{[]string{"similar", "--db", db, "9999.99999"}, "9999.99999"},
		{[]string{"similar", "--db", db, "--limit", "0", "2407.18121"}, "--limit"},
		{[]string{"similar", "--db", db, "--limit", "101", "2407.18121"}, "--limit"},
		{[]string{"search", "--db", db, "--limit", "0", "kv cache"}, "--limit"},
		{[]string{"similar", "--db", db, "--after", "2024-13-01", "2407.18121"}, "--after"},
		{[]string{"search", "--db", db, "--before", "soon", "kv cache"}, "--before"},
		{[]string{"search", "--db", db, "!!!"}, "no searchable words"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tt.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("run %q: %v, want an error mentioning %q", tt.args, err, tt.mention)
		}
		if stdout.Len() > 0 {
			t.Errorf("run %q printed %q", tt.args, &stdout)
		}
	}
}
