package evaluate

import (
	"math"
	"reflect"
	"testing"
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
