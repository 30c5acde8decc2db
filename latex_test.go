package paperhound

import (
	"testing"
	"unicode/utf8"
)

func TestLatexToUnicode(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Bal\'azs`, "Balázs"},
		{`Bal\'{a}zs`, "Balázs"},
		{`Bal{\'a}zs`, "Balázs"},
		{`G\"odel`, "Gödel"},
		{`G{\"o}del`, "Gödel"},
		{`Erd\H{o}s`, "Erdős"},
		{`{\v S}koda`, "Škoda"},
		{`\v{S}koda`, "Škoda"},
		{`Fran\c{c}ois`, "François"},
		{`Fran\c cois`, "François"},
		{`Mu\~noz`, "Muñoz"},
		{`Garc\'{\i}a`, "García"},
		{`Garc\'\i a`, "García"},
		{`Stra\ss e`, "Straße"},
		{`Stra\ss{}e`, "Straße"},
		{`{\O}stergaard`, "Østergaard"},
		{`\L{}ukasz`, "Łukasz"},
		{`{\AA}ngstr\"om`, "Ångström"},
		{`plain text`, "plain text"},
		{`\alpha and \'x and \`, `\alpha and \'x and \`}, // unknown: left alone
		{`{\'a`, "{á"},
		{`\'{ab}`, `\'{ab}`},
	}
	for _, tt := range tests {
		if got := LaTeXToUnicode(tt.in); got != tt.want {
			t.Errorf("LaTeXToUnicode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for cmd, acc := range accents {
		if acc[0] != "" && utf8.RuneCountInString(acc[0]) != utf8.RuneCountInString(acc[1]) {
			t.Errorf("accent %q maps %d letters to %d", cmd, utf8.RuneCountInString(acc[0]), utf8.RuneCountInString(acc[1]))
		}
	}
}
