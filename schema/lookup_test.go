package schema_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

func TestPapersByDOIAndTitle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	papers := []paperhound.Paper{
		{ID: "1706.03762", Title: "Attention Is All You Need", DOI: "10.5555/3295222.3295349"},
		{ID: "1810.04805", Title: "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"},
		{ID: "math/0101001", Title: "Gödel's theorem, again"},
		{ID: "dup-a", Title: "Introduction"},
		{ID: "dup-b", Title: "INTRODUCTION."},
		{ID: "shared-doi-1", Title: "One", DOI: "10.1/shared"},
		{ID: "shared-doi-2", Title: "Two", DOI: "10.1/shared"},
		{ID: "no-doi", Title: "?!"},
	}
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			mustSave(t, b.Store, papers, nil)

			byDOI, err := b.Store.PapersByDOI(ctx, []string{"10.5555/3295222.3295349", "10.1/shared", "10.9/none", ""})
			wantDOI := map[string][]string{
				"10.5555/3295222.3295349": {"1706.03762"},
				"10.1/shared":             {"shared-doi-1", "shared-doi-2"},
			}
			if err != nil || !reflect.DeepEqual(byDOI, wantDOI) {
				t.Errorf("PapersByDOI = %v, %v; want %v", byDOI, err, wantDOI)
			}

			titles := []string{
				"attention is all you need",
				"{BERT}: Pre-training of Deep \\emph{Bidirectional} Transformers for Language Understanding",
				`G\"odel's Theorem, Again`,
				"Introduction",
				"Attention is not all you need",
				"?!", // no key: never matches, not even the paper titled so
			}
			byTitle, err := b.Store.PapersByTitle(ctx, titles)
			wantTitle := map[string][]string{
				titles[0]: {"1706.03762"},
				titles[1]: {"1810.04805"},
				titles[2]: {"math/0101001"},
				titles[3]: {"dup-a", "dup-b"},
			}
			if err != nil || !reflect.DeepEqual(byTitle, wantTitle) {
				t.Errorf("PapersByTitle = %v, %v; want %v", byTitle, err, wantTitle)
			}

			// A new title moves the paper's key with it.
			mustSave(t, b.Store, []paperhound.Paper{{ID: "1706.03762", Title: "Attention Is All You Need (revised)"}}, nil)
			byTitle, err = b.Store.PapersByTitle(ctx, []string{"Attention is all you need", "attention is all you need revised"})
			wantTitle = map[string][]string{"attention is all you need revised": {"1706.03762"}}
			if err != nil || !reflect.DeepEqual(byTitle, wantTitle) {
				t.Errorf("after a new title: PapersByTitle = %v, %v; want %v", byTitle, err, wantTitle)
			}
		})
	}
}

// Papers stored before titles had keys (schema version 7) get theirs from
// the migration, and the lookup uses the index.
func TestTitleKeyMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, b := range oldSchema(t, 7) {
		t.Run(b.driver, func(t *testing.T) {
			raw := b.raw
			// More than a page of the migration's backfill (1,000).
			const n = 1500
			var values []string
			for i := range n {
				values = append(values, fmt.Sprintf("('p%04d', 'Old {Title} number %d', 'h', 'r', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, %d)", i, i, i+1))
			}
			if _, err := raw.Exec(`INSERT INTO papers (id, title, text_hash, record_hash, created_at, updated_at, seq) VALUES ` + strings.Join(values, ", ")); err != nil {
				t.Fatal(err)
			}

			st, err := schema.Open(ctx, b.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			got, err := st.PapersByTitle(ctx, []string{"old title number 0", "Old Title Number 1499", "old title number 1500"})
			want := map[string][]string{"old title number 0": {"p0000"}, "Old Title Number 1499": {"p1499"}}
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("after the migration: %v, %v; want %v", got, err, want)
			}
			// The lookups' queries (lookup.go) use their indexes.
			explain := `EXPLAIN QUERY PLAN `
			conn, err := raw.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if b.driver == "postgres" {
				explain = `EXPLAIN `
				// So few rows might be read faster without the index.
				if _, err := conn.ExecContext(ctx, `SET enable_seqscan = off`); err != nil {
					t.Fatal(err)
				}
			}
			for column, index := range map[string]string{"title_key": "papers_title_key_idx", "doi": "papers_doi_idx"} {
				q := explain + `SELECT ` + column + `, id FROM papers WHERE ` + column + ` <> '' AND ` + column + ` IN (?, ?)`
				if b.driver == "postgres" {
					q = strings.NewReplacer("?, ?", "$1, $2").Replace(q)
				}
				rows, err := conn.QueryContext(ctx, q, "a", "b")
				if err != nil {
					t.Fatal(err)
				}
				var plan []string
				cols, _ := rows.Columns()
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						t.Fatal(err)
					}
					plan = append(plan, fmt.Sprint(vals...))
				}
				rows.Close()
				if !strings.Contains(strings.Join(plan, "\n"), index) {
					t.Errorf("the lookup by %s does not use %s: %q", column, index, plan)
				}
			}
		})
	}
}
