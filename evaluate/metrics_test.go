package evaluate

import (
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestScores(t *testing.T) {
	log2 := func(x float64) float64 { return math.Log2(x) }
	tests := []struct {
		name       string
		k          int
		ranked     []string
		relevant   []string
		recall     float64
		ndcg       float64
		countQuery bool
	}{
		{"first of two found", 2, []string{"a", "x"}, []string{"a", "b"}, 0.5, 1 / (1 + 1/log2(3)), true},
		{"second place", 3, []string{"x", "a", "y"}, []string{"a"}, 1, (1 / log2(3)) / 1, true},
		{"beyond k", 1, []string{"x", "a"}, []string{"a"}, 0, 0, true},
		{"short ranking", 10, []string{"a"}, []string{"a", "b", "c"}, 1.0 / 3, 1 / (1 + 1/log2(3) + 1/log2(4)), true},
		{"no relevant items: not a query", 10, []string{"a"}, nil, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Scores{K: tt.k}
			rel := map[string]bool{}
			for _, id := range tt.relevant {
				rel[id] = true
			}
			s.Add(tt.ranked, rel)
			if (s.Queries == 1) != tt.countQuery {
				t.Fatalf("queries = %d", s.Queries)
			}
			if math.Abs(s.Recall()-tt.recall) > 1e-12 || math.Abs(s.NDCG()-tt.ndcg) > 1e-12 {
				t.Errorf("recall %.4f nDCG %.4f, want %.4f %.4f", s.Recall(), s.NDCG(), tt.recall, tt.ndcg)
			}
		})
	}
}

func TestValidationKeepsOldestItems(t *testing.T) {
	s := Split{Train: [][]int{{9, 2, 7, 4}, {5}}}
	v := s.Validation(2)
	if want := [][]int{{2, 4}, {5}}; !reflect.DeepEqual(v.Train, want) {
		t.Errorf("train = %v, want %v", v.Train, want)
	}
	if want := [][]int{{7, 9}, {}}; !reflect.DeepEqual(v.Test, want) {
		t.Errorf("held out = %v, want %v", v.Test, want)
	}
}

// A random split holds out a fifth of each library of five or more items,
// at random but the same for the same seed, and its votes carry no time.
func TestRandomSplit(t *testing.T) {
	libraries := [][]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4}, {3, 4, 5, 6, 7, 8, 9}}
	s := RandomSplit(libraries, 1)
	for u, lib := range libraries {
		held := 0
		if len(lib) >= 5 {
			held = int(math.Round(float64(len(lib)) / 5))
		}
		if len(s.Test[u]) != held {
			t.Errorf("user %d: %d held out of %d, want %d", u, len(s.Test[u]), len(lib), held)
		}
		union := slices.Sorted(slices.Values(append(slices.Clone(s.Train[u]), s.Test[u]...)))
		if !slices.Equal(union, lib) {
			t.Errorf("user %d: train %v + test %v is not the library %v", u, s.Train[u], s.Test[u], lib)
		}
	}
	if again := RandomSplit(libraries, 1); !reflect.DeepEqual(again, s) {
		t.Errorf("seed 1 twice: %v then %v", s.Test, again.Test)
	}
	differs := false
	for seed := uint64(2); seed < 6 && !differs; seed++ {
		differs = !reflect.DeepEqual(RandomSplit(libraries, seed).Test, s.Test)
	}
	if !differs {
		t.Error("seeds 2 to 5 hold out the same items as seed 1")
	}
	for _, v := range s.Votes() {
		if !v.At.IsZero() {
			t.Fatalf("vote %+v of a random split carries a time", v)
		}
	}
	timed := s
	timed.Times = RandomTimes
	times := map[time.Time]bool{}
	for _, v := range timed.Votes() {
		times[v.At] = true
	}
	if votes := len(timed.Votes()); len(times) < votes*9/10 || times[time.Time{}] {
		t.Errorf("random times: %d distinct times for %d votes (zero among them: %v)", len(times), votes, times[time.Time{}])
	}
	v := s.RandomValidation(1)
	for u := range libraries {
		if !slices.Equal(slices.Sorted(slices.Values(append(slices.Clone(v.Train[u]), v.Test[u]...))), slices.Sorted(slices.Values(s.Train[u]))) {
			t.Errorf("user %d: the validation carve %v + %v is not the train items %v", u, v.Train[u], v.Test[u], s.Train[u])
		}
	}
}

func TestSampleKeepsTrainVotes(t *testing.T) {
	s := Split{Train: [][]int{{1}, {2}, {3}, {4}}, Test: [][]int{{5}, {6}, nil, {7}}}
	got := s.Sample(2, 1)
	scored := 0
	for u, items := range got.Test {
		if len(items) > 0 {
			scored++
			if !slices.Equal(items, s.Test[u]) {
				t.Errorf("user %d: test %v, want %v", u, items, s.Test[u])
			}
		}
	}
	if scored != 2 || !reflect.DeepEqual(got.Train, s.Train) {
		t.Errorf("sample of 2: %d users scored, train %v", scored, got.Train)
	}
	if all := s.Sample(3, 1); !reflect.DeepEqual(all, s) {
		t.Errorf("a sample of every user with test items changed the split: %v", all.Test)
	}
}
