package index

import (
	"context"
	"fmt"

	"github.com/qdrant/go-client/qdrant"
)

// Health checks that Qdrant answers, for readiness probes.
func (q *Qdrant) Health(ctx context.Context) error {
	if _, err := q.client.HealthCheck(ctx); err != nil {
		return fmt.Errorf("qdrant health check: %w", err)
	}
	return nil
}

// Points returns how many points the collection holds (Qdrant's count,
// which may lag writes by a moment), and whether it exists at all.
func (q *Qdrant) Points(ctx context.Context) (n int, exists bool, err error) {
	exists, err = q.client.CollectionExists(ctx, q.collection)
	if err != nil || !exists {
		return 0, false, err
	}
	info, err := q.client.GetCollectionInfo(ctx, q.collection)
	if err != nil {
		return 0, true, fmt.Errorf("qdrant collection %q: %w", q.collection, err)
	}
	return int(info.GetPointsCount()), true, nil
}

// Collection is the name of the collection.
func (q *Qdrant) Collection() string { return q.collection }

// qdrantBatchBytes bounds the estimated size of one upsert request: gRPC
// servers refuse messages over 4 MB by default, and a batch of papers with
// long abstracts (thousands of character n-grams each) passes that well
// before qdrantBatch points.
const qdrantBatchBytes = 2 << 20

// pointBytes estimates a doc's size on the wire: 8 bytes a sparse term, 4
// a dense value, and its payload.
func pointBytes(d Doc) int {
	n := 64 + len(d.ID)
	for space, v := range d.Vectors {
		n += len(space) + 8*v.Sparse.Len() + 4*len(v.Dense) + 16
	}
	for _, c := range d.Categories {
		n += len(c) + 8
	}
	return n
}

// bySize yields consecutive batches of at most qdrantBatch points and at
// most qdrantBatchBytes by sizes, each holding at least one point.
func bySize(points []*qdrant.PointStruct, sizes []int) func(func([]*qdrant.PointStruct) bool) {
	return func(yield func([]*qdrant.PointStruct) bool) {
		start, bytes := 0, 0
		for i := range points {
			if i > start && (i-start == qdrantBatch || bytes+sizes[i] > qdrantBatchBytes) {
				if !yield(points[start:i]) {
					return
				}
				start, bytes = i, 0
			}
			bytes += sizes[i]
		}
		if start < len(points) {
			yield(points[start:])
		}
	}
}
