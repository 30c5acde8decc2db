package paperhound

import "testing"

func TestTitleKey(t *testing.T) {
	same := [][]string{
		{"Attention Is All You Need", "attention is all you need", "Attention is all you need.", "{Attention} {I}s {A}ll {Y}ou {N}eed", "  Attention\n  is all you need  "},
		{"BERT: Pre-training of Deep Bidirectional Transformers", "{BERT}: Pre-training of Deep \\emph{Bidirectional} Transformers", "BERT -- pre training of deep bidirectional transformers"},
		{"Gödel's theorem", `G\"odel's theorem`, `G{\"o}del's Theorem`, "Godel's theorem", "Go\u0308del's theorem"},
		{"Straße", `Stra\ss e`},
		{"$k$-means++ revisited", "k-means++ revisited", `$\mathcal{K}$-Means revisited`},
		{"Ｆｕｌｌｗｉｄｔｈ", "fullwidth"},
	}
	for _, group := range same {
		want := TitleKey(group[0])
		if want == "" {
			t.Fatalf("TitleKey(%q) is empty", group[0])
		}
		for _, title := range group[1:] {
			if got := TitleKey(title); got != want {
				t.Errorf("TitleKey(%q) != TitleKey(%q)", title, group[0])
			}
		}
	}
	different := [][2]string{
		{"Attention Is All You Need", "Attention Is Not All You Need"},
		{"GPT-2", "GPT-3"},
		{"Learning to rank", "Learning to rank 2"},
		{"深度学习", "深度學習"},
	}
	for _, d := range different {
		if TitleKey(d[0]) == TitleKey(d[1]) {
			t.Errorf("TitleKey(%q) == TitleKey(%q)", d[0], d[1])
		}
	}
	for _, empty := range []string{"", "  ", "?!", "$ $", `\emph{}`} {
		if got := TitleKey(empty); got != "" {
			t.Errorf("TitleKey(%q) = %q, want \"\"", empty, got)
		}
	}
}

func TestPlainTeX(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{BERT}: Pre-training of \\emph{Deep} Transformers", "BERT: Pre-training of Deep Transformers"},
		{`G\"{o}del's   theorem`, "Gödel's theorem"},
		{"$k$-means and \\textbf{more}", "k-means and more"},
		{`10.1000/abc\_def`, "10.1000/abc_def"},
		{`\url{https://arxiv.org/abs/1706.03762}`, "https://arxiv.org/abs/1706.03762"},
		{`Smith~and Jones \& co`, "Smith and Jones & co"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := PlainTeX(tt.in); got != tt.want {
			t.Errorf("PlainTeX(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
