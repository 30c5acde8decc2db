package main

import (
	"slices"
	"testing"
	"time"

	"github.com/paperhound/paperhound/recommend"
)

func TestParseSeeds(t *testing.T) {
	tests := []struct {
		in   string
		want []uint64
	}{
		{"3", []uint64{3}},
		{"1-5", []uint64{1, 2, 3, 4, 5}},
		{"1,2,7", []uint64{1, 2, 7}},
		{"1-3,9", []uint64{1, 2, 3, 9}},
		{"4-4", []uint64{4}},
	}
	for _, tt := range tests {
		got, err := parseSeeds(tt.in)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("parseSeeds(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "x", "5-1", "1-", "-3", "1,,2", "0-5000"} {
		if got, err := parseSeeds(bad); err == nil {
			t.Errorf("parseSeeds(%q) = %v, want an error", bad, got)
		}
	}
}

// Each variant of --weights starts from the defaults and changes only what
// it names.
func TestParseFeedVariants(t *testing.T) {
	got, err := parseFeedVariants("content=0.2,collaborative=0.8; halflife=24h,neighbours=50,popularity=0.1")
	if err != nil {
		t.Fatal(err)
	}
	first, second := recommend.DefaultFeedWeights, recommend.DefaultFeedWeights
	first.Content, first.Collaborative = 0.2, 0.8
	second.Recency.HalfLife, second.TunedRecency, second.Neighbours = 24*time.Hour, false, 50
	if len(got) != 2 || got[0].weights != first || got[0].popularity != nil ||
		got[1].weights != second || got[1].popularity == nil || *got[1].popularity != 0.1 {
		t.Errorf("variants = %+v", got)
	}
	if got, err := parseFeedVariants("pool=0"); err == nil {
		t.Errorf("pool=0 gave %+v, want an error", got)
	}
}
