package bench_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/paperhound/paperhound/bench"
	"github.com/paperhound/paperhound/evaluate"
	"golang.org/x/sys/unix"
)

func TestSentences(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"We study caches of keys. They grow with the context! Do they? Yes, we show they do.",
			[]string{"We study caches of keys.", "They grow with the context!", "Yes, we show they do."}},
		{"As in Fig. 3 and e.g. the baseline, results hold. Short. Another sentence that is long enough",
			[]string{"As in Fig. 3 and e.g. the baseline, results hold.", "Another sentence that is long enough"}},
		{"", nil},
	} {
		if got := bench.Sentences(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Sentences(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A corpus is the same for the same seed whatever the order of the data
// set's map of abstracts, and each paper is a real title and real
// sentences.
func TestCorpus(t *testing.T) {
	d := &evaluate.CiteULike{
		Titles: []string{"Attention is all you need", "Deep residual learning"},
		Abstracts: map[int]string{
			0: "The dominant models are recurrent networks. We propose the Transformer instead.",
			1: "Deeper networks are harder to train. We present a residual learning framework.",
		},
	}
	a, err := bench.NewCorpus(d, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := bench.NewCorpus(d, 7)
	other, _ := bench.NewCorpus(d, 8)
	sentences := bench.Sentences(d.Abstracts[0] + " " + d.Abstracts[1])
	differs := false
	for i := range 50 {
		p := a.Paper(i)
		if !reflect.DeepEqual(p, b.Paper(i)) {
			t.Fatalf("paper %d differs between two corpora of the same seed:\n%+v\n%+v", i, p, b.Paper(i))
		}
		differs = differs || !reflect.DeepEqual(p, other.Paper(i))
		if p.ID != bench.ID(i) || (p.Title != d.Titles[0] && p.Title != d.Titles[1]) || p.Published.IsZero() {
			t.Errorf("paper %d = %+v", i, p)
		}
		n := 0
		for _, s := range sentences {
			n += strings.Count(p.Abstract, s)
		}
		if n != bench.SentencesPerPaper {
			t.Errorf("paper %d's abstract holds %d of the data set's sentences, want %d: %q", i, n, bench.SentencesPerPaper, p.Abstract)
		}
	}
	if !differs {
		t.Error("another seed made the same papers")
	}
	if _, err := bench.NewCorpus(&evaluate.CiteULike{Titles: d.Titles}, 1); err == nil {
		t.Error("NewCorpus without abstracts: no error")
	}
}

func TestProc(t *testing.T) {
	m, err := bench.MemoryOf(os.Getpid())
	if err != nil || m.RSS < 1<<20 || m.Peak < m.RSS {
		t.Fatalf("MemoryOf(self) = %+v, %v", m, err)
	}
	before, err := bench.CPUTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Spin until the kernel's own count (getrusage) says 100 ms of CPU
	// went by, however busy the machine, and ask /proc for the same.
	spun := rusageCPU(t)
	for rusageCPU(t)-spun < 100*time.Millisecond {
	}
	if after, err := bench.CPUTime(os.Getpid()); err != nil || after-before < 80*time.Millisecond {
		t.Errorf("CPUTime after 100 ms of CPU spent spinning: %v more, %v", after-before, err)
	}
	if _, err := bench.MemoryOf(-1); err == nil {
		t.Error("MemoryOf(-1): no error")
	}
	if _, err := bench.DiskRead(-1); err == nil {
		t.Error("DiskRead(-1): no error")
	}
}

// TestDiskRead drops a file from the page cache and reads it back: all of
// it must come from storage, and be counted.
func TestDiskRead(t *testing.T) {
	dir := t.TempDir()
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	if fs.Type == unix.TMPFS_MAGIC {
		t.Skip("the temporary folder is in memory (tmpfs): nothing is read from storage")
	}
	path := filepath.Join(dir, "data")
	data := bytes.Repeat([]byte("paperhound"), 400_000)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	before, err := bench.DiskRead(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if back, err := os.ReadFile(path); err != nil || len(back) != len(data) {
		t.Fatalf("read back %d bytes, %v", len(back), err)
	}
	after, err := bench.DiskRead(os.Getpid())
	if err != nil || after-before < int64(len(data)) {
		t.Errorf("DiskRead after reading %d bytes dropped from the page cache: %d more, %v", len(data), after-before, err)
	}
}

// rusageCPU is the process's user and system time, from getrusage.
func rusageCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestLatencies(t *testing.T) {
	var seen []int
	l, err := bench.Latencies(context.Background(), 5, time.Minute, func(_ context.Context, i int) error {
		seen = append(seen, i)
		return nil
	})
	if err != nil || l.Requests != 5 || l.P50 > l.P99 || !reflect.DeepEqual(seen, []int{0, 1, 2, 3, 4}) {
		t.Errorf("Latencies = %+v, %v; requests %v", l, err, seen)
	}
	// Past the budget it stops, after one request at least.
	for _, budget := range []time.Duration{0, 30 * time.Millisecond} {
		l, err = bench.Latencies(context.Background(), 1000, budget, func(context.Context, int) error {
			time.Sleep(10 * time.Millisecond)
			return nil
		})
		if err != nil || l.Requests < 1 || l.Requests > 10 || l.P50 < 10*time.Millisecond {
			t.Errorf("Latencies within %v of requests taking 10 ms = %+v, %v", budget, l, err)
		}
	}
	boom := errors.New("boom")
	if _, err := bench.Latencies(context.Background(), 5, time.Minute, func(context.Context, int) error { return boom }); err != boom {
		t.Errorf("Latencies with a failing request: %v, want %v", err, boom)
	}
}

func TestThroughput(t *testing.T) {
	var calls atomic.Int64
	rps, err := bench.Throughput(context.Background(), 4, 50*time.Millisecond, func(context.Context, int) error {
		calls.Add(1)
		time.Sleep(time.Millisecond)
		return nil
	})
	if err != nil || rps <= 0 || calls.Load() < 4 {
		t.Errorf("Throughput = %v, %v after %d calls", rps, err, calls.Load())
	}
	boom := errors.New("boom")
	if _, err := bench.Throughput(context.Background(), 4, time.Minute, func(_ context.Context, i int) error {
		if i == 10 {
			return boom
		}
		return nil
	}); err != boom {
		t.Errorf("Throughput with a failing request: %v, want %v", err, boom)
	}
}
