package schema

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/paperhound/paperhound"
)

// The change sequence. Every transaction that writes papers takes the next
// number of the paper_seq counter (nextSeq) and stamps it on each paper it
// writes (papers.seq); a server keeping an index in step remembers the
// highest number it has read and asks only for papers above it
// (ScanIndexAfter).
//
// Such a reader is only right if numbers become visible in order: had a
// writer taken 5 and another 6, and 6 committed first, a reader would see
// 6, remember it, and never ask for 5. A SEQUENCE would allow exactly that
// on PostgreSQL. The counter is a row instead, and UPDATE ... RETURNING
// locks it until the writer commits or rolls back: the next writer waits
// at its own nextSeq, so a number is handed out only once every lower one
// is committed or gone. The price is that paper writes on PostgreSQL take
// turns, as they always do on SQLite, where the database has one writer.
// nextSeq must be the first statement that writes papers in its
// transaction: a writer holding paper rows while it waits for the counter
// could deadlock with one holding the counter.

// nextSeq takes the next change sequence number in tx.
func nextSeq(ctx context.Context, tx *sqlx.Tx) (int64, error) {
	var n int64
	if err := tx.GetContext(ctx, &n, `UPDATE paper_seq SET n = n + 1 WHERE id = 1 RETURNING n`); err != nil {
		return 0, fmt.Errorf("next change sequence number: %w", err)
	}
	return n, nil
}

// Seq is the last change sequence number handed out: no paper is numbered
// above it.
func (s *Store) Seq(ctx context.Context) (int64, error) {
	var n int64
	if err := s.get(ctx, &n, `SELECT n FROM paper_seq WHERE id = 1`); err != nil {
		return 0, fmt.Errorf("change sequence number: %w", err)
	}
	return n, nil
}

// IndexRow is what the in-memory index needs of a paper. Vectors maps a
// space to the paper's vector there; a space not yet embedded is absent.
// Seq is the change sequence number of the paper's last write.
type IndexRow struct {
	ID         string
	Published  paperhound.Date
	Categories paperhound.Strings
	Seq        int64
	Vectors    map[string][]byte
}

// ScanIndexAfter calls fn for every paper whose change sequence number is
// above after, in (seq, id) order, with its vectors in spaces: after 0
// rebuilds a whole index, the highest Seq seen so far lets a running server
// pick up what was written since. It reads batch papers per query (by the
// (seq, id) index), so no read stays open through a long load and one
// paper is in memory at a time. An error from fn stops the scan and is
// returned as is.
func (s *Store) ScanIndexAfter(ctx context.Context, spaces []string, after int64, batch int, fn func(IndexRow) error) error {
	if batch < 1 {
		return fmt.Errorf("scan index: batch %d: %w", batch, paperhound.ErrInvalid)
	}
	// One LEFT JOIN sorted like the page brings a paper's vectors on
	// adjacent rows, which are folded into one IndexRow as the id changes.
	page := `SELECT id, published, categories, seq, text_hash FROM papers
		WHERE (seq, id) > (?, ?) ORDER BY seq, id LIMIT ?`
	query := `SELECT p.id, p.published, p.categories, p.seq, NULL AS space, NULL AS data
		FROM (` + page + `) p ORDER BY p.seq, p.id`
	if len(spaces) > 0 {
		query = `SELECT p.id, p.published, p.categories, p.seq, e.space, e.data
			FROM (` + page + `) p
			LEFT JOIN embeddings e ON e.text_hash = p.text_hash AND e.space IN (?)
			ORDER BY p.seq, p.id`
	}
	// Pages follow the key (seq, id). The first starts above (after+1, ""),
	// below every paper numbered after+1 or more, since no id is empty
	// (SavePapers refuses one).
	seq, lastID := after+1, ""
	for {
		args := []any{seq, lastID, batch}
		if len(spaces) > 0 {
			args = append(args, spaces)
		}
		q, args, err := sqlx.In(query, args...)
		if err != nil {
			return fmt.Errorf("scan index: %w", err)
		}
		n, err := s.scanIndexPage(ctx, s.db.Rebind(q), args, fn)
		if err != nil || n.papers < batch {
			return err
		}
		seq, lastID = n.seq, n.id
	}
}

// pageEnd is how many papers a page of ScanIndexAfter held, and the last.
type pageEnd struct {
	papers int
	seq    int64
	id     string
}

// scanIndexPage runs one page of ScanIndexAfter.
func (s *Store) scanIndexPage(ctx context.Context, query string, args []any, fn func(IndexRow) error) (pageEnd, error) {
	var row IndexRow
	var end pageEnd
	var fnErr error
	err := s.each(ctx, query, args, func(rows *sqlx.Rows) error {
		var (
			id         string
			published  paperhound.Date
			categories paperhound.Strings
			seq        int64
			space      sql.NullString
			data       []byte
		)
		if err := rows.Scan(&id, &published, &categories, &seq, &space, &data); err != nil {
			return err
		}
		if id != row.ID {
			if row.ID != "" {
				if fnErr = fn(row); fnErr != nil {
					return fnErr
				}
			}
			row = IndexRow{ID: id, Published: published, Categories: categories, Seq: seq, Vectors: map[string][]byte{}}
			end = pageEnd{papers: end.papers + 1, seq: seq, id: id}
		}
		if space.Valid {
			row.Vectors[space.String] = data
		}
		return nil
	})
	if fnErr != nil {
		return end, fnErr
	}
	if err != nil {
		return end, fmt.Errorf("scan index: %w", err)
	}
	if row.ID != "" {
		return end, fn(row)
	}
	return end, nil
}
