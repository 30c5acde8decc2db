package index_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/qdrant/go-client/qdrant"

	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/index/qdranttest"
)

// qdClient is a raw go-client on the fake, to look at what the backend
// wrote.
func qdClient(t *testing.T, srv *qdranttest.Server) *qdrant.Client {
	t.Helper()
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	c, err := qdrant.NewClient(&qdrant.Config{Host: host, Port: p, SkipCompatibilityCheck: true, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestQdrantNames(t *testing.T) {
	for space, want := range map[string]string{
		embed.WordsSpace:                "lexical-words_2fv1",
		embed.CharsSpace:                "lexical-chars_2fv1",
		"openai/text-embedding-3-small": "openai_2ftext-embedding-3-small",
		"nomic-embed-text:v1.5":         "nomic-embed-text_3av1_2e5",
		"a_2fb":                         "a_5f2fb", // not "a/b"'s name
		"Model-X":                       "Model-X",
	} {
		if got := index.QdrantVectorName(space); got != want {
			t.Errorf("QdrantVectorName(%q) = %q, want %q", space, got, want)
		}
	}
	ns := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/paperhound/paperhound/papers"))
	id := index.QdrantPointID("2407.18121")
	if want := uuid.NewSHA1(ns, []byte("2407.18121")).String(); id != want {
		t.Errorf("QdrantPointID = %s, want the UUIDv5 %s", id, want)
	}
	if u := uuid.MustParse(id); u.Version() != 5 {
		t.Errorf("point id %s is version %d, want 5", id, u.Version())
	}
}

func TestQdrantConnect(t *testing.T) {
	ctx := context.Background()
	t.Run("unreachable", func(t *testing.T) {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := lis.Addr().String()
		lis.Close()
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err = index.NewQdrant(ctx, index.QdrantConfig{URL: "http://" + addr})
		if err == nil || !strings.Contains(err.Error(), "cannot reach Qdrant at "+addr) {
			t.Fatalf("err = %v, want it to name %s", err, addr)
		}
	})
	t.Run("bad URL", func(t *testing.T) {
		for _, u := range []string{"", "ftp://localhost:6334", "http://localhost:6334/collections", "http://localhost:port"} {
			if _, err := index.NewQdrant(ctx, index.QdrantConfig{URL: u}); err == nil {
				t.Errorf("URL %q: no error", u)
			}
		}
	})
	t.Run("api key", func(t *testing.T) {
		srv := qdranttest.StartWith(t, qdranttest.Options{APIKey: "s3cret"})
		if _, err := index.NewQdrant(ctx, index.QdrantConfig{URL: srv.URL, APIKey: "wrong"}); err == nil || !strings.Contains(err.Error(), "cannot reach Qdrant") {
			t.Errorf("wrong key: err = %v", err)
		}
		q := qdranttest.Open(t, srv.URL, "s3cret")
		if err := q.Upsert(ctx, confBase()); err != nil {
			t.Fatal(err)
		}
		if hits, err := q.Search(ctx, *confDenseQ(1, confNoFilter, 1, 0)); err != nil || len(hits) != 1 {
			t.Errorf("search = %v, %v", hits, err)
		}
	})
}

func TestQdrantCollection(t *testing.T) {
	ctx := context.Background()
	srv := qdranttest.Start(t)
	raw := qdClient(t, srv)
	spaces := func(c *index.QdrantConfig) {
		c.Sparse = []string{embed.WordsSpace, embed.CharsSpace}
		c.Dense = map[string]int{confDense: 2}
	}
	q := qdranttest.Open(t, srv.URL, "", spaces)
	name := srv.Collections()
	if len(name) != 0 {
		t.Fatalf("collections before the first upsert: %v", name)
	}
	// The first batch has words only; the configured spaces all get made.
	doc := index.Doc{
		ID: "2407.18121", Published: confDay("2024-07-25"), Categories: []string{"cs.CV", "cs.CL"},
		Vectors: map[string]embed.Vector{embed.WordsSpace: confVec(map[uint32]float32{1: 1})},
	}
	if err := q.Upsert(ctx, []index.Doc{doc}); err != nil {
		t.Fatal(err)
	}
	name = srv.Collections()
	if len(name) != 1 {
		t.Fatalf("collections: %v", name)
	}
	info, err := raw.GetCollectionInfo(ctx, name[0])
	if err != nil {
		t.Fatal(err)
	}
	params := info.GetConfig().GetParams()
	dense := params.GetVectorsConfig().GetParamsMap().GetMap()
	if v := dense["test-endpoint_2fmodel"]; len(dense) != 1 || v.GetSize() != 2 || v.GetDistance() != qdrant.Distance_Cosine {
		t.Errorf("dense vectors: %v", dense)
	}
	sparse := params.GetSparseVectorsConfig().GetMap()
	for _, n := range []string{"lexical-words_2fv1", "lexical-chars_2fv1"} {
		if sparse[n].GetModifier() != qdrant.Modifier_Idf {
			t.Errorf("sparse vector %s: %v", n, sparse[n])
		}
	}
	for field, typ := range map[string]qdrant.PayloadSchemaType{
		"paper_id": qdrant.PayloadSchemaType_Keyword, "categories": qdrant.PayloadSchemaType_Keyword, "published": qdrant.PayloadSchemaType_Integer,
	} {
		if got := info.GetPayloadSchema()[field].GetDataType(); got != typ {
			t.Errorf("payload index on %s: %v, want %v", field, got, typ)
		}
	}
	// The point: UUIDv5 id, and its payload.
	points, err := raw.Query(ctx, &qdrant.QueryPoints{
		CollectionName: name[0], Using: qdrant.PtrOf("lexical-words_2fv1"),
		Query: qdrant.NewQuerySparse([]uint32{1}, []float32{1}), WithPayload: qdrant.NewWithPayload(true),
	})
	if err != nil || len(points) != 1 {
		t.Fatalf("query = %v, %v", points, err)
	}
	p := points[0]
	if p.GetId().GetUuid() != index.QdrantPointID(doc.ID) {
		t.Errorf("point id %v", p.GetId())
	}
	pl := p.GetPayload()
	wantDay := doc.Published.Unix() / 86400
	cats := pl["categories"].GetListValue().GetValues()
	if pl["paper_id"].GetStringValue() != doc.ID || pl["published"].GetIntegerValue() != wantDay ||
		len(cats) != 2 || cats[0].GetStringValue() != "cs.CV" {
		t.Errorf("payload %v", pl)
	}

	t.Run("reopened with other dimensions", func(t *testing.T) {
		_, err := index.NewQdrant(ctx, index.QdrantConfig{URL: srv.URL, Collection: name[0], Dense: map[string]int{confDense: 8}})
		if err == nil || !strings.Contains(err.Error(), "2-dimensional") || !strings.Contains(err.Error(), "8 are configured") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("reopened with another space", func(t *testing.T) {
		_, err := index.NewQdrant(ctx, index.QdrantConfig{URL: srv.URL, Collection: name[0], Sparse: []string{"other/v1"}})
		if err == nil || !strings.Contains(err.Error(), `no sparse vector "other_2fv1"`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("reopened as configured", func(t *testing.T) {
		again, err := index.NewQdrant(ctx, index.QdrantConfig{URL: srv.URL, Collection: name[0], Dense: map[string]int{confDense: 2}})
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close()
		hits, err := again.Search(ctx, index.Query{Space: embed.WordsSpace, Vector: confVec(map[uint32]float32{1: 1}), Limit: 5})
		if err != nil || len(hits) != 1 || hits[0].ID != doc.ID {
			t.Errorf("search = %v, %v", hits, err)
		}
	})
	t.Run("a space the collection lacks", func(t *testing.T) {
		err := q.Upsert(ctx, []index.Doc{{ID: "x", Vectors: map[string]embed.Vector{"new/v1": confVec(map[uint32]float32{1: 1})}}})
		if err == nil || !strings.Contains(err.Error(), `no vector for space "new/v1"`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a dense space of unknown size", func(t *testing.T) {
		q := qdranttest.Open(t, srv.URL, "", func(c *index.QdrantConfig) { c.Dense = map[string]int{"later/v1": 0} })
		err := q.Upsert(ctx, []index.Doc{doc})
		if err == nil || !strings.Contains(err.Error(), "no known dimension") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestQdrantBatches(t *testing.T) {
	ctx := context.Background()
	srv := qdranttest.Start(t)
	q := qdranttest.Open(t, srv.URL, "")
	var docs []index.Doc
	var ids []string
	for i := range 600 {
		id := fmt.Sprintf("p%03d", i)
		docs = append(docs, confDoc(id, "", map[uint32]float32{uint32(i % 7): 1}))
		ids = append(ids, id)
	}
	if err := q.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	col := srv.Collections()[0]
	if st := srv.Stats(); st.Upserts != 3 || st.MaxBatch != 256 || st.Unwaited != 0 || srv.Points(col) != 600 {
		t.Errorf("stats %+v, %d points; want 3 waited upserts of at most 256, 600 points", st, srv.Points(col))
	}
	if err := q.Delete(ctx, ids[:300]); err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.Unwaited != 0 || srv.Points(col) != 300 {
		t.Errorf("stats %+v, %d points after deleting 300", st, srv.Points(col))
	}
}

// The fake is only worth its name if it punishes a missing Wait as Qdrant
// does: an acknowledged write is not yet visible.
func TestQdrantFakeAppliesUnwaitedWritesLater(t *testing.T) {
	ctx := context.Background()
	srv := qdranttest.Start(t)
	raw := qdClient(t, srv)
	err := raw.CreateCollection(ctx, &qdrant.CreateCollection{
		CollectionName: "async",
		VectorsConfig:  qdrant.NewVectorsConfigMap(map[string]*qdrant.VectorParams{"v": {Size: 2, Distance: qdrant.Distance_Cosine}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := raw.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: "async", Points: []*qdrant.PointStruct{{
		Id: qdrant.NewIDNum(1), Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{"v": qdrant.NewVectorDense([]float32{1, 0})}),
	}}})
	if err != nil || res.GetStatus() != qdrant.UpdateStatus_Acknowledged {
		t.Fatalf("upsert = %v, %v", res, err)
	}
	if n := srv.Points("async"); n != 0 {
		t.Errorf("%d points visible at once, want 0", n)
	}
	for deadline := time.Now().Add(5 * time.Second); srv.Points("async") != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the unwaited upsert never showed")
		}
	}
	if st := srv.Stats(); st.Unwaited != 1 {
		t.Errorf("stats %+v", st)
	}
}

// BenchmarkQdrantSearch compares one query's latency in the embedded index
// and through the Qdrant backend over gRPC to the in-process fake (which
// searches a Memory too, so the difference is the backend, the client and
// the round trip), on the sample corpus.
func BenchmarkQdrantSearch(b *testing.B) {
	ctx := context.Background()
	docs := confCorpus(b)
	srv := qdranttest.Start(b)
	q := qdranttest.Open(b, srv.URL, "")
	mem := index.NewMemory()
	for _, ix := range []backend{mem, q} {
		if err := ix.Upsert(ctx, docs); err != nil {
			b.Fatal(err)
		}
	}
	for _, ix := range []struct {
		name string
		idx  backend
	}{{"memory", mem}, {"qdrant", q}} {
		for _, space := range []string{embed.WordsSpace, embed.CharsSpace, confDense} {
			b.Run(ix.name+"/"+space, func(b *testing.B) {
				i := 0
				for b.Loop() {
					d := docs[i%len(docs)]
					i++
					if _, err := ix.idx.Search(ctx, index.Query{Space: space, Vector: d.Vectors[space], Limit: 10}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
