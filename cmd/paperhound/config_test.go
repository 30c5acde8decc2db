package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
)

// serve caps its PostgreSQL connections at --db-max-conns (or
// PAPERHOUND_DB_MAX_CONNS), 16 unless told; less than 1 is refused.
func TestDBMaxConns(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		args    []string
		want    int
		mention string // in the error, when the settings are refused
	}{
		{"default", "", nil, 16, ""},
		{"flag", "", []string{"--db-max-conns", "40"}, 40, ""},
		{"env", "8", nil, 8, ""},
		{"flag over env", "8", []string{"--db-max-conns", "4"}, 4, ""},
		{"zero", "", []string{"--db-max-conns", "0"}, 0, "usage"},
		{"bad env", "lots", nil, 0, "PAPERHOUND_DB_MAX_CONNS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PAPERHOUND_DB_MAX_CONNS", tt.env)
			cfg, _, err := serveConfig(tt.args, io.Discard)
			switch {
			case tt.mention != "":
				if err == nil || !strings.Contains(err.Error(), tt.mention) {
					t.Errorf("serveConfig %q: %v, want an error mentioning %q", tt.args, err, tt.mention)
				}
			case err != nil:
				t.Errorf("serveConfig %q: %v", tt.args, err)
			case cfg.DBMaxConns != tt.want:
				t.Errorf("serveConfig %q: DBMaxConns %d, want %d", tt.args, cfg.DBMaxConns, tt.want)
			}
		})
	}
}

// The sync settings: defaults, environment, flags over environment.
func TestSyncSettings(t *testing.T) {
	t.Setenv("PAPERHOUND_ARXIV_URL", "http://mirror.example/oai2")
	t.Setenv("PAPERHOUND_HF_URL", "")
	t.Setenv("PAPERHOUND_SYNC_EVERY", "")
	cfg, _, err := serveConfig(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	h := cfg.Sync
	if got := fmt.Sprintln(h.Sources, h.ArxivURL, h.HFURL, h.Set, h.Categories, h.Since, h.Pause, cfg.SyncEvery); got !=
		"[arxiv hf] http://mirror.example/oai2 https://huggingface.co cs []  3s 0s\n" {
		t.Errorf("defaults: %s", got)
	}
	cfg, _, err = serveConfig([]string{"--arxiv-url", "http://other/oai2", "--sources", "hf", "--set", "math",
		"--categories", "math.AG, math.NT,", "--since", "2024-07-01", "--pause", "0", "--sync-every", "6h"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	h = cfg.Sync
	if got := fmt.Sprintln(h.Sources, h.ArxivURL, h.Set, h.Categories, h.Since, h.Pause, cfg.SyncEvery); got !=
		"[hf] http://other/oai2 math [math.AG math.NT] 2024-07-01 0s 6h0m0s\n" {
		t.Errorf("flags: %s", got)
	}
}

// Logs are text records unless --log-format (or PAPERHOUND_LOG_FORMAT)
// says json: then each record is one JSON object a line.
func TestLogFormat(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		args    []string
		json    bool
		mention string // in the error, when the settings are refused
	}{
		{"default", "", nil, false, ""},
		{"flag", "", []string{"--log-format", "json"}, true, ""},
		{"env", "json", nil, true, ""},
		{"flag over env", "json", []string{"--log-format=text"}, false, ""},
		{"bad flag", "", []string{"--log-format", "xml"}, false, "usage"},
		{"bad env", "JSON", nil, false, "PAPERHOUND_LOG_FORMAT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PAPERHOUND_LOG_FORMAT", tt.env)
			var stderr strings.Builder
			_, log, err := serveConfig(append(tt.args, "--log-level", "warn"), &stderr)
			if tt.mention != "" {
				if err == nil || !strings.Contains(err.Error(), tt.mention) {
					t.Errorf("serveConfig %q: %v, want an error mentioning %q", tt.args, err, tt.mention)
				}
				return
			}
			if err != nil {
				t.Fatalf("serveConfig %q: %v", tt.args, err)
			}
			log.Info("below the level")
			log.Warn("index loaded", "papers", 38)
			out := stderr.String()
			var rec map[string]any
			jsonErr := json.Unmarshal([]byte(out), &rec)
			switch {
			case strings.Count(out, "\n") != 1:
				t.Errorf("want one record at warn and above, got %q", out)
			case tt.json && (jsonErr != nil || rec["msg"] != "index loaded" || rec["papers"] != 38.0 || rec["level"] != "WARN"):
				t.Errorf("want a JSON record, got %q (%v)", out, jsonErr)
			case !tt.json && !strings.Contains(out, `level=WARN msg="index loaded" papers=38`):
				t.Errorf("want a text record, got %q", out)
			}
		})
	}
}
