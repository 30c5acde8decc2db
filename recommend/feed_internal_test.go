package recommend

import (
	"slices"
	"sync"
	"testing"

	"github.com/paperhound/paperhound"
)

// Only the same title posted twice is folded: numbers and versions tell
// papers apart.
func TestWithoutDuplicates(t *testing.T) {
	tests := []struct {
		name   string
		titles []string
		want   []string
	}{
		{"model versions", []string{"Gemma 2 Technical Report", "Gemma 3 Technical Report", "Qwen2 Technical Report", "Qwen2.5 Technical Report", "Phi-3 Technical Report", "Phi-4 Technical Report"},
			[]string{"Gemma 2 Technical Report", "Gemma 3 Technical Report", "Qwen2 Technical Report", "Qwen2.5 Technical Report", "Phi-3 Technical Report", "Phi-4 Technical Report"}},
		{"digits run together are another number", []string{"Qwen2.5", "Qwen25", "Qwen2-5"}, []string{"Qwen2.5", "Qwen25"}},
		{"stop words and short words count", []string{"A Survey of Agents", "Survey of Agents", "The Survey of Agents"}, []string{"A Survey of Agents", "Survey of Agents", "The Survey of Agents"}},
		{"case, accents, punctuation and spacing are folded", []string{"Attention Is All You Need", "attention is all you need.", "  Attention   is all  you need!", "Attention: Is All You Need", "Élan vital", "elan  vital"},
			[]string{"Attention Is All You Need", "Élan vital"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var results []Result
			for i, title := range tt.titles {
				results = append(results, Result{Paper: paperhound.Paper{ID: string(rune('a' + i)), Title: title}})
			}
			var got []string
			for _, r := range withoutDuplicates(results) {
				got = append(got, r.Paper.Title)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("kept %q, want %q", got, tt.want)
			}
		})
	}
}

// Feeds are ranked concurrently (one request each): folding a title must
// share no state. A shared transform.Transformer panicked here under the
// feed evaluation's parallel users.
func TestTitleKeyConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 2000 {
				if got := titleKey("Élastic Caché for Gemma 2"); got != "elastic cache for gemma 2" {
					t.Errorf("titleKey = %q", got)
					return
				}
			}
		})
	}
	wg.Wait()
}
