// Package qdranttest runs an in-process Qdrant gRPC server for tests, so
// that the Qdrant index, and the packages wiring it (recommend, api, cmd),
// are tested over real gRPC without a Qdrant install.
//
// The server implements the calls the backend makes, with Qdrant's
// semantics, on one index.Memory per collection: named dense vectors
// with cosine distance, named sparse vectors with the idf modifier (the same
// IDF as Memory, over the points having a vector in that space), filters
// made of a range on the integer payload field "published" and has_id in
// must_not, nearest queries, writes that are applied later unless wait is
// set, and an api-key header. Anything else answers codes.Unimplemented, so a backend
// that drifts from what is simulated here fails loudly rather than quietly.
//
// Ties are ordered by point id, not by paper id, as Qdrant orders them by
// its own point order: the backend must do the tie-breaking itself.
//
// It must not be used outside tests, and it knows nothing of the backend
// but the wire protocol and the payload field holding day numbers.
package qdranttest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"net"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
)

// DayField is the integer payload field, in days since 1970-01-01, that
// range conditions may test: the one the backend stores dates in.
const DayField = "published"

// asyncDelay is how long a write sent without wait takes to show.
const asyncDelay = 50 * time.Millisecond

// Options configure a Server.
type Options struct {
	// APIKey, when set, must come with every request in the api-key header.
	APIKey string
}

// Server is a running fake Qdrant.
type Server struct {
	// Addr is the gRPC address, 127.0.0.1:port.
	Addr string
	// URL is http://Addr, the form index.QdrantConfig takes.
	URL string

	apiKey string
	mu     sync.Mutex
	cols   map[string]*collection
	stats  Stats
}

// Stats count what clients asked of a Server.
type Stats struct {
	Upserts  int // Upsert calls
	MaxBatch int // most points in one Upsert
	Unwaited int // writes sent without wait=true
	Queries  int // Query calls
}

// Start runs a Server until the test ends.
func Start(t testing.TB) *Server { return StartWith(t, Options{}) }

// StartWith runs a Server with options until the test ends.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("qdranttest: listen: %v", err)
	}
	s := &Server{
		Addr:   lis.Addr().String(),
		URL:    "http://" + lis.Addr().String(),
		apiKey: o.APIKey,
		cols:   map[string]*collection{},
	}
	gs := grpc.NewServer(
		grpc.UnaryInterceptor(s.auth),
		// The go-client pings every 10 s even when idle; grpc-go's default
		// policy would answer that with GOAWAY.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Second, PermitWithoutStream: true}),
	)
	qdrant.RegisterQdrantServer(gs, health{})
	qdrant.RegisterCollectionsServer(gs, collections{s: s})
	qdrant.RegisterPointsServer(gs, points{s: s})
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	return s
}

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Points is the number of points in a collection, -1 when it does not exist.
func (s *Server) Points(collection string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cols[collection]
	if !ok {
		return -1
	}
	return len(c.points)
}

// Collections lists the collections.
func (s *Server) Collections() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.cols))
}

func (s *Server) auth(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	if s.apiKey != "" {
		md, _ := metadata.FromIncomingContext(ctx)
		if got := md.Get("api-key"); len(got) != 1 || got[0] != s.apiKey {
			return nil, status.Error(codes.PermissionDenied, "Invalid api-key")
		}
	}
	return next(ctx, req)
}

func (s *Server) collection(name string) (*collection, error) {
	c, ok := s.cols[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Not found: Collection `%s` doesn't exist!", name)
	}
	return c, nil
}

// write applies a change now when the client waits for it, and later
// otherwise, as Qdrant acknowledges a write before applying it.
func (s *Server) write(wait bool, apply func() error) (*qdrant.PointsOperationResponse, error) {
	if wait {
		if err := apply(); err != nil {
			return nil, status.Errorf(codes.Internal, "qdranttest: %v", err)
		}
		return &qdrant.PointsOperationResponse{Result: &qdrant.UpdateResult{Status: qdrant.UpdateStatus_Completed}}, nil
	}
	s.stats.Unwaited++
	time.AfterFunc(asyncDelay, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		apply()
	})
	return &qdrant.PointsOperationResponse{Result: &qdrant.UpdateResult{Status: qdrant.UpdateStatus_Acknowledged}}, nil
}

type collection struct {
	dense  map[string]uint64
	sparse map[string]bool
	fields map[string]qdrant.FieldType
	points map[string]*point // by pointKey
	// mem holds a doc per point, ID its pointKey, a space per vector name.
	mem *index.Memory
}

type point struct {
	id      *qdrant.PointId
	payload map[string]*qdrant.Value
	// vectors by name; dense ones normalised, as Qdrant stores cosine ones.
	vectors map[string]embed.Vector
}

// pointKey is a point id as text: a UUID in its canonical form, or a number.
func pointKey(id *qdrant.PointId) (string, error) {
	switch v := id.GetPointIdOptions().(type) {
	case *qdrant.PointId_Uuid:
		u, err := uuid.Parse(v.Uuid)
		if err != nil {
			return "", status.Errorf(codes.InvalidArgument, "Unable to parse UUID: %s", v.Uuid)
		}
		return u.String(), nil
	case *qdrant.PointId_Num:
		return strconv.FormatUint(v.Num, 10), nil
	}
	return "", status.Error(codes.InvalidArgument, "point id missing")
}

func unimplemented(what string, args ...any) error {
	return status.Errorf(codes.Unimplemented, "qdranttest: "+what+" is not simulated", args...)
}

type health struct {
	qdrant.UnimplementedQdrantServer
}

func (health) HealthCheck(context.Context, *qdrant.HealthCheckRequest) (*qdrant.HealthCheckReply, error) {
	return &qdrant.HealthCheckReply{Title: "qdrant - vector search engine (qdranttest)", Version: "1.17.0"}, nil
}

type collections struct {
	qdrant.UnimplementedCollectionsServer
	s *Server
}

// validName is stricter than Qdrant before 1.18, which let vector names
// hold "/"; later versions refuse names unfit for a directory.
var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func (c collections) Create(_ context.Context, req *qdrant.CreateCollection) (*qdrant.CollectionOperationResponse, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	name := req.GetCollectionName()
	if !validName.MatchString(name) {
		return nil, status.Errorf(codes.InvalidArgument, "Validation error: bad collection name %q", name)
	}
	if _, ok := s.cols[name]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "Wrong input: Collection `%s` already exists!", name)
	}
	col := &collection{
		dense: map[string]uint64{}, sparse: map[string]bool{}, fields: map[string]qdrant.FieldType{},
		points: map[string]*point{}, mem: index.NewMemory(),
	}
	if vc := req.GetVectorsConfig(); vc != nil {
		if vc.GetParams() != nil {
			return nil, unimplemented("an unnamed vector")
		}
		for vname, p := range vc.GetParamsMap().GetMap() {
			if !validName.MatchString(vname) {
				return nil, status.Errorf(codes.InvalidArgument, "Validation error: bad vector name %q", vname)
			}
			if p.GetDistance() != qdrant.Distance_Cosine {
				return nil, unimplemented("distance %s", p.GetDistance())
			}
			if p.GetSize() == 0 || p.MultivectorConfig != nil {
				return nil, status.Errorf(codes.InvalidArgument, "Validation error: vector %q: size must be positive", vname)
			}
			col.dense[vname] = p.GetSize()
		}
	}
	for vname, p := range req.GetSparseVectorsConfig().GetMap() {
		if !validName.MatchString(vname) {
			return nil, status.Errorf(codes.InvalidArgument, "Validation error: bad vector name %q", vname)
		}
		if _, ok := col.dense[vname]; ok {
			return nil, status.Errorf(codes.InvalidArgument, "Wrong input: vector %q is both dense and sparse", vname)
		}
		if p.GetModifier() != qdrant.Modifier_Idf {
			return nil, unimplemented("a sparse vector without the idf modifier")
		}
		col.sparse[vname] = true
	}
	s.cols[name] = col
	return &qdrant.CollectionOperationResponse{Result: true}, nil
}

func (c collections) CollectionExists(_ context.Context, req *qdrant.CollectionExistsRequest) (*qdrant.CollectionExistsResponse, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	_, ok := c.s.cols[req.GetCollectionName()]
	return &qdrant.CollectionExistsResponse{Result: &qdrant.CollectionExists{Exists: ok}}, nil
}

func (c collections) Get(_ context.Context, req *qdrant.GetCollectionInfoRequest) (*qdrant.GetCollectionInfoResponse, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	col, err := c.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	dense := map[string]*qdrant.VectorParams{}
	for name, size := range col.dense {
		dense[name] = &qdrant.VectorParams{Size: size, Distance: qdrant.Distance_Cosine}
	}
	sparse := map[string]*qdrant.SparseVectorParams{}
	for name := range col.sparse {
		sparse[name] = &qdrant.SparseVectorParams{Modifier: qdrant.Modifier_Idf.Enum()}
	}
	schemaInfo := map[string]*qdrant.PayloadSchemaInfo{}
	for field, typ := range col.fields {
		t := qdrant.PayloadSchemaType_UnknownType
		switch typ {
		case qdrant.FieldType_FieldTypeKeyword:
			t = qdrant.PayloadSchemaType_Keyword
		case qdrant.FieldType_FieldTypeInteger:
			t = qdrant.PayloadSchemaType_Integer
		}
		schemaInfo[field] = &qdrant.PayloadSchemaInfo{DataType: t}
	}
	return &qdrant.GetCollectionInfoResponse{Result: &qdrant.CollectionInfo{
		Status: qdrant.CollectionStatus_Green,
		Config: &qdrant.CollectionConfig{Params: &qdrant.CollectionParams{
			ShardNumber:         1,
			VectorsConfig:       qdrant.NewVectorsConfigMap(dense),
			SparseVectorsConfig: qdrant.NewSparseVectorsConfig(sparse),
		}},
		PayloadSchema: schemaInfo,
		PointsCount:   qdrant.PtrOf(uint64(len(col.points))),
	}}, nil
}

func (c collections) List(context.Context, *qdrant.ListCollectionsRequest) (*qdrant.ListCollectionsResponse, error) {
	var out []*qdrant.CollectionDescription
	for _, name := range c.s.Collections() {
		out = append(out, &qdrant.CollectionDescription{Name: name})
	}
	return &qdrant.ListCollectionsResponse{Collections: out}, nil
}

func (c collections) Delete(_ context.Context, req *qdrant.DeleteCollection) (*qdrant.CollectionOperationResponse, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	_, ok := c.s.cols[req.GetCollectionName()]
	delete(c.s.cols, req.GetCollectionName())
	return &qdrant.CollectionOperationResponse{Result: ok}, nil
}

type points struct {
	qdrant.UnimplementedPointsServer
	s *Server
}

func (p points) CreateFieldIndex(_ context.Context, req *qdrant.CreateFieldIndexCollection) (*qdrant.PointsOperationResponse, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	col, err := s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if req.FieldType == nil || req.GetFieldName() == "" {
		return nil, status.Error(codes.InvalidArgument, "Wrong input: field name and type are required")
	}
	typ := req.GetFieldType()
	return s.write(req.GetWait(), func() error {
		col.fields[req.GetFieldName()] = typ
		return nil
	})
}

func (p points) Upsert(_ context.Context, req *qdrant.UpsertPoints) (*qdrant.PointsOperationResponse, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	col, err := s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if req.UpdateFilter != nil || req.UpdateMode != nil {
		return nil, unimplemented("a conditional upsert")
	}
	keys := make([]string, len(req.GetPoints()))
	pts := make([]*point, len(req.GetPoints()))
	docs := make([]index.Doc, len(req.GetPoints()))
	for i, ps := range req.GetPoints() {
		if keys[i], err = pointKey(ps.GetId()); err != nil {
			return nil, err
		}
		if pts[i], err = col.decode(ps); err != nil {
			return nil, err
		}
		docs[i] = index.Doc{ID: keys[i], Published: published(pts[i].payload), Vectors: pts[i].vectors}
	}
	s.stats.Upserts++
	s.stats.MaxBatch = max(s.stats.MaxBatch, len(pts))
	return s.write(req.GetWait(), func() error {
		// The points were checked against the collection's vectors, so
		// Memory, which checks less, has nothing to refuse.
		if err := col.mem.Upsert(context.Background(), docs); err != nil {
			return err
		}
		for i, k := range keys {
			col.points[k] = pts[i]
		}
		return nil
	})
}

// decode checks a point against the collection's vectors.
func (c *collection) decode(ps *qdrant.PointStruct) (*point, error) {
	pt := &point{id: ps.GetId(), payload: ps.GetPayload(), vectors: map[string]embed.Vector{}}
	if ps.Vectors == nil {
		return pt, nil
	}
	named, ok := ps.GetVectors().GetVectorsOptions().(*qdrant.Vectors_Vectors)
	if !ok {
		return nil, status.Error(codes.InvalidArgument, "Wrong input: Not existing vector name error: (unnamed vector)")
	}
	for name, v := range named.Vectors.GetVectors() {
		switch x := v.GetVector().(type) {
		case *qdrant.Vector_Dense:
			size, ok := c.dense[name]
			if !ok {
				return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Not existing vector name error: %s", name)
			}
			if uint64(len(x.Dense.GetData())) != size {
				return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", size, len(x.Dense.GetData()))
			}
			pt.vectors[name] = embed.Vector{Dense: embed.Normalized(x.Dense.GetData())}
		case *qdrant.Vector_Sparse:
			if !c.sparse[name] {
				return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Not existing vector name error: %s", name)
			}
			sv, err := sparse(x.Sparse)
			if err != nil {
				return nil, err
			}
			pt.vectors[name] = embed.Vector{Sparse: sv}
		default:
			return nil, unimplemented("vector kind %T", x)
		}
	}
	return pt, nil
}

func sparse(v *qdrant.SparseVector) (embed.Sparse, error) {
	idx, vals := v.GetIndices(), v.GetValues()
	if len(idx) != len(vals) {
		return embed.Sparse{}, status.Errorf(codes.InvalidArgument, "Validation error: sparse vector has %d indices and %d values", len(idx), len(vals))
	}
	seen := make(map[uint32]bool, len(idx))
	for _, i := range idx {
		if seen[i] {
			return embed.Sparse{}, status.Errorf(codes.InvalidArgument, "Validation error: sparse vector has index %d twice", i)
		}
		seen[i] = true
	}
	return embed.Sparse{Indices: slices.Clone(idx), Values: slices.Clone(vals)}, nil
}

func published(payload map[string]*qdrant.Value) paperhound.Date {
	v, ok := payload[DayField].GetKind().(*qdrant.Value_IntegerValue)
	if !ok {
		return paperhound.Date{}
	}
	return dayDate(v.IntegerValue)
}

func dayDate(day int64) paperhound.Date {
	return paperhound.Date{Time: time.Unix(day*86400, 0).UTC()}
}

func (p points) Delete(_ context.Context, req *qdrant.DeletePoints) (*qdrant.PointsOperationResponse, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	col, err := s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	sel, ok := req.GetPoints().GetPointsSelectorOneOf().(*qdrant.PointsSelector_Points)
	if !ok {
		return nil, unimplemented("deleting by filter")
	}
	var keys []string
	for _, id := range sel.Points.GetIds() {
		k, err := pointKey(id)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return s.write(req.GetWait(), func() error {
		for _, k := range keys {
			delete(col.points, k)
		}
		return col.mem.Delete(context.Background(), keys)
	})
}

// scored is a point's key and score, as Qdrant computes it in float32.
type scored struct {
	key   string
	score float32
}

func (p points) Query(ctx context.Context, req *qdrant.QueryPoints) (*qdrant.QueryResponse, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Queries++
	col, err := s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if len(req.GetPrefetch()) > 0 || req.LookupFrom != nil || req.ScoreThreshold != nil || req.WithVectors != nil {
		return nil, unimplemented("prefetch, lookup_from, score_threshold or with_vectors")
	}
	limit, offset := int(cmp.Or(req.GetLimit(), 10)), int(req.GetOffset())
	hits, err := col.query(ctx, req.GetQuery(), req.GetUsing(), req.GetFilter(), limit+offset)
	if err != nil {
		return nil, err
	}
	hits = hits[min(offset, len(hits)):]
	out := make([]*qdrant.ScoredPoint, len(hits))
	for i, h := range hits {
		pt := col.points[h.key]
		out[i] = &qdrant.ScoredPoint{Id: pt.id, Score: h.score, Payload: selectPayload(pt.payload, req.GetWithPayload())}
	}
	return &qdrant.QueryResponse{Result: out}, nil
}

func selectPayload(payload map[string]*qdrant.Value, sel *qdrant.WithPayloadSelector) map[string]*qdrant.Value {
	switch v := sel.GetSelectorOptions().(type) {
	case *qdrant.WithPayloadSelector_Enable:
		if v.Enable {
			return payload
		}
	case *qdrant.WithPayloadSelector_Include:
		out := map[string]*qdrant.Value{}
		for _, f := range v.Include.GetFields() {
			if x, ok := payload[f]; ok {
				out[f] = x
			}
		}
		return out
	case *qdrant.WithPayloadSelector_Exclude:
		out := maps.Clone(payload)
		for _, f := range v.Exclude.GetFields() {
			delete(out, f)
		}
		return out
	}
	return nil
}

// query runs one nearest query for the best limit points.
func (c *collection) query(ctx context.Context, q *qdrant.Query, using string, filter *qdrant.Filter, limit int) ([]scored, error) {
	if _, ok := c.dense[using]; !ok && !c.sparse[using] {
		return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Not existing vector name error: %s", using)
	}
	f, err := c.filter(filter)
	if err != nil {
		return nil, err
	}
	switch v := q.GetVariant().(type) {
	case *qdrant.Query_Nearest:
		vec, exclude, err := c.resolve(v.Nearest, using)
		if err != nil {
			return nil, err
		}
		f.Exclude = append(f.Exclude, exclude...)
		return c.search(ctx, using, vec, f, limit)
	}
	return nil, unimplemented("query %T", q.GetVariant())
}

func (c *collection) search(ctx context.Context, name string, v embed.Vector, f index.Filter, limit int) ([]scored, error) {
	hits, err := c.mem.Search(ctx, index.Query{Space: name, Vector: v, Limit: limit, Filter: f})
	if err != nil {
		return nil, status.Errorf(codes.Internal, "qdranttest: %v", err)
	}
	out := make([]scored, len(hits))
	for i, h := range hits {
		out[i] = scored{h.ID, float32(h.Score)}
	}
	return out, nil
}

// resolve turns a query input into a vector of the named space, and says
// which point it came from, if any, to leave it out as Qdrant does.
func (c *collection) resolve(in *qdrant.VectorInput, name string) (embed.Vector, []string, error) {
	_, dense := c.dense[name]
	switch v := in.GetVariant().(type) {
	case *qdrant.VectorInput_Dense:
		if !dense {
			return embed.Vector{}, nil, status.Errorf(codes.InvalidArgument, "Wrong input: vector %s is sparse, the query is dense", name)
		}
		if got := len(v.Dense.GetData()); uint64(got) != c.dense[name] {
			return embed.Vector{}, nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", c.dense[name], got)
		}
		return embed.Vector{Dense: v.Dense.GetData()}, nil, nil
	case *qdrant.VectorInput_Sparse:
		if dense {
			return embed.Vector{}, nil, status.Errorf(codes.InvalidArgument, "Wrong input: vector %s is dense, the query is sparse", name)
		}
		sv, err := sparse(v.Sparse)
		return embed.Vector{Sparse: sv}, nil, err
	case *qdrant.VectorInput_Id:
		key, err := pointKey(v.Id)
		if err != nil {
			return embed.Vector{}, nil, err
		}
		pt, ok := c.points[key]
		if !ok {
			return embed.Vector{}, nil, status.Errorf(codes.NotFound, "Not found: No point with id %s found", key)
		}
		vec, ok := pt.vectors[name]
		if !ok {
			return embed.Vector{}, nil, status.Errorf(codes.InvalidArgument, "Wrong input: point %s has no vector %s", key, name)
		}
		return vec, []string{key}, nil
	}
	return embed.Vector{}, nil, unimplemented("query input %T", in.GetVariant())
}

// filter turns the filters the backend sends into Memory's: a range on
// DayField or one has_id in must (undated points never pass a range),
// has_id in must_not.
func (c *collection) filter(f *qdrant.Filter) (index.Filter, error) {
	var out index.Filter
	if len(f.GetShould()) > 0 || f.GetMinShould() != nil {
		return out, unimplemented("should")
	}
	dated := false
	lo, hi := int64(math.MinInt32/2), int64(math.MaxInt32/2) // days, inclusive
	for _, cond := range f.GetMust() {
		if h := cond.GetHasId(); h != nil && out.Only == nil {
			keys, err := pointKeys(h.GetHasId())
			if err != nil {
				return out, err
			}
			out.Only = append([]string{}, keys...)
			continue
		}
		fc := cond.GetField()
		if fc == nil || fc.GetKey() != DayField || fc.GetRange() == nil || fc.Match != nil || fc.DatetimeRange != nil {
			return out, unimplemented("must condition %v", cond)
		}
		dated = true
		r := fc.GetRange()
		if r.Gte != nil {
			lo = max(lo, int64(math.Ceil(r.GetGte())))
		}
		if r.Gt != nil {
			lo = max(lo, int64(math.Floor(r.GetGt()))+1)
		}
		if r.Lte != nil {
			hi = min(hi, int64(math.Floor(r.GetLte())))
		}
		if r.Lt != nil {
			hi = min(hi, int64(math.Ceil(r.GetLt()))-1)
		}
	}
	if dated {
		out.After, out.Before = dayDate(lo), dayDate(hi)
	}
	for _, cond := range f.GetMustNot() {
		h := cond.GetHasId()
		if h == nil {
			return out, unimplemented("must_not condition %v", cond)
		}
		keys, err := pointKeys(h.GetHasId())
		if err != nil {
			return out, err
		}
		out.Exclude = append(out.Exclude, keys...)
	}
	return out, nil
}

func pointKeys(ids []*qdrant.PointId) ([]string, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		var err error
		if out[i], err = pointKey(id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var (
	unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)
	openSeq    atomic.Int64
)

// Open opens the Qdrant index at url on a collection of its own, named
// after the test and deleted when it ends; configure may set more of its
// config. url is a Server's URL, or a real Qdrant's for the live suites.
func Open(t testing.TB, url, apiKey string, configure ...func(*index.QdrantConfig)) *index.Qdrant {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("paperhound_test_%s_%d_%d", unsafeName.ReplaceAllString(t.Name(), "_"), time.Now().UnixNano(), openSeq.Add(1))
	cfg := index.QdrantConfig{URL: url, APIKey: apiKey, Collection: name}
	for _, f := range configure {
		f(&cfg)
	}
	q, err := index.NewQdrant(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := q.DeleteCollection(ctx); err != nil {
			t.Errorf("delete collection %s: %v", name, err)
		}
		q.Close()
	})
	return q
}
