package schema

import (
	"context"
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

// IndexRow is what an index needs of a paper: its text, which the offline
// channels embed, and what filters read. Seq is the change sequence number
// of the paper's last write.
type IndexRow struct {
	ID              string
	Title, Abstract string
	Published       paperhound.Date
	Categories      paperhound.Strings
	Upvotes         int
	Seq             int64
}

// ScanIndexAfter calls fn for every paper whose change sequence number is
// above after, in (seq, id) order: after 0 rebuilds a whole index, the
// highest Seq seen so far lets a running server pick up what was written
// since. It reads batch papers per query (by the (seq, id) index), so no
// read stays open through a long load and one paper is in memory at a
// time. An error from fn stops the scan and is returned as is.
func (s *Store) ScanIndexAfter(ctx context.Context, after int64, batch int, fn func(IndexRow) error) error {
	if batch < 1 {
		return fmt.Errorf("scan index: batch %d: %w", batch, paperhound.ErrInvalid)
	}
	query := s.db.Rebind(`SELECT id, title, abstract, published, categories, upvotes, seq FROM papers
		WHERE (seq, id) > (?, ?) ORDER BY seq, id LIMIT ?`)
	// Pages follow the key (seq, id). The first starts above (after+1, ""),
	// below every paper numbered after+1 or more, since no id is empty
	// (SavePapers refuses one).
	seq, lastID := after+1, ""
	for {
		var rows int
		var fnErr error
		err := s.each(ctx, query, []any{seq, lastID, batch}, func(r *sqlx.Rows) error {
			var row IndexRow
			if err := r.Scan(&row.ID, &row.Title, &row.Abstract, &row.Published, &row.Categories, &row.Upvotes, &row.Seq); err != nil {
				return err
			}
			rows++
			seq, lastID = row.Seq, row.ID
			fnErr = fn(row)
			return fnErr
		})
		switch {
		case fnErr != nil:
			return fnErr
		case err != nil:
			return fmt.Errorf("scan index: %w", err)
		case rows < batch:
			return nil
		}
	}
}
