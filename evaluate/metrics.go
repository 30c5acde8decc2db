package evaluate

import "math"

// Scores accumulates recall@k and nDCG@k over queries.
type Scores struct {
	K       int
	Queries int
	recall  float64
	ndcg    float64
}

// Add scores one ranking against its relevant set.
func (s *Scores) Add(ranked []string, relevant map[string]bool) {
	if len(relevant) == 0 {
		return
	}
	var hits int
	var dcg, idcg float64
	for i, id := range ranked[:min(s.K, len(ranked))] {
		if relevant[id] {
			hits++
			dcg += 1 / math.Log2(float64(i+2))
		}
	}
	for i := range min(s.K, len(relevant)) {
		idcg += 1 / math.Log2(float64(i+2))
	}
	s.Queries++
	s.recall += float64(hits) / float64(len(relevant))
	s.ndcg += dcg / idcg
}

// Recall is mean recall@K: the share of each query's relevant items found in its top K.
func (s *Scores) Recall() float64 { return s.mean(s.recall) }

// NDCG is mean nDCG@K with binary relevance.
func (s *Scores) NDCG() float64 { return s.mean(s.ndcg) }

func (s *Scores) mean(sum float64) float64 {
	if s.Queries == 0 {
		return 0
	}
	return sum / float64(s.Queries)
}
