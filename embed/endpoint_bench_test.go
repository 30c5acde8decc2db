package embed

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkEndpointThroughput embeds 2000 abstracts in batches of 16 against
// a local fake endpoint answering after 50 ms, as a remote model server
// might, at 1 and 8 requests in flight. One iteration is the 2000 texts:
//
//	go test -run '^$' -bench EndpointThroughput -benchtime 1x ./embed
func BenchmarkEndpointThroughput(b *testing.B) {
	slow := func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		time.Sleep(50 * time.Millisecond)
		answer(768, false)(w, r, req)
	}
	texts := make([]string, 2000)
	for i := range texts {
		texts[i] = fmt.Sprintf("paper %d: we study the recommendation of research papers with dense and sparse embeddings", i)
	}
	for _, concurrency := range []int{1, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", concurrency), func(b *testing.B) {
			srv := httptest.NewServer(&fakeServer{t: b, steps: []fakeStep{slow}})
			defer srv.Close()
			e, err := NewEndpoint(EndpointConfig{BaseURL: srv.URL + "/v1", Model: "m", BatchSize: 16, Concurrency: concurrency})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			for b.Loop() {
				if _, err := e.Embed(context.Background(), texts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(texts))/time.Since(start).Seconds(), "papers/s")
		})
	}
}
