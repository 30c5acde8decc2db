package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/recommend"
)

// The pages about papers: the home feed or trending list, a paper with
// its similar papers and vote buttons, and related-work search.

// card is one paper in a list.
type card struct {
	Paper    paperhound.Paper
	Title    []segment // the title, with words matching a search marked
	Because  []recommend.Reason
	Trending bool
	VotedAt  time.Time
	Vote     int     // on /me: 1 upvoted, -1 hidden
	File     *filing // the form that files it in a collection, for a signed-in user
}

type segment struct {
	Text string
	Mark bool
}

func plainCard(p paperhound.Paper) card {
	return card{Paper: p, Title: []segment{{Text: p.Title}}}
}

// home shows the signed-in user's feed, or trending papers (also when
// ?days= is given).
func (s *Site) home(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	data := struct {
		Feed  bool
		Days  int
		Cards []card
	}{}
	q := r.URL.Query().Get("days")
	if sess.user != "" && q == "" {
		recs, err := s.engine.Feed(r.Context(), sess.user, recommend.FeedOptions{Limit: pageLimit})
		if err != nil {
			s.failPage(w, r, sess, err)
			return
		}
		data.Feed = true
		for _, rec := range recs {
			c := plainCard(rec.Paper)
			c.Because, c.Trending = rec.Because, rec.Trending
			data.Cards = append(data.Cards, c)
		}
		v := s.newView(r, sess, "Your papers", "home")
		if err := s.addFiling(r.Context(), v, data.Cards); err != nil {
			s.failPage(w, r, sess, err)
			return
		}
		v.Data = data
		s.render(w, r, http.StatusOK, "home", v)
		return
	}
	if data.Days, err = api.ParseDays(q); err != nil {
		s.errorPage(w, r, sess, http.StatusBadRequest, err.Error())
		return
	}
	results, err := s.engine.Trending(r.Context(), recommend.TrendingOptions{Days: data.Days, Limit: pageLimit})
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	for _, res := range results {
		data.Cards = append(data.Cards, plainCard(res.Paper))
	}
	v := s.newView(r, sess, "Trending papers", "home")
	if err := s.addFiling(r.Context(), v, data.Cards); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	v.Data = data
	s.render(w, r, http.StatusOK, "home", v)
}

// paperPage shows a paper, the user's vote on it and similar papers.
func (s *Site) paperPage(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	id := r.PathValue("id")
	p, err := s.engine.Paper(r.Context(), id)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	similar, err := s.engine.Similar(r.Context(), id, recommend.Options{Limit: 10})
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	data := struct {
		Paper   paperhound.Paper
		Vote    int
		Similar []card
		// The user's collections the paper is filed in, and the others.
		Filed, Unfiled []paperhound.Collection
	}{Paper: p}
	if sess.user != "" {
		if data.Vote, err = s.voteOn(r.Context(), sess.user, id); err != nil {
			s.failPage(w, r, sess, err)
			return
		}
		if data.Filed, data.Unfiled, err = s.filedIn(r.Context(), sess.user, id); err != nil {
			s.failPage(w, r, sess, err)
			return
		}
	}
	for _, res := range similar {
		data.Similar = append(data.Similar, plainCard(res.Paper))
	}
	v := s.newView(r, sess, p.Title, "")
	if err := s.addFiling(r.Context(), v, data.Similar); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	v.Data = data
	s.render(w, r, http.StatusOK, "paper", v)
}

func (s *Site) voteOn(ctx context.Context, user, paper string) (int, error) {
	votes, err := s.engine.Votes(ctx, user)
	if err != nil {
		return 0, err
	}
	for _, v := range votes {
		if v.Paper == paper {
			return v.Value, nil
		}
	}
	return 0, nil
}

// votePost answers the upvote and hide buttons: action is up, hide,
// unup or unhide; then back to next (a local path) or the paper.
func (s *Site) votePost(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedInPost(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	var err error
	switch r.PostFormValue("action") {
	case "up":
		err = s.engine.Vote(r.Context(), sess.user, id, 1)
	case "hide":
		err = s.engine.Vote(r.Context(), sess.user, id, -1)
	case "unup":
		err = s.engine.Unvote(r.Context(), sess.user, id, 1)
	case "unhide":
		err = s.engine.Unvote(r.Context(), sess.user, id, -1)
	default:
		s.errorPage(w, r, sess, http.StatusBadRequest, "action must be up, hide, unup or unhide")
		return
	}
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next"), "/papers/"+url.PathEscape(id)), http.StatusSeeOther)
}

// searchPage is related-work lookup: ?q= from the search box, or a draft
// abstract POSTed from the textarea. Searching changes nothing, so it
// needs no session.
func (s *Site) searchPage(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	text := r.URL.Query().Get("q")
	data := struct {
		Q, Draft string
		Searched bool
		Cards    []card
	}{Q: text}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, api.MaxBody)
		if err := r.ParseForm(); err != nil {
			s.errorPage(w, r, sess, http.StatusRequestEntityTooLarge, fmt.Sprintf("the draft is over %d bytes", api.MaxBody))
			return
		}
		text = r.PostFormValue("text")
		data.Q, data.Draft = "", text
	}
	if strings.TrimSpace(text) != "" {
		results, err := s.engine.Search(r.Context(), text, recommend.Options{Limit: pageLimit})
		if err != nil {
			s.failPage(w, r, sess, err)
			return
		}
		data.Searched = true
		words := queryWords(text)
		for _, res := range results {
			c := plainCard(res.Paper)
			c.Title = highlight(res.Paper.Title, words)
			data.Cards = append(data.Cards, c)
		}
	}
	v := s.newView(r, sess, "Related work", "search")
	if data.Q != "" {
		v.Title = data.Q + " – related work"
	}
	if err := s.addFiling(r.Context(), v, data.Cards); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	v.Data = data
	s.render(w, r, http.StatusOK, "search", v)
}

// stopWords are never highlighted: they match every title.
var stopWords = map[string]bool{
	"a": true, "an": true, "and": true, "the": true, "of": true, "for": true, "in": true, "on": true,
	"to": true, "with": true, "by": true, "via": true, "is": true, "are": true, "we": true, "as": true,
	"at": true, "from": true, "or": true, "our": true, "this": true, "that": true, "be": true, "it": true,
}

// wordOf is the lowercase letters and digits of a word.
func wordOf(s string) string {
	return strings.ToLower(strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
}

// queryWords is the set of words of a query worth highlighting.
func queryWords(text string) map[string]bool {
	words := map[string]bool{}
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' }) {
		for _, part := range append([]string{f}, strings.Split(f, "-")...) {
			if w := wordOf(part); w != "" && !stopWords[w] {
				words[w] = true
			}
		}
	}
	return words
}

// highlight splits title into segments, marking the words (whitespace
// separated, ignoring punctuation and case) found in words, or a word
// whose hyphenated parts are. A plain lowercase match: the web pages
// don't know the embedder's tokenizer.
func highlight(title string, words map[string]bool) []segment {
	var out []segment
	add := func(text string, mark bool) {
		if n := len(out); n > 0 && out[n-1].Mark == mark {
			out[n-1].Text += text
			return
		}
		out = append(out, segment{Text: text, Mark: mark})
	}
	rest := title
	for rest != "" {
		i := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			add(rest, false)
			break
		}
		add(rest[:i], false)
		rest = rest[i:]
		j := strings.IndexFunc(rest, unicode.IsSpace)
		if j < 0 {
			j = len(rest)
		}
		tok := rest[:j]
		rest = rest[j:]
		match := words[wordOf(tok)]
		for _, part := range strings.Split(tok, "-") {
			match = match || words[wordOf(part)]
		}
		add(tok, match)
	}
	return out
}
