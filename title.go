package paperhound

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// TitleKey is what makes two titles "the same" when a reading list names a
// paper by its title alone: TeX accents decoded, other TeX commands and
// math dollars dropped, accents stripped, case folded, and every character
// that is not a letter or a digit dropped, spaces too. So "{BERT}:
// Pre-training of Deep \emph{Bidirectional} Transformers" and "BERT:
// pre-training of deep bidirectional transformers" share a key, and
// "G\"odel" matches "Gödel" and "Godel". The key is a hash of that text, so
// that its index stays small however long a title is; "" when nothing is
// left (a title of punctuation only), which never matches.
func TitleKey(title string) string {
	s := norm.NFKD.String(dropTeXCommands(LaTeXToUnicode(title)))
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

// dropTeXCommands removes control words such as \emph or \textbf, keeping
// their arguments; what LaTeXToUnicode left of control symbols (\&, \%)
// goes with the punctuation.
func dropTeXCommands(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && isLetter(s[i+1]) {
			for i+1 < len(s) && isLetter(s[i+1]) {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
