package paperhound

import (
	"strings"
	"unicode/utf8"
)

// arXiv metadata and BibTeX files spell accented names the TeX way:
// Bal\'azs, G\"{o}del, {\v S}koda. LaTeXToUnicode turns the common accents
// and letters into their Unicode forms and leaves anything it does not know
// exactly as it was.

// accents maps an accent command to its letters and their accented forms,
// rune for rune.
var accents = map[string][2]string{
	"'":  {"aeiouyAEIOUYcnszCNSZlrLRg", "áéíóúýÁÉÍÓÚÝćńśźĆŃŚŹĺŕĹŔǵ"},
	"`":  {"aeiouAEIOU", "àèìòùÀÈÌÒÙ"},
	"^":  {"aeiouAEIOUcgshjwyCGSHJWY", "âêîôûÂÊÎÔÛĉĝŝĥĵŵŷĈĜŜĤĴŴŶ"},
	`"`:  {"aeiouyAEIOUY", "äëïöüÿÄËÏÖÜŸ"},
	"~":  {"anoANOiuIU", "ãñõÃÑÕĩũĨŨ"},
	"=":  {"aeiouAEIOU", "āēīōūĀĒĪŌŪ"},
	".":  {"zZeEgGcCI", "żŻėĖġĠċĊİ"},
	"c":  {"cCsStTgGkKlLnNrR", "çÇşŞţŢģĢķĶļĻņŅŗŖ"},
	"v":  {"cCsSzZrRnNeEdDtTlL", "čČšŠžŽřŘňŇěĚďĎťŤľĽ"},
	"u":  {"aAgGuUeEiIoO", "ăĂğĞŭŬĕĔĭĬŏŎ"},
	"H":  {"oOuU", "őŐűŰ"},
	"r":  {"aAuU", "åÅůŮ"},
	"k":  {"aAeEiIuU", "ąĄęĘįĮųŲ"},
	"ss": {"", "ß"}, // letters, not accents: the second string is the result
	"o":  {"", "ø"},
	"O":  {"", "Ø"},
	"l":  {"", "ł"},
	"L":  {"", "Ł"},
	"aa": {"", "å"},
	"AA": {"", "Å"},
	"ae": {"", "æ"},
	"AE": {"", "Æ"},
	"oe": {"", "œ"},
	"OE": {"", "Œ"},
	"i":  {"", "ı"},
	"j":  {"", "ȷ"},
}

// LaTeXToUnicode decodes the TeX accents and letters it knows in s.
func LaTeXToUnicode(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		// A braced group holding one command, as in {\'a} or {\ss}, loses its braces.
		if s[i] == '{' && i+1 < len(s) && s[i+1] == '\\' {
			if out, n := latexCommand(s[i+1:]); n > 0 && i+1+n < len(s) && s[i+1+n] == '}' {
				b.WriteString(out)
				i += n + 2
				continue
			}
		}
		if s[i] == '\\' {
			if out, n := latexCommand(s[i:]); n > 0 {
				b.WriteString(out)
				i += n
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// latexCommand decodes the command at the start of s (which begins with a
// backslash) and returns its text and length, or n == 0 when it is not one
// it knows.
func latexCommand(s string) (out string, n int) {
	if len(s) < 2 {
		return "", 0
	}
	name, i := "", 1
	if c := s[1]; isLetter(c) {
		for i < len(s) && isLetter(s[i]) {
			i++
		}
		name = s[1:i]
	} else {
		name, i = s[1:2], 2
	}
	acc, ok := accents[name]
	if !ok {
		return "", 0
	}
	if acc[0] == "" { // a letter such as \ss or \o
		if isLetter(name[0]) && i < len(s) && s[i] == ' ' {
			i++ // the space ending a control word is not text
		}
		if strings.HasPrefix(s[i:], "{}") {
			i += 2
		}
		return acc[1], i
	}
	// The accented letter: x, {x}, \i or {\i}, after spaces for \c x and the like.
	j := i
	if isLetter(name[0]) {
		for j < len(s) && s[j] == ' ' {
			j++
		}
	}
	braced := j < len(s) && s[j] == '{'
	if braced {
		j++
	}
	var base rune
	switch {
	case (strings.HasPrefix(s[j:], `\i`) || strings.HasPrefix(s[j:], `\j`)) && (j+2 == len(s) || !isLetter(s[j+2])):
		base, j = rune(s[j+1]), j+2
		if !braced && j < len(s) && s[j] == ' ' {
			j++ // the space ending a control word is not text
		}
	case j < len(s) && s[j] < utf8.RuneSelf:
		base, j = rune(s[j]), j+1
	default:
		return "", 0
	}
	if braced {
		if j >= len(s) || s[j] != '}' {
			return "", 0
		}
		j++
	}
	from, to := []rune(acc[0]), []rune(acc[1])
	for k, r := range from {
		if r == base {
			return string(to[k]), j
		}
	}
	return "", 0
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
