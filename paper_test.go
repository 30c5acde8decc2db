package paperhound_test

import (
	"database/sql/driver"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
)

func TestDateJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string // JSON
		want    string // Date.String
		out     string // JSON written back
		wantErr bool
	}{
		{in: `"2024-07-25"`, want: "2024-07-25", out: `"2024-07-25"`},
		{in: `" 2024-07-25 "`, want: "2024-07-25", out: `"2024-07-25"`},
		{in: `"2024-07-25T23:30:00-05:00"`, want: "2024-07-25", out: `"2024-07-25"`}, // the day where it was written
		{in: `"2024-07-25T01:00:00Z"`, want: "2024-07-25", out: `"2024-07-25"`},
		{in: `null`, want: "", out: `null`},
		{in: `""`, want: "", out: `null`},
		{in: `"25/07/2024"`, wantErr: true},
		{in: `"2024-02-30"`, wantErr: true},
		{in: `20240725`, wantErr: true},
	}
	for _, tt := range tests {
		var d paperhound.Date
		err := json.Unmarshal([]byte(tt.in), &d)
		if (err != nil) != tt.wantErr {
			t.Errorf("Unmarshal(%s) err = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if d.String() != tt.want {
			t.Errorf("Unmarshal(%s) = %q, want %q", tt.in, d, tt.want)
		}
		b, err := json.Marshal(d)
		if err != nil || string(b) != tt.out {
			t.Errorf("Marshal(%s) = %s, %v; want %s", tt.in, b, err, tt.out)
		}
	}
}

func TestPaperJSON(t *testing.T) {
	t.Parallel()
	p := paperhound.Paper{ID: "x", Title: "T", Published: date("2024-07-25"), Authors: paperhound.Strings{"A"}}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"x","title":"T","authors":["A"],"published":"2024-07-25"}`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var back paperhound.Paper
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, p) {
		t.Errorf("Unmarshal = %+v, %v; want %+v", back, err, p)
	}
	b, _ = json.Marshal(paperhound.Paper{ID: "x", Title: "T"})
	if want := `{"id":"x","title":"T"}`; string(b) != want {
		t.Errorf("unknown date: Marshal = %s, want %s", b, want)
	}
}

func TestDateText(t *testing.T) {
	t.Parallel()
	b, err := date("2024-07-25").MarshalText()
	if err != nil || string(b) != "2024-07-25" {
		t.Errorf("MarshalText = %q, %v", b, err)
	}
	var d paperhound.Date
	if err := d.UnmarshalText([]byte("2024-07-25")); err != nil || d != date("2024-07-25") {
		t.Errorf("UnmarshalText = %v, %v", d, err)
	}
}

func TestDateSQL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  any
		want string
	}{
		{nil, ""},
		{"2024-07-25", "2024-07-25"},
		{[]byte("2024-07-25"), "2024-07-25"},
		{"2024-07-25 00:00:00+00:00", "2024-07-25"},
		{time.Date(2024, 7, 25, 0, 0, 0, 0, time.UTC), "2024-07-25"},
		// PostgreSQL DATEs arrive at midnight in some zone: keep that day.
		{time.Date(2024, 7, 25, 0, 0, 0, 0, time.FixedZone("", -8*3600)), "2024-07-25"},
	}
	for _, tt := range tests {
		var d paperhound.Date
		if err := d.Scan(tt.src); err != nil {
			t.Errorf("Scan(%#v): %v", tt.src, err)
			continue
		}
		if d.String() != tt.want {
			t.Errorf("Scan(%#v) = %q, want %q", tt.src, d, tt.want)
		}
		v, err := d.Value()
		var want driver.Value = tt.want
		if tt.want == "" {
			want = nil
		}
		if err != nil || v != want {
			t.Errorf("Value after Scan(%#v) = %#v, %v; want %#v", tt.src, v, err, want)
		}
	}
	var d paperhound.Date
	for _, bad := range []any{42, "not a date"} {
		if err := d.Scan(bad); err == nil {
			t.Errorf("Scan(%#v) succeeded", bad)
		}
	}
}

func TestStringsSQL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   paperhound.Strings
		json string
	}{
		{nil, `[]`},
		{paperhound.Strings{}, `[]`},
		{paperhound.Strings{"a"}, `["a"]`},
		{paperhound.Strings{"a, b", `q"uote`, "ü"}, `["a, b","q\"uote","ü"]`},
	}
	for _, tt := range tests {
		v, err := tt.in.Value()
		if err != nil || v != tt.json {
			t.Errorf("Value(%q) = %v, %v; want %s", tt.in, v, err, tt.json)
		}
		var back paperhound.Strings
		if err := back.Scan([]byte(tt.json)); err != nil {
			t.Fatal(err)
		}
		want := tt.in
		if len(want) == 0 {
			want = nil
		}
		if !reflect.DeepEqual(back, want) {
			t.Errorf("Scan(%s) = %#v, want %#v", tt.json, back, want)
		}
	}
	var s paperhound.Strings
	if err := s.Scan("{not json"); err == nil {
		t.Error("Scan of bad JSON succeeded")
	}
}

func TestHashes(t *testing.T) {
	t.Parallel()
	p := paperhound.Paper{ID: "x", Title: "T", Abstract: "A", Upvotes: 1}
	tests := []struct {
		name       string
		change     func(*paperhound.Paper)
		sameText   bool
		sameRecord bool
	}{
		{"nothing", func(*paperhound.Paper) {}, true, true},
		{"timestamps", func(p *paperhound.Paper) { p.UpdatedAt = time.Now() }, true, true},
		{"upvotes", func(p *paperhound.Paper) { p.Upvotes++ }, true, false},
		{"categories", func(p *paperhound.Paper) { p.Categories = paperhound.Strings{"cs.IR"} }, true, false},
		{"published", func(p *paperhound.Paper) { p.Published = date("2020-01-01") }, true, false},
		{"abstract", func(p *paperhound.Paper) { p.Abstract = "B" }, false, false},
		{"id", func(p *paperhound.Paper) { p.ID = "y" }, true, false},
		{"doi", func(p *paperhound.Paper) { p.DOI = "10.1/x" }, true, false},
	}
	for _, tt := range tests {
		q := p
		tt.change(&q)
		if (q.TextHash() == p.TextHash()) != tt.sameText {
			t.Errorf("%s: same text hash = %v, want %v", tt.name, !tt.sameText, tt.sameText)
		}
		if (q.RecordHash() == p.RecordHash()) != tt.sameRecord {
			t.Errorf("%s: same record hash = %v, want %v", tt.name, !tt.sameRecord, tt.sameRecord)
		}
	}
}

func TestRecordHashWithoutDOIIsUnchanged(t *testing.T) {
	// Pinned from before papers had a DOI: adding the field must not make
	// every stored paper look changed.
	p := paperhound.Paper{ID: "x", Title: "T", Abstract: "A", Upvotes: 1}
	if got, want := p.RecordHash(), "596ba04d523962ed9df0ae5466ccd8af"; got != want {
		t.Errorf("RecordHash = %s, want %s", got, want)
	}
}

func TestCleanDOI(t *testing.T) {
	for in, want := range map[string]string{
		"10.1145/3292500.3330701":                  "10.1145/3292500.3330701",
		"  https://doi.org/10.1145/ABC.def ":       "10.1145/abc.def",
		"http://dx.doi.org/10.1000/x":              "10.1000/x",
		"doi:10.1000/x":                            "10.1000/x",
		"10.1103/PhysRevD.76.013009 10.1000/other": "10.1103/physrevd.76.013009",
		"":                                 "",
		"not a doi":                        "",
		"10.1000":                          "",
		"https://arxiv.org/abs/2401.00001": "",
	} {
		if got := paperhound.CleanDOI(in); got != want {
			t.Errorf("CleanDOI(%q) = %q, want %q", in, got, want)
		}
	}
}

func date(s string) paperhound.Date {
	d, err := paperhound.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestPaperLink(t *testing.T) {
	for url, want := range map[string]string{
		"https://arxiv.org/abs/2407.18121": "https://arxiv.org/abs/2407.18121",
		"http://example.org/p":             "http://example.org/p",
		"":                                 "",
		"javascript:alert(1)":              "",
		"data:text/html,<b>x</b>":          "",
		"https:///no-host":                 "",
		"ftp://example.org/p":              "",
	} {
		if got := (paperhound.Paper{URL: url}).Link(); got != want {
			t.Errorf("Link of %q = %q, want %q", url, got, want)
		}
	}
}
