package schema_test

import (
	"context"
	"database/sql"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

// On PostgreSQL two processes write papers at once. Writer A takes its
// change sequence number, then writer B starts; a reader that reads
// while A is still in flight, remembers the highest number it saw and
// later asks for what is above it must still get A's paper. With numbers
// that could commit out of order (a SEQUENCE), B would commit first, the
// reader would remember B's number, and A's lower one would never be read.
func TestChangeSequenceCommitsInOrder(t *testing.T) {
	ctx := context.Background()
	dsn := schematest.PostgresURL(t)
	open := func() *schema.Store {
		st, err := schema.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	slow, fast := open(), open()

	// The store reads its clock inside the transaction, once it holds its
	// number: A stops there until released.
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	slow.Now = func() time.Time {
		once.Do(func() { close(held); <-release })
		return t0
	}
	errA := make(chan error, 1)
	go func() {
		errA <- slow.SavePapers(ctx, []paperhound.Paper{{ID: "a", Title: "written first, committed last"}})
	}()
	<-held
	errB := make(chan error, 1)
	go func() { errB <- fast.SavePapers(ctx, []paperhound.Paper{{ID: "b", Title: "written second"}}) }()

	// The reader reads once B has committed or is waiting for a lock.
	waitBlockedOrDone(t, dsn, errB)
	var mark int64
	read := func(after int64) []string {
		t.Helper()
		var ids []string
		err := fast.ScanIndexAfter(ctx, after, 10, func(r schema.IndexRow) error {
			ids = append(ids, r.ID)
			mark = max(mark, r.Seq)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	first := read(0)

	close(release)
	if err := <-errA; err != nil {
		t.Fatal(err)
	}
	if err := <-errB; err != nil {
		t.Fatal(err)
	}
	before := mark
	then := read(mark)
	got := slices.Sorted(slices.Values(slices.Concat(first, then)))
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("read %v while A was in flight, then %v above %d; want a and b between them", first, then, before)
	}
}

// waitBlockedOrDone returns once the write reporting to done has finished
// (and puts its error back) or a session of the test database waits for a
// lock.
func waitBlockedOrDone(t *testing.T, dsn string, done chan error) {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-done:
			done <- err
			return
		default:
		}
		var waiting int
		err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
	}
	t.Fatal("the second writer neither finished nor waited for a lock in 10 s")
}

// Papers stored before the change sequence existed (schema version 5) are
// numbered by the migration so that a first load reads them, and the next
// write numbers above them.
func TestChangeSequenceMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, b := range oldSchema(t, 5) {
		t.Run(b.driver, func(t *testing.T) {
			raw := b.raw
			if _, err := raw.Exec(`INSERT INTO papers (id, title, text_hash, record_hash, created_at, updated_at)
				VALUES ('old', 'stored before', 'h', 'r', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`); err != nil {
				t.Fatal(err)
			}

			st, err := schema.Open(ctx, b.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			mustSave(t, st, []paperhound.Paper{{ID: "new", Title: "stored after"}}, nil)
			var got []schema.IndexRow
			err = st.ScanIndexAfter(ctx, 0, 10, func(r schema.IndexRow) error {
				got = append(got, r)
				return nil
			})
			want := []schema.IndexRow{{ID: "old", Title: "stored before", Seq: 1}, {ID: "new", Title: "stored after", Seq: 2}}
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("after the migration: %+v, %v; want %+v", got, err, want)
			}
		})
	}
}
