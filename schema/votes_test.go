package schema_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema/schematest"
)

func TestVotes(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Store
			at(st, t0)
			mustSave(t, st, []paperhound.Paper{{ID: "p1", Title: "one"}, {ID: "p2", Title: "two"}, {ID: "p3", Title: "three"}}, nil)

			// Each step saves a batch, then checks every user's votes.
			steps := []struct {
				name    string
				votes   []paperhound.Vote
				changed int
				want    map[string][]paperhound.Vote
			}{
				{
					name: "new users are created",
					votes: []paperhound.Vote{
						{User: "ann", Paper: "p1", Value: 1, At: t0},
						{User: "bob", Paper: "p1", Value: -1, At: t0.Add(time.Second)},
						{User: "ann", Paper: "p2", Value: -1, At: t0.Add(2 * time.Second)},
					},
					changed: 3,
					want: map[string][]paperhound.Vote{
						"ann": {
							{User: "ann", Paper: "p1", Value: 1, At: t0},
							{User: "ann", Paper: "p2", Value: -1, At: t0.Add(2 * time.Second)},
						},
						"bob": {{User: "bob", Paper: "p1", Value: -1, At: t0.Add(time.Second)}},
					},
				},
				{
					name: "a later vote replaces, within a batch too",
					votes: []paperhound.Vote{
						{User: "ann", Paper: "p1", Value: -1, At: t0.Add(3 * time.Second)},
						{User: "bob", Paper: "p1", Value: 1, At: t0.Add(4 * time.Second)},
						{User: "bob", Paper: "p1", Value: -1, At: t0.Add(5 * time.Second)},
					},
					changed: 3,
					want: map[string][]paperhound.Vote{
						"ann": {
							{User: "ann", Paper: "p2", Value: -1, At: t0.Add(2 * time.Second)},
							{User: "ann", Paper: "p1", Value: -1, At: t0.Add(3 * time.Second)},
						},
						"bob": {{User: "bob", Paper: "p1", Value: -1, At: t0.Add(5 * time.Second)}},
					},
				},
				{
					name:    "an older vote does not undo a newer one",
					votes:   []paperhound.Vote{{User: "ann", Paper: "p1", Value: 1, At: t0}},
					changed: 0,
					want: map[string][]paperhound.Vote{
						"ann": {
							{User: "ann", Paper: "p2", Value: -1, At: t0.Add(2 * time.Second)},
							{User: "ann", Paper: "p1", Value: -1, At: t0.Add(3 * time.Second)},
						},
					},
				},
				{
					name:    "zero time means now, in UTC",
					votes:   []paperhound.Vote{{User: "cy", Paper: "p3", Value: 1}},
					changed: 1,
					want:    map[string][]paperhound.Vote{"cy": {{User: "cy", Paper: "p3", Value: 1, At: t1}}},
				},
				{
					name: "times are kept in UTC at microseconds",
					votes: []paperhound.Vote{{User: "dee", Paper: "p3", Value: 1,
						At: time.Date(2025, 1, 2, 9, 0, 0, 999, time.FixedZone("X", 5*3600))}},
					changed: 1,
					want: map[string][]paperhound.Vote{"dee": {{User: "dee", Paper: "p3", Value: 1,
						At: time.Date(2025, 1, 2, 4, 0, 0, 0, time.UTC)}}},
				},
				{
					name:  "unknown user has no votes",
					votes: nil,
					want:  map[string][]paperhound.Vote{"nobody": nil},
				},
			}
			at(st, t1)
			for _, s := range steps {
				if changed, err := st.SaveVotes(ctx, s.votes); err != nil || changed != s.changed {
					t.Fatalf("%s: %d changed, %v; want %d", s.name, changed, err, s.changed)
				}
				for user, want := range s.want {
					got, err := st.Votes(ctx, user)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s: Votes(%s)\n got %+v\nwant %+v", s.name, user, got, want)
					}
				}
			}

			var all []paperhound.Vote
			if err := st.AllVotes(ctx, func(v paperhound.Vote) error { all = append(all, v); return nil }); err != nil {
				t.Fatal(err)
			}
			want := []paperhound.Vote{
				{User: "ann", Paper: "p1", Value: -1, At: t0.Add(3 * time.Second)},
				{User: "ann", Paper: "p2", Value: -1, At: t0.Add(2 * time.Second)},
				{User: "bob", Paper: "p1", Value: -1, At: t0.Add(5 * time.Second)},
				{User: "cy", Paper: "p3", Value: 1, At: t1},
				{User: "dee", Paper: "p3", Value: 1, At: time.Date(2025, 1, 2, 4, 0, 0, 0, time.UTC)},
			}
			if !reflect.DeepEqual(all, want) {
				t.Errorf("AllVotes\n got %+v\nwant %+v", all, want)
			}

			stop := errors.New("stop")
			if err := st.AllVotes(ctx, func(paperhound.Vote) error { return stop }); err != stop {
				t.Errorf("AllVotes with failing fn = %v, want stop", err)
			}
		})
	}
}

func TestSaveVotesRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		votes   []paperhound.Vote
		invalid bool // rejected before the database, with ErrInvalid
	}{
		{"value 0", []paperhound.Vote{{User: "u", Paper: "p", Value: 0}}, true},
		{"value 2", []paperhound.Vote{{User: "u", Paper: "p", Value: 2}}, true},
		{"no user", []paperhound.Vote{{Paper: "p", Value: 1}}, true},
		{"no paper", []paperhound.Vote{{User: "u", Value: 1}}, true},
		{"more than a day ahead", []paperhound.Vote{{User: "u", Paper: "p", Value: 1, At: time.Now().Add(25 * time.Hour)}}, true},
		{"user ../admin", []paperhound.Vote{{User: "new", Paper: "p", Value: 1}, {User: "../admin", Paper: "p", Value: 1}}, true},
		{"user <script>", []paperhound.Vote{{User: "<script>", Paper: "p", Value: 1}}, true},
		{"user a b", []paperhound.Vote{{User: "a b", Paper: "p", Value: 1}}, true},
		{"bad value after good ones", []paperhound.Vote{{User: "new", Paper: "p", Value: 1}, {User: "u", Paper: "p", Value: -2}}, true},
		// The foreign key fails in the database, after the first vote and
		// its user were written: the transaction must take both back.
		{"unknown paper", []paperhound.Vote{{User: "new", Paper: "p", Value: 1}, {User: "new2", Paper: "ghost", Value: 1}}, false},
	}
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Store
			mustSave(t, st, []paperhound.Paper{{ID: "p", Title: "t"}}, nil)
			for _, tt := range tests {
				_, err := st.SaveVotes(ctx, tt.votes)
				if err == nil {
					t.Errorf("%s: saved", tt.name)
					continue
				}
				if errors.Is(err, paperhound.ErrInvalid) != tt.invalid {
					t.Errorf("%s: err = %v, ErrInvalid %v, want %v", tt.name, err, !tt.invalid, tt.invalid)
				}
			}
			n := 0
			if err := st.AllVotes(ctx, func(paperhound.Vote) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%d votes saved by rejected batches, want 0", n)
			}
			for _, tt := range tests {
				for _, v := range tt.votes {
					if _, err := st.User(ctx, v.User); !errors.Is(err, paperhound.ErrNotFound) {
						t.Errorf("%s: user %q was created (%v)", tt.name, v.User, err)
					}
				}
			}
		})
	}
}

// Every change to votes moves the version; reads and no-op deletes don't.
func TestVotesVersion(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Store
			mustSave(t, st, []paperhound.Paper{{ID: "p1", Title: "one"}}, nil)
			version := func() int64 {
				t.Helper()
				n, err := st.VotesVersion(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			v0 := version()
			if _, err := st.SaveVotes(ctx, []paperhound.Vote{{User: "ann", Paper: "p1", Value: 1}}); err != nil {
				t.Fatal(err)
			}
			v1 := version()
			if v1 == v0 {
				t.Fatalf("version %d unchanged by a saved vote", v1)
			}
			if _, err := st.Votes(ctx, "ann"); err != nil || version() != v1 {
				t.Fatalf("reading votes moved the version (%v)", err)
			}
			if deleted, err := st.DeleteVote(ctx, "ann", "p1", -1); err != nil || deleted || version() != v1 {
				t.Fatalf("deleting a hide that isn't there: deleted %v, err %v, version moved %v", deleted, err, version() != v1)
			}
			if deleted, err := st.DeleteVote(ctx, "ann", "p1", 0); err != nil || !deleted {
				t.Fatalf("DeleteVote = %v, %v", deleted, err)
			}
			if version() == v1 {
				t.Fatal("version unchanged by a deleted vote")
			}
		})
	}
}

// An import never undoes what changed after it: a replayed vote loses to a
// newer one and to a newer removal, and a vote without a time only fills a
// gap.
func TestSaveVotesKeepLaterChanges(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Store
			clock := t0
			st.Now = func() time.Time { return clock }
			mustSave(t, st, []paperhound.Paper{{ID: "p1", Title: "one"}, {ID: "p2", Title: "two"}}, nil)
			up := func(paper string, at time.Time) paperhound.Vote {
				return paperhound.Vote{User: "ann", Paper: paper, Value: 1, At: at}
			}
			hide := up("p1", t0.Add(time.Hour))
			hide.Value = -1
			steps := []struct {
				name    string
				clock   time.Time
				votes   []paperhound.Vote
				deletes []string // papers whose vote is removed, after the votes
				changed int
				want    []paperhound.Vote
			}{
				{"import, no time", t0, []paperhound.Vote{up("p1", time.Time{}), up("p2", t0)}, nil, 2,
					[]paperhound.Vote{up("p1", t0), up("p2", t0)}},
				{"the user hides p1 and removes p2", t0.Add(time.Hour), []paperhound.Vote{hide}, []string{"p2"}, 1,
					[]paperhound.Vote{hide}},
				{"the same import again", t0.Add(2 * time.Hour), []paperhound.Vote{up("p1", time.Time{}), up("p2", t0)}, nil, 0,
					[]paperhound.Vote{hide}},
				{"an import of the times before the changes", t0.Add(2 * time.Hour), []paperhound.Vote{up("p1", t0.Add(time.Minute)), up("p2", t0.Add(time.Hour))}, nil, 0,
					[]paperhound.Vote{hide}},
				{"votes cast after the changes", t0.Add(2 * time.Hour), []paperhound.Vote{up("p1", t0.Add(3*time.Hour)), up("p2", t0.Add(3*time.Hour))}, nil, 2,
					[]paperhound.Vote{up("p1", t0.Add(3*time.Hour)), up("p2", t0.Add(3*time.Hour))}},
			}
			for _, s := range steps {
				clock = s.clock
				if changed, err := st.SaveVotes(ctx, s.votes); err != nil || changed != s.changed {
					t.Errorf("%s: %d changed, %v; want %d", s.name, changed, err, s.changed)
				}
				for _, p := range s.deletes {
					if _, err := st.DeleteVote(ctx, "ann", p, 0); err != nil {
						t.Fatal(err)
					}
				}
				got, err := st.Votes(ctx, "ann")
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, s.want) {
					t.Errorf("%s:\n got %+v\nwant %+v", s.name, got, s.want)
				}
			}
		})
	}
}
