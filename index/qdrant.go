package index

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/qdrant/go-client/qdrant"
)

// Qdrant is the index kept in a Qdrant collection, over gRPC.
//
// One collection holds every space: each space is a named vector (dense
// spaces cosine, sparse spaces with Qdrant's idf modifier, which applies the
// same smoothed IDF as Memory at query time), and each point carries the
// payload paper_id (keyword), published (integer day number, see below) and
// categories (keyword list), all three indexed. A point's id is the UUIDv5
// of the paper id in a fixed namespace, so upserting a paper again replaces
// its point.
//
// The collection is created on the first Upsert if it does not exist, with
// the spaces of QdrantConfig and those of that first batch. Qdrant cannot
// add a named vector to a collection later, so a space first seen after the
// collection exists is an error: list it in QdrantConfig, delete the
// collection and reindex.
type Qdrant struct {
	client     *qdrant.Client
	collection string
	sparse     []string
	dense      map[string]int

	mu     sync.Mutex
	schema *qdrantSchema // nil until known; see state
}

// QdrantConfig says where the Qdrant server is and which spaces the
// collection holds.
type QdrantConfig struct {
	// URL is Qdrant's gRPC endpoint: http://host:6334, or https://host:6334
	// for TLS. The port defaults to 6334 (gRPC); 6333 is Qdrant's REST port
	// and does not answer gRPC. A URL without a scheme means http.
	URL    string
	APIKey string
	// Collection defaults to "papers".
	Collection string
	// Sparse lists the sparse spaces, e.g. embed.WordsSpace.
	Sparse []string
	// Dense maps each dense space to its dimension; 0 takes the dimension
	// of the first vector of that space that is upserted, which must then
	// come in the batch that creates the collection.
	Dense map[string]int
}

// Payload fields and batch size.
const (
	qdrantPaperID    = "paper_id"
	qdrantPublished  = "published"
	qdrantCategories = "categories"
	qdrantBatch      = 256
	qdrantGRPCPort   = 6334
)

// paperNamespace is the namespace of the UUIDv5 point ids:
// uuid.NewSHA1(uuid.NameSpaceURL, "https://github.com/paperhound/paperhound/papers").
// Changing it orphans every point of every existing collection.
var paperNamespace = uuid.MustParse("836be1fe-fa70-5f05-b8ff-435a42b9bcc0")

// QdrantPointID is the Qdrant point id of a paper.
func QdrantPointID(paperID string) string {
	return uuid.NewSHA1(paperNamespace, []byte(paperID)).String()
}

// QdrantVectorName is the name of a space's vector in the collection. Space
// names hold "/" ("lexical-words/v1", "endpoint/model"), which Qdrant does
// not take in names that become directory names, so every byte other than
// an ASCII letter, a digit or "-" is written as "_" and two hex digits:
// "lexical-words/v1" is "lexical-words_2fv1". The mapping is one to one, so
// two spaces never share a vector.
func QdrantVectorName(space string) string {
	var b strings.Builder
	for i := 0; i < len(space); i++ {
		c := space[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "_%02x", c)
	}
	return b.String()
}

// NewQdrant connects to Qdrant and checks that it answers. When the
// collection exists, it also checks that it holds the configured spaces with
// the configured dimensions. Close releases the connections.
func NewQdrant(ctx context.Context, cfg QdrantConfig) (*Qdrant, error) {
	host, port, useTLS, err := parseQdrantURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Collection == "" {
		cfg.Collection = "papers"
	}
	client, err := qdrant.NewClient(&qdrant.Config{
		Host: host, Port: port, APIKey: cfg.APIKey, UseTLS: useTLS,
		// The check only logs a warning, after a health check of its own:
		// ours below fails clearly instead.
		SkipCompatibilityCheck: true,
	})
	if err != nil {
		return nil, fmt.Errorf("qdrant client for %s: %w", net.JoinHostPort(host, strconv.Itoa(port)), err)
	}
	q := &Qdrant{client: client, collection: cfg.Collection, sparse: cfg.Sparse, dense: cfg.Dense}
	if err := q.healthCheck(ctx, host, port); err != nil {
		client.Close()
		return nil, err
	}
	if _, err := q.state(ctx); err != nil {
		client.Close()
		return nil, err
	}
	return q, nil
}

func (q *Qdrant) healthCheck(ctx context.Context, host string, port int) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	if _, err := q.client.HealthCheck(ctx); err != nil {
		hint := ""
		if port == 6333 {
			hint = " (6333 is Qdrant's REST port; gRPC is usually 6334)"
		}
		return fmt.Errorf("cannot reach Qdrant at %s%s: %w", net.JoinHostPort(host, strconv.Itoa(port)), hint, err)
	}
	return nil
}

// parseQdrantURL reads http://host[:port] or https://host[:port].
func parseQdrantURL(raw string) (host string, port int, useTLS bool, err error) {
	if raw == "" {
		return "", 0, false, fmt.Errorf("qdrant: no URL: want e.g. http://localhost:6334")
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, false, fmt.Errorf("qdrant URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "http":
	case "https":
		useTLS = true
	default:
		return "", 0, false, fmt.Errorf("qdrant URL %q: scheme must be http or https", raw)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return "", 0, false, fmt.Errorf("qdrant URL %q: want only a scheme, a host and a port", raw)
	}
	host, port = u.Hostname(), qdrantGRPCPort
	if host == "" {
		return "", 0, false, fmt.Errorf("qdrant URL %q: no host", raw)
	}
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port <= 0 || port > 65535 {
			return "", 0, false, fmt.Errorf("qdrant URL %q: bad port %q", raw, p)
		}
	}
	return host, port, useTLS, nil
}

// Close releases the connections to Qdrant.
func (q *Qdrant) Close() error { return q.client.Close() }

// qdrantSchema is what the collection holds, by vector name.
type qdrantSchema struct {
	dense  map[string]int
	sparse map[string]bool
}

// state returns the collection's schema, or nil when the collection does
// not exist (yet). A known schema is kept; a missing collection is looked
// for again on the next call, since another process may create it.
func (q *Qdrant) state(ctx context.Context) (*qdrantSchema, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.stateLocked(ctx)
}

func (q *Qdrant) stateLocked(ctx context.Context) (*qdrantSchema, error) {
	if q.schema != nil {
		return q.schema, nil
	}
	exists, err := q.client.CollectionExists(ctx, q.collection)
	if err != nil {
		return nil, fmt.Errorf("qdrant collection %q: %w", q.collection, err)
	}
	if !exists {
		return nil, nil
	}
	info, err := q.client.GetCollectionInfo(ctx, q.collection)
	if err != nil {
		return nil, fmt.Errorf("qdrant collection %q: %w", q.collection, err)
	}
	s := &qdrantSchema{dense: map[string]int{}, sparse: map[string]bool{}}
	params := info.GetConfig().GetParams()
	if single := params.GetVectorsConfig().GetParams(); single != nil {
		return nil, fmt.Errorf("qdrant collection %q has one unnamed vector, not a vector per space: it was not made by paperhound", q.collection)
	}
	for name, p := range params.GetVectorsConfig().GetParamsMap().GetMap() {
		if p.GetDistance() != qdrant.Distance_Cosine {
			return nil, fmt.Errorf("qdrant collection %q: vector %q has distance %s, want Cosine", q.collection, name, p.GetDistance())
		}
		s.dense[name] = int(p.GetSize())
	}
	for name, p := range params.GetSparseVectorsConfig().GetMap() {
		if p.GetModifier() != qdrant.Modifier_Idf {
			return nil, fmt.Errorf("qdrant collection %q: sparse vector %q has no idf modifier, so its scores would not match the embedded index", q.collection, name)
		}
		s.sparse[name] = true
	}
	for _, space := range q.sparse {
		if name := QdrantVectorName(space); !s.sparse[name] {
			return nil, fmt.Errorf("qdrant collection %q has no sparse vector %q for space %q: delete the collection and reindex", q.collection, name, space)
		}
	}
	for _, space := range slices.Sorted(maps.Keys(q.dense)) {
		name, dims := QdrantVectorName(space), q.dense[space]
		have, ok := s.dense[name]
		switch {
		case !ok:
			return nil, fmt.Errorf("qdrant collection %q has no dense vector %q for space %q: delete the collection and reindex", q.collection, name, space)
		case dims != 0 && have != dims:
			return nil, fmt.Errorf("qdrant collection %q holds %d-dimensional vectors for space %q, but %d are configured: delete the collection and reindex, or fix the configuration", q.collection, have, space, dims)
		}
	}
	q.schema = s
	return s, nil
}

// ensure returns the collection's schema, creating the collection for the
// spaces of the configuration and of docs when it does not exist.
func (q *Qdrant) ensure(ctx context.Context, docs []Doc) (*qdrantSchema, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if s, err := q.stateLocked(ctx); s != nil || err != nil {
		return s, err
	}
	s := &qdrantSchema{dense: map[string]int{}, sparse: map[string]bool{}}
	for _, space := range q.sparse {
		s.sparse[QdrantVectorName(space)] = true
	}
	for space, dims := range q.dense {
		s.dense[QdrantVectorName(space)] = dims
	}
	for _, d := range docs {
		for _, space := range slices.Sorted(maps.Keys(d.Vectors)) {
			v, name := d.Vectors[space], QdrantVectorName(space)
			if v.Dense == nil {
				if _, ok := s.dense[name]; ok {
					return nil, fmt.Errorf("upsert %q: space %q mixes sparse and dense vectors", d.ID, space)
				}
				s.sparse[name] = true
				continue
			}
			if s.sparse[name] {
				return nil, fmt.Errorf("upsert %q: space %q mixes sparse and dense vectors", d.ID, space)
			}
			if s.dense[name] == 0 {
				s.dense[name] = len(v.Dense)
			}
		}
	}
	dense := map[string]*qdrant.VectorParams{}
	for name, dims := range s.dense {
		if dims == 0 {
			return nil, fmt.Errorf("qdrant collection %q: dense vector %q has no known dimension: set it in QdrantConfig.Dense, or upsert a vector of it first", q.collection, name)
		}
		dense[name] = &qdrant.VectorParams{Size: uint64(dims), Distance: qdrant.Distance_Cosine}
	}
	sparse := map[string]*qdrant.SparseVectorParams{}
	for name := range s.sparse {
		sparse[name] = &qdrant.SparseVectorParams{Modifier: qdrant.Modifier_Idf.Enum()}
	}
	err := q.client.CreateCollection(ctx, &qdrant.CreateCollection{
		CollectionName:      q.collection,
		VectorsConfig:       qdrant.NewVectorsConfigMap(dense),
		SparseVectorsConfig: qdrant.NewSparseVectorsConfig(sparse),
	})
	if err != nil {
		// Another process may have created it meanwhile: use theirs.
		if s, err2 := q.stateLocked(ctx); s != nil {
			return s, nil
		} else if err2 != nil {
			return nil, err2
		}
		return nil, fmt.Errorf("create qdrant collection %q: %w", q.collection, err)
	}
	for field, typ := range map[string]qdrant.FieldType{
		qdrantPaperID:    qdrant.FieldType_FieldTypeKeyword,
		qdrantCategories: qdrant.FieldType_FieldTypeKeyword,
		qdrantPublished:  qdrant.FieldType_FieldTypeInteger,
	} {
		_, err := q.client.CreateFieldIndex(ctx, &qdrant.CreateFieldIndexCollection{
			CollectionName: q.collection, FieldName: field, FieldType: typ.Enum(), Wait: qdrant.PtrOf(true),
		})
		if err != nil {
			return nil, fmt.Errorf("index payload field %q of qdrant collection %q: %w", field, q.collection, err)
		}
	}
	q.schema = s
	return s, nil
}

// Upsert writes docs in batches of qdrantBatch points and at most
// qdrantBatchBytes (estimated), each waited for, so a search after Upsert
// returns sees them. Every doc is checked before the
// first batch is sent; a failed batch leaves the batches before it written.
func (q *Qdrant) Upsert(ctx context.Context, docs []Doc) error {
	if len(docs) == 0 {
		return nil
	}
	for _, d := range docs {
		if d.ID == "" {
			return fmt.Errorf("upsert: doc without id")
		}
	}
	s, err := q.ensure(ctx, docs)
	if err != nil {
		return err
	}
	points := make([]*qdrant.PointStruct, len(docs))
	sizes := make([]int, len(docs))
	for i, d := range docs {
		if points[i], err = q.point(s, d); err != nil {
			return err
		}
		sizes[i] = pointBytes(d)
	}
	for batch := range bySize(points, sizes) {
		_, err := q.client.Upsert(ctx, &qdrant.UpsertPoints{
			CollectionName: q.collection, Points: batch, Wait: qdrant.PtrOf(true),
		})
		if err != nil {
			return fmt.Errorf("upsert %d points into qdrant collection %q: %w", len(batch), q.collection, err)
		}
	}
	return nil
}

func (q *Qdrant) point(s *qdrantSchema, d Doc) (*qdrant.PointStruct, error) {
	vectors := make(map[string]*qdrant.Vector, len(d.Vectors))
	for space, v := range d.Vectors {
		name := QdrantVectorName(space)
		dims, dense := s.dense[name]
		switch {
		case !dense && !s.sparse[name]:
			return nil, fmt.Errorf("upsert %q: qdrant collection %q has no vector for space %q: list the space in QdrantConfig, delete the collection and reindex", d.ID, q.collection, space)
		case dense != (v.Dense != nil):
			return nil, fmt.Errorf("upsert %q: space %q mixes sparse and dense vectors", d.ID, space)
		case dense && len(v.Dense) != dims:
			return nil, fmt.Errorf("upsert %q: space %q holds %d-dimensional vectors, got %d", d.ID, space, dims, len(v.Dense))
		case dense:
			vectors[name] = qdrant.NewVectorDense(v.Dense)
		default:
			if len(v.Sparse.Indices) != len(v.Sparse.Values) {
				return nil, fmt.Errorf("upsert %q: space %q: sparse vector has %d indices but %d values", d.ID, space, len(v.Sparse.Indices), len(v.Sparse.Values))
			}
			vectors[name] = qdrant.NewVectorSparse(v.Sparse.Indices, v.Sparse.Values)
		}
	}
	payload := map[string]*qdrant.Value{qdrantPaperID: qdrant.NewValueString(d.ID)}
	if !d.Published.IsZero() {
		payload[qdrantPublished] = qdrant.NewValueInt(int64(dayOf(d.Published)))
	}
	if len(d.Categories) > 0 {
		cats := make([]*qdrant.Value, len(d.Categories))
		for i, c := range d.Categories {
			cats[i] = qdrant.NewValueString(c)
		}
		payload[qdrantCategories] = qdrant.NewValueFromList(cats...)
	}
	return &qdrant.PointStruct{
		Id:      qdrant.NewIDUUID(QdrantPointID(d.ID)),
		Vectors: qdrant.NewVectorsMap(vectors),
		Payload: payload,
	}, nil
}

// Delete removes the docs with these ids, waiting until they are gone.
// Unknown ids are no error.
func (q *Qdrant) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	s, err := q.state(ctx)
	if err != nil || s == nil {
		return err
	}
	for batch := range slices.Chunk(ids, qdrantBatch) {
		_, err := q.client.Delete(ctx, &qdrant.DeletePoints{
			CollectionName: q.collection,
			Points:         qdrant.NewPointsSelectorIDs(pointIDs(batch)),
			Wait:           qdrant.PtrOf(true),
		})
		if err != nil {
			return fmt.Errorf("delete %d points from qdrant collection %q: %w", len(batch), q.collection, err)
		}
	}
	return nil
}

func pointIDs(ids []string) []*qdrant.PointId {
	out := make([]*qdrant.PointId, len(ids))
	for i, id := range ids {
		out[i] = qdrant.NewIDUUID(QdrantPointID(id))
	}
	return out
}

// Search asks the space's vector for its nearest points. q.MaxDocFreq is
// ignored: Qdrant cannot drop frequent query terms server-side, and its idf
// modifier already weighs a term found in most docs near zero (a term in
// half the docs weighs ln 2, in all of them about 1/(2n)). For the same
// reason q.Terms keeps the query's largest values, not the largest times
// their idf as Memory does.
func (q *Qdrant) Search(ctx context.Context, query Query) ([]Hit, error) {
	if query.Limit <= 0 || query.Filter.Only != nil && len(query.Filter.Only) == 0 {
		return nil, nil
	}
	s, err := q.state(ctx)
	if err != nil || s == nil {
		return nil, err
	}
	input, name, err := q.nearest(s, query)
	if err != nil || input == nil {
		return nil, err
	}
	return q.run(ctx, &qdrant.QueryPoints{
		CollectionName: q.collection,
		Query:          qdrant.NewQueryNearest(input),
		Using:          &name,
		Filter:         qdrantFilter(query.Filter, nil),
	}, query.Limit)
}

// nearest turns a query vector into a Qdrant input for its space's vector,
// or nil when the collection has no such space or no term could match, as
// Memory answers nothing then.
func (q *Qdrant) nearest(s *qdrantSchema, query Query) (*qdrant.VectorInput, string, error) {
	name := QdrantVectorName(query.Space)
	if query.Vector.Dense != nil {
		dims, ok := s.dense[name]
		if !ok {
			return nil, name, nil
		}
		if len(query.Vector.Dense) != dims {
			return nil, name, fmt.Errorf("search space %q: query has %d dimensions, index has %d", query.Space, len(query.Vector.Dense), dims)
		}
		return qdrant.NewVectorInputDense(query.Vector.Dense), name, nil
	}
	v := query.Vector.Sparse
	if query.Terms > 0 {
		v = v.Largest(query.Terms)
	}
	if !s.sparse[name] || len(v.Indices) == 0 {
		return nil, name, nil
	}
	return qdrant.NewVectorInputSparse(v.Indices, v.Values), name, nil
}

// qdrantFilter is f as a Qdrant filter, also leaving out the papers in
// exclude. Dates compare day numbers, inclusive; a point without a
// published day fails any range, as Memory's undated docs fail any date
// filter.
func qdrantFilter(f Filter, exclude []string) *qdrant.Filter {
	var out qdrant.Filter
	if !f.After.IsZero() || !f.Before.IsZero() {
		r := &qdrant.Range{}
		if !f.After.IsZero() {
			r.Gte = qdrant.PtrOf(float64(dayOf(f.After)))
		}
		if !f.Before.IsZero() {
			r.Lte = qdrant.PtrOf(float64(dayOf(f.Before)))
		}
		out.Must = append(out.Must, qdrant.NewRange(qdrantPublished, r))
	}
	if f.Only != nil {
		out.Must = append(out.Must, qdrant.NewHasID(pointIDs(f.Only)...))
	}
	if ids := slices.Concat(f.Exclude, exclude); len(ids) > 0 {
		out.MustNot = append(out.MustNot, qdrant.NewHasID(pointIDs(ids)...))
	}
	if len(out.Must) == 0 && len(out.MustNot) == 0 {
		return nil
	}
	return &out
}

// run sends req for the best limit points, best first, ties by paper id.
// Qdrant orders equal scores by its own point order, so run asks for one
// more point than needed and, while the last one ties the limit-th, for
// twice as many, until the tie at the cut is whole.
func (q *Qdrant) run(ctx context.Context, req *qdrant.QueryPoints, limit int) ([]Hit, error) {
	req.WithPayload = qdrant.NewWithPayloadInclude(qdrantPaperID)
	for n := limit + 1; ; n *= 2 {
		req.Limit = qdrant.PtrOf(uint64(n))
		points, err := q.client.Query(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("query qdrant collection %q: %w", q.collection, err)
		}
		if len(points) == n && points[n-1].GetScore() == points[limit-1].GetScore() {
			continue
		}
		hits := make([]Hit, len(points))
		for i, p := range points {
			id := p.GetPayload()[qdrantPaperID].GetStringValue()
			if id == "" {
				return nil, fmt.Errorf("qdrant collection %q: point %s has no %s payload", q.collection, p.GetId().GetUuid(), qdrantPaperID)
			}
			hits[i] = Hit{ID: id, Score: float64(p.GetScore())}
		}
		SortHits(hits)
		return hits[:min(limit, len(hits))], nil
	}
}

// DeleteCollection drops the whole collection, for tests and for a reindex
// from scratch. The next Upsert creates it again.
func (q *Qdrant) DeleteCollection(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.schema = nil
	err := q.client.DeleteCollection(ctx, q.collection)
	if err != nil {
		if exists, err2 := q.client.CollectionExists(ctx, q.collection); err2 == nil && !exists {
			return nil
		}
		return fmt.Errorf("delete qdrant collection %q: %w", q.collection, err)
	}
	return nil
}
