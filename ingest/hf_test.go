package ingest

import (
	"strings"
	"testing"
)

// hfItemJSON is one item of https://huggingface.co/api/daily_papers, pretty
// printed as the API's documentation shows it (trimmed of fields we ignore).
const hfItemJSON = `{
    "paper": {
      "id": "2407.18121",
      "authors": [
        {"_id": "66a3", "name": "Zuyan Liu", "hidden": false},
        {"_id": "66a4", "name": "Benlin Liu", "hidden": false, "user": {"_id": "u1", "fullname": "Benlin"}}
      ],
      "publishedAt": "2024-07-25T15:51:27.000Z",
      "submittedOnDailyAt": "2024-07-26T01:13:07.453Z",
      "title": "Efficient Inference of Vision Instruction-Following Models with Elastic Cache",
      "summary": "In the field of instruction-following large vision-language models\n(LVLMs), the efficient deployment ...",
      "upvotes": 5,
      "discussionId": "66a3e1",
      "ai_keywords": ["KV cache"]
    },
    "publishedAt": "2024-07-26T01:13:07.453Z",
    "title": "Efficient Inference of Vision Instruction-Following Models with Elastic Cache",
    "summary": "In the field of instruction-following ...",
    "thumbnail": "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2407.18121.png",
    "numComments": 3,
    "submittedBy": {"_id": "u2", "fullname": "Yuhao Dong", "name": "THUdyh", "type": "user"},
    "isAuthorParticipating": false
  }`

const hfWant = "2407.18121 | Efficient Inference of Vision Instruction-Following Models with Elastic Cache | " +
	"In the field of instruction-following large vision-language models (LVLMs), the efficient deployment ... | " +
	"Zuyan Liu; Benlin Liu | 2024-07-25 | https://huggingface.co/papers/2407.18121 |  | 5"

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestReadPapersHuggingFace(t *testing.T) {
	second := `{"paper": {"id": "2510.21909", "title": "", "authors": ["Catherine Arnett"], "upvotes": 0},
     "title": "Explaining and Mitigating Crosslingual Tokenizer Inequities",
     "summary": "The number of tokens ...", "publishedAt": "2025-10-24T00:00:00Z"}`
	tests := []readCase{{
		name:   "the API's array, across many lines",
		input:  "[\n  " + hfItemJSON + ",\n  " + second + "\n]\n",
		papers: []string{"2: " + hfWant, "25: 2510.21909 | Explaining and Mitigating Crosslingual Tokenizer Inequities | The number of tokens ... | Catherine Arnett | 2025-10-24 | https://huggingface.co/papers/2510.21909 |  | 0"},
	}, {
		name:   "the same items one a line",
		input:  oneLine(hfItemJSON) + "\n" + oneLine(second) + "\n",
		papers: []string{"1: " + hfWant, "2: 2510.21909 | Explaining and Mitigating Crosslingual Tokenizer Inequities | The number of tokens ... | Catherine Arnett | 2025-10-24 | https://huggingface.co/papers/2510.21909 |  | 0"},
	}, {
		name:   "a bare paper object",
		input:  `{"id": "2407.18121", "title": "T", "summary": "S", "publishedAt": "2024-07-25T15:51:27.000Z", "authors": [{"name": "A"}, {"name": null}, {"_id": "x"}]}`,
		papers: []string{"1: 2407.18121 | T | S | A | 2024-07-25 | https://huggingface.co/papers/2407.18121 |  | 0"},
	}, {
		name: "bad elements are reported where they start, and reading goes on",
		input: "[\n" +
			`  {"paper": {"id": "a1", "summary": "no title"}},` + "\n" +
			"  {\n    \"paper\": \"2407.18121\"\n  }\n  ,\n" +
			"  42,\n" +
			`  {"paper": {"id": "a2", "title": "T", "authors": [{"name": 7}]}},` + "\n" +
			`  {"paper": {"id": "a3", "title": "T", "authors": "A. Person"}},` + "\n" +
			`  {"paper": {"id": "a4", "title": "T", "publishedAt": "yesterday"}},` + "\n\n\n" +
			`  {"paper": {"id": "a5", "title": "Fine"}}` + "\n]",
		papers: []string{"13: a5 | Fine |  |  |  | https://huggingface.co/papers/a5 |  | 0"},
		problems: []string{
			`x.jsonl:2: element [0]: missing "title"`,
			`x.jsonl:3: element [1]: "paper" must be an object, got a string`,
			`x.jsonl:7: element [2]: want a JSON object, got a number`,
			`x.jsonl:8: element [3]: "paper.authors[0].name" must be a string, got a number`,
			`x.jsonl:9: element [4]: "paper.authors" must be a list of objects with a "name", got a string`,
			`x.jsonl:10: element [5]: invalid date "yesterday": want YYYY-MM-DD`,
		},
	}, {
		name:   "BOM, CRLF and an empty array",
		input:  "\uFEFF[\r\n]\r\n",
		papers: nil,
	}, {
		name:     "the array is cut short",
		input:    "[\n" + hfItemJSON + ",\n" + `{"paper": {"id": "a2",` + "\n",
		papers:   []string{"2: " + hfWant},
		problems: []string{"x.jsonl:25: element [1]: invalid JSON: unexpected end of input, the array is not closed; stopped reading the file"},
	}, {
		name:     "the closing bracket is missing",
		input:    "[\n" + `{"paper": {"id": "a1", "title": "T"}}` + "\n",
		papers:   []string{"2: a1 | T |  |  |  | https://huggingface.co/papers/a1 |  | 0"},
		problems: []string{"x.jsonl:3: invalid JSON: unexpected end of input, the array is not closed; stopped reading the file"},
	}, {
		name:     "a missing comma",
		input:    "[\n" + `{"paper": {"id": "a1", "title": "T"}}` + "\n" + `{"paper": {"id": "a2", "title": "T"}}` + "\n]",
		papers:   []string{"2: a1 | T |  |  |  | https://huggingface.co/papers/a1 |  | 0"},
		problems: []string{"x.jsonl:3: element [1]: invalid JSON: expected comma after array element; stopped reading the file"},
	}, {
		name:     "broken JSON inside an element",
		input:    "[\n" + `{"paper": {"id": "a1", "title": "T"}},` + "\n" + `{"paper": {"id": "a2" "title": "T"}}` + "\n]",
		papers:   []string{"2: a1 | T |  |  |  | https://huggingface.co/papers/a1 |  | 0"},
		problems: []string{"x.jsonl:3: element [1]: invalid JSON: invalid character '\"' after object key:value pair; stopped reading the file"},
	}, {
		name:   "arrays one after the other, as from cat day1.json day2.json",
		input:  `[{"paper": {"id": "a1", "title": "T"}}]` + "\n" + `[{"paper": {"id": "a2", "title": "T"}}]`,
		papers: []string{"1: a1 | T |  |  |  | https://huggingface.co/papers/a1 |  | 0", "2: a2 | T |  |  |  | https://huggingface.co/papers/a2 |  | 0"},
	}, {
		name:     "something after the array",
		input:    "[\n" + `{"paper": {"id": "a1", "title": "T"}}` + "\n]\n\n" + `{"id": "a2"}`,
		papers:   []string{"2: a1 | T |  |  |  | https://huggingface.co/papers/a1 |  | 0"},
		problems: []string{"x.jsonl:5: unexpected data after the JSON array"},
	}, {
		name:     "an element over the limit is skipped when it was read whole",
		input:    "[\n" + `{"id": "p", "title": "T", "abstract": "` + strings.Repeat(" ", MaxLineBytes) + `"},` + "\n" + `{"paper": {"id": "a1", "title": "T"}}` + "]",
		papers:   []string{"3: a1 | T |  |  |  | https://huggingface.co/papers/a1 |  | 0"},
		problems: []string{"x.jsonl:2: element [0] is 1048617 bytes, over the 1 MiB limit"},
	}, {
		name:     "a runaway element ends the file",
		input:    "[\n" + `{"paper": {"id": "a1", "title": "T"}},` + "\n" + `{"id": "p", "title": "T", "abstract": "` + strings.Repeat("x", 8<<20) + `"}]`,
		papers:   []string{"2: a1 | T |  |  |  | https://huggingface.co/papers/a1 |  | 0"},
		problems: []string{"x.jsonl:3: element [1] is over the 1 MiB limit; stopped reading the file"},
	}, {
		name:     "invalid UTF-8 in an element",
		input:    "[\n{\"id\": \"a1\", \"title\": \"caf\xe9\", \"summary\": \"\"},\n" + `{"paper": {"id": "a2", "title": "T"}}]`,
		papers:   []string{"3: a2 | T |  |  |  | https://huggingface.co/papers/a2 |  | 0"},
		problems: []string{"x.jsonl:2: element [0]: not UTF-8 text (byte 0xe9 at offset 26)"},
	}}
	runReadCases(t, tests)
}
