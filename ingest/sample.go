package ingest

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"

	"github.com/paperhound/paperhound"
)

// samplePapers are 38 papers from a Hugging Face Daily Papers page
// (tokenizers, KV caches, speculative decoding, retrieval), in paperhound's
// JSON Lines.
//
//go:embed sample-papers.jsonl
var samplePapers []byte

// SamplePapers returns the built-in sample papers: what "serve --demo"
// loads, and the real papers tests rank.
func SamplePapers() ([]paperhound.Paper, error) {
	var papers []paperhound.Paper
	err := ReadPapers(context.Background(), bytes.NewReader(samplePapers), "sample-papers.jsonl",
		func(_ int, p paperhound.Paper) error { papers = append(papers, p); return nil },
		func(p Problem) error { return p })
	if err != nil {
		return nil, fmt.Errorf("sample papers: %w", err)
	}
	return papers, nil
}

// SampleKVCache are the sample papers about KV caches, Elastic Cache
// (2407.18121, the paper the demo's examples ask about) first.
var SampleKVCache = []string{"2407.18121", "2411.10803", "2508.02401", "2510.14973",
	"2412.08521", "2407.15891", "2307.02628", "2411.02886"}
