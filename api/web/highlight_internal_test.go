package web

import (
	"reflect"
	"testing"
)

// Query words are marked by stem, whole tokens, a run of them as one mark;
// the rest of the text is kept as it was, spaces included.
func TestHighlight(t *testing.T) {
	words := queryWords("KV caching, the tokenizer")
	for _, c := range []struct {
		text string
		want []segment
	}{
		{"Efficient KV Cache Compression", []segment{{"Efficient ", false}, {"KV Cache", true}, {" Compression", false}}},
		{"  (KV) caches  ", []segment{{"  ", false}, {"(KV) caches", true}, {"  ", false}}},
		{"byte-level tokenizers for the web", []segment{{"byte-level ", false}, {"tokenizers", true}, {" for the web", false}}},
		{"cache-aware decoding", []segment{{"cache-aware", true}, {" decoding", false}}},
		{"nothing here", []segment{{"nothing here", false}}},
		{"", nil},
	} {
		if got := highlight(c.text, words); !reflect.DeepEqual(got, c.want) {
			t.Errorf("highlight(%q) = %v, want %v", c.text, got, c.want)
		}
	}
	if got := highlight("KV cache", nil); !reflect.DeepEqual(got, []segment{{"KV cache", false}}) {
		t.Errorf("no query: %v", got)
	}
}

// A card shows an abstract's start, the rest behind "more"; a search, the
// passage with the most marks, and all of the abstract behind "more".
func TestSnippet(t *testing.T) {
	long := "Intro words come first here. " + // 29 bytes
		"Filler text that says nothing much at all, again and again. Filler text that says nothing much at all, again and again. " +
		"Filler text that says nothing much at all, again and again. Filler text that says nothing much at all, again and again. " +
		"Then the KV cache is evicted, and the KV cache shrinks by half."
	shown, more := snippet(long, nil)
	if len(shown) != 1 || len(shown[0].Text) > snippetChars+2+len(" …") || shown[0].Text[:11] != "Intro words" {
		t.Errorf("no query: shown %v", shown)
	}
	if joined := shown[0].Text[:len(shown[0].Text)-len(" …")] + " " + more[0].Text; joined != long {
		t.Errorf("shown and more do not make the abstract: %q", joined)
	}
	shown, more = snippet(long, queryWords("kv cache"))
	text := ""
	marks := 0
	for _, s := range shown {
		text += s.Text
		if s.Mark {
			marks++
		}
	}
	if marks != 2 || text[:4] != "… " || len(more) == 0 {
		t.Errorf("search: shown %q (%d marks), want the passage with both marks", text, marks)
	}
	if shown, more = snippet("A short abstract.", nil); len(more) != 0 || shown[0].Text != "A short abstract." {
		t.Errorf("short abstract: %v, more %v", shown, more)
	}
}
