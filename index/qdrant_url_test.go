package index

import "testing"

func TestQdrantURL(t *testing.T) {
	tests := []struct {
		url     string
		host    string
		port    int
		tls, ok bool
	}{
		{"http://localhost:6334", "localhost", 6334, false, true},
		{"http://localhost", "localhost", 6334, false, true},
		{"https://xyz.cloud.qdrant.io:6334/", "xyz.cloud.qdrant.io", 6334, true, true},
		{"https://xyz.cloud.qdrant.io", "xyz.cloud.qdrant.io", 6334, true, true},
		{"qdrant:7000", "qdrant", 7000, false, true},
		{"http://[::1]:6334", "::1", 6334, false, true},
		{"", "", 0, false, false},
		{"grpc://localhost:6334", "", 0, false, false},
		{"http://localhost:6334/collections", "", 0, false, false},
		{"http://localhost:0", "", 0, false, false},
		{"http://localhost:99999", "", 0, false, false},
		{"http://user:pw@localhost:6334", "", 0, false, false},
		{"http://:6334", "", 0, false, false},
	}
	for _, tt := range tests {
		host, port, tls, err := parseQdrantURL(tt.url)
		if (err == nil) != tt.ok || host != tt.host || port != tt.port || tls != tt.tls {
			t.Errorf("parseQdrantURL(%q) = %q, %d, %v, %v; want %q, %d, %v, ok=%v", tt.url, host, port, tls, err, tt.host, tt.port, tt.tls, tt.ok)
		}
	}
}
