package paperhound

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// TitleKey is what makes two titles "the same" when a reading list names a
// paper by its title alone: the title as PlainTeX reads it, accents
// stripped, case folded, and every character that is not a letter or a
// digit dropped, spaces too. So "{BERT}: Pre-training of Deep
// \emph{Bidirectional} Transformers" and "BERT: pre-training of deep
// bidirectional transformers" share a key, and "G\"odel" matches "Gödel"
// and "Godel". The key is a hash of that text, so that its index stays
// small however long a title is; "" when nothing is left (a title of
// punctuation only), which never matches.
func TitleKey(title string) string {
	s := norm.NFKD.String(PlainTeX(title))
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	if b.Len() == 0 {
		return ""
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}

// PlainTeX reads a BibTeX field or a TeX-flavoured title as plain text:
// accents decoded (LaTeXToUnicode), other control words such as \emph
// dropped with their arguments kept, escaped characters (\&, \_) unescaped,
// braces and math dollars dropped, ~ a space, white space collapsed.
func PlainTeX(s string) string {
	s = LaTeXToUnicode(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && isLetter(s[i+1]):
			for i+1 < len(s) && isLetter(s[i+1]) {
				i++
			}
			b.WriteByte(' ') // a control word ends a word: "\LaTeX\ is"
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '{' || c == '}' || c == '$':
		case c == '~':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
