package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/paperhound/paperhound"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	records := `{"id": "a1", "title": "T"}` + "\n" + `{"id": "a2", "title": "U"}` + "\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(records))
	zw.Close()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name    string
		path    string
		want    int    // papers read
		wantErr string // from Open
	}{
		{"plain", write("papers.jsonl", []byte(records)), 2, ""},
		{"gzip, whatever the name", write("gzipped.jsonl", gz.Bytes()), 2, ""},
		{"gzip with its name", write("papers.jsonl.gz", gz.Bytes()), 2, ""},
		{"empty", write("empty.jsonl", nil), 0, ""},
		{"one byte", write("one.jsonl", []byte("\n")), 0, ""},
		{"missing", filepath.Join(dir, "nope.jsonl"), 0, "open " + filepath.Join(dir, "nope.jsonl") + ": no such file or directory"},
		{"directory", dir, 0, "open " + dir + ": is a directory"},
		{"gzip magic, then junk", write("junk.gz", []byte("\x1f\x8bjunk and more junk")), 0, "open " + filepath.Join(dir, "junk.gz") + ": starts like gzip but is not: gzip: invalid header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(tt.path)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Open: got error %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			err = ReadPapers(context.Background(), r, tt.path, func(int, paperhound.Paper) error { n++; return nil },
				func(p Problem) error { t.Error(p); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if n != tt.want {
				t.Errorf("read %d papers, want %d", n, tt.want)
			}
		})
	}
}

// A gzip stream cut short keeps what was read, and is one problem naming
// the file and the last line read whole.
func TestReadTruncatedGzip(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	for i := range 2000 {
		fmt.Fprintf(zw, `{"id": "a%d", "title": "some title that repeats"}`+"\n", i)
	}
	zw.Close()
	path := filepath.Join(t.TempDir(), "cut.jsonl.gz")
	os.WriteFile(path, gz.Bytes()[:gz.Len()/2], 0o644)
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	last := 0
	var problems []string
	err = ReadPapers(context.Background(), r, "cut.jsonl.gz", func(line int, _ paperhound.Paper) error { last = line; return nil },
		func(p Problem) error { problems = append(problems, p.Error()); return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("cut.jsonl.gz: cannot be read past line %d: unexpected EOF (the file is cut short)", last)
	if last < 100 || len(problems) != 1 || problems[0] != want {
		t.Errorf("read %d papers, problems %q; want many papers and %q", last, problems, want)
	}
}
