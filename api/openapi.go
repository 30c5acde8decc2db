package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"go.yaml.in/yaml/v3"
)

// openAPIYAML is the OpenAPI 3.1 document of the API, kept as YAML to be
// read and reviewed; GET /openapi.json serves it as JSON.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// openAPIJSON is the document as served, converted once at start-up: a
// document that is not YAML fails every test of this package.
var openAPIJSON = mustJSON(openAPIYAML)

func mustJSON(doc []byte) []byte {
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		panic(fmt.Sprintf("api/openapi.yaml: %v", err))
	}
	out, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("api/openapi.yaml as JSON: %v", err))
	}
	return out
}

func openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIJSON) // the client may be gone; nothing left to tell it
}
