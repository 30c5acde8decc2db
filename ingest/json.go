package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// object is a decoded JSON object whose fields are read one at a time, so each
// can be checked for its type and named in the reason. The first problem
// sticks, as in bufio.Scanner: later reads return zero values and the caller
// looks at problem() once, after reading everything it needs.
type object struct {
	m      map[string]json.RawMessage
	path   string  // prefix for field names in reasons, like "paper."
	reason *string // shared with nested objects
}

// parseObject decodes one JSON object, or says why raw is not one.
func parseObject(raw []byte) (*object, string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] != '{' {
		if json.Valid(raw) {
			return nil, "want a JSON object, got " + kindOf(raw)
		}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, syntaxReason(err)
	}
	if m == nil { // the literal null, caught above; kept for safety
		return nil, "want a JSON object, got null"
	}
	return &object{m: m, reason: new(string)}, ""
}

// syntaxReason says what is wrong with text that is not JSON.
func syntaxReason(err error) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		if syntax.Error() == "unexpected end of JSON input" {
			return "invalid JSON: unexpected end of input"
		}
		return fmt.Sprintf("invalid JSON: %s (at byte %d)", syntax.Error(), syntax.Offset)
	}
	return "invalid JSON: " + err.Error()
}

// kindOf names the JSON type of a valid value, for "must be X, got Y".
func kindOf(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "true/false"
	case 'n':
		return "null"
	}
	return "a number"
}

func (o *object) problem() string { return *o.reason }

func (o *object) fail(format string, args ...any) {
	if *o.reason == "" {
		*o.reason = fmt.Sprintf(format, args...)
	}
}

// field is the quoted name of key in reasons, with its path.
func (o *object) field(key string) string { return strconv.Quote(o.path + key) }

// get returns the raw value of key; null counts as absent.
func (o *object) get(key string) (json.RawMessage, bool) {
	raw, ok := o.m[key]
	if !ok || bytes.Equal(raw, []byte("null")) {
		return nil, false
	}
	return raw, true
}

// has reports whether key is present and not null.
func (o *object) has(key string) bool {
	_, ok := o.get(key)
	return ok
}

func (o *object) str(key string) string {
	raw, ok := o.get(key)
	if !ok {
		return ""
	}
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		o.fail("%s must be a string, got %s", o.field(key), kindOf(raw))
		return ""
	}
	return s
}

// strs reads a list of strings; nulls in it are skipped.
func (o *object) strs(key string) []string {
	items := o.list(key, "a list of strings")
	var out []string
	for i, raw := range items {
		var s string
		if bytes.Equal(raw, []byte("null")) {
			continue
		}
		if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			o.fail("%s must be a list of strings, got %s at [%d]", o.field(key), kindOf(raw), i)
			return nil
		}
		out = append(out, s)
	}
	return out
}

// list reads a JSON list; want describes it for the reason when it isn't one.
func (o *object) list(key, want string) []json.RawMessage {
	raw, ok := o.get(key)
	if !ok {
		return nil
	}
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		o.fail("%s must be %s, got %s", o.field(key), want, kindOf(raw))
		return nil
	}
	return items
}

// obj reads a nested object; its problems are this object's problems.
func (o *object) obj(key string) *object {
	raw, ok := o.get(key)
	if !ok {
		return nil
	}
	var m map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		o.fail("%s must be an object, got %s", o.field(key), kindOf(raw))
		return nil
	}
	return &object{m: m, path: o.path + key + ".", reason: o.reason}
}

// integer reads a whole number (5 and 5.0 alike); ok is false when absent.
func (o *object) integer(key string) (n int, ok bool) {
	raw, ok := o.get(key)
	if !ok {
		return 0, false
	}
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		o.fail("%s must be a number, got %s", o.field(key), kindOf(raw))
		return 0, false
	}
	if i, err := strconv.ParseInt(string(raw), 10, 32); err == nil {
		return int(i), true
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		o.fail("%s must be a whole number, got %s", o.field(key), raw)
		return 0, false
	}
	return int(f), true
}
