package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/api"
	"github.com/paperhound/paperhound/recommend"
)

// The pages about papers: the home feed or trending list, a paper with
// its similar papers and vote buttons, and related-work search.

// card is one paper in a list.
type card struct {
	Paper   paperhound.Paper
	Title   []segment // the title, with words matching a search marked
	Snippet []segment // the abstract's first lines, or a search's best passage
	More    []segment // behind "more": the rest of the abstract, or all of it after a passage
	Upvotes int
	Vote    int       // the signed-in user's: 1 upvoted, -1 hidden
	VotedAt time.Time // on /me
	// The vote form's CSRF token (empty when signed out: no buttons) and
	// the page to come back to.
	CSRF, Next string
	File       *filing // the form that files it in a collection, for a signed-in user
}

type segment struct {
	Text string
	Mark bool
}

func plainCard(p paperhound.Paper) card {
	return card{Paper: p, Title: []segment{{Text: p.Title}}}
}

// cards makes the cards of a list for the viewer of v: upvote counts, the
// viewer's votes, vote and filing forms, and the words of a search marked.
func (s *Site) cards(ctx context.Context, v view, results []recommend.Result, words *marker) ([]card, error) {
	votes := map[string]int{}
	if v.User != "" {
		mine, err := s.engine.Votes(ctx, v.User)
		if err != nil {
			return nil, err
		}
		for _, vote := range mine {
			votes[vote.Paper] = vote.Value
		}
	}
	out := make([]card, len(results))
	for i, res := range results {
		p := res.Paper
		c := card{Paper: p, Title: highlight(p.Title, words), Upvotes: s.engine.Upvotes(p),
			Vote: votes[p.ID], CSRF: v.CSRF, Next: v.Path}
		c.Snippet, c.More = snippet(p.Abstract, words)
		out[i] = c
	}
	if err := s.addFiling(ctx, v, out); err != nil {
		return nil, err
	}
	return out, nil
}

// group is a run of feed cards explained by the same upvoted paper.
type group struct {
	Because *recommend.Reason // nil: close to no upvote in particular
	Cards   []card
}

// groups puts the cards of a feed page under the upvoted paper each is
// closest to, groups in the order of their first card, so that a page
// names each reason once instead of on every card.
func groups(recs []recommend.Recommendation, cards []card) []group {
	var out []group
	at := map[string]int{}
	for i, rec := range recs {
		key := ""
		if len(rec.Because) > 0 {
			key = rec.Because[0].ID
		}
		g, ok := at[key]
		if !ok {
			g = len(out)
			at[key] = g
			out = append(out, group{})
			if key != "" {
				out[g].Because = &rec.Because[0]
			}
		}
		out[g].Cards = append(out[g].Cards, cards[i])
	}
	return out
}

// listPage is the data of a paged list of papers.
type listPage struct {
	Feed     bool // the signed-in user's feed, in groups
	Trending bool // a feed of trending papers: the user has no upvotes yet
	Days     int  // a chosen trending window, or 0
	Groups   []group
	Cards    []card
	From     int    // the first card's position, from 1
	Next     string // the next page's URL, or ""
}

// home shows the signed-in user's feed, or trending papers: over a window
// widened until it fills a page (recommend.TrendingFeed), or over the
// ?days= chosen. ?cursor= pages through either.
func (s *Site) home(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	q := r.URL.Query()
	offset := 0
	if c := q.Get("cursor"); c != "" {
		if offset, err = api.DecodeCursor(c); err != nil {
			s.errorPage(w, r, sess, http.StatusBadRequest, err.Error())
			return
		}
	}
	days := 0 // none chosen: the widened window
	if q.Get("days") != "" {
		if days, err = api.ParseDays(q.Get("days")); err != nil {
			s.errorPage(w, r, sess, http.StatusBadRequest, err.Error())
			return
		}
	}
	data := listPage{Days: days, From: offset + 1}
	title := "Trending papers"
	// One more than a page tells whether there is a next one.
	opts := recommend.FeedOptions{Limit: min(pageLimit+1, recommend.MaxFeedDepth-offset), Offset: offset}
	var results []recommend.Result
	var recs []recommend.Recommendation
	switch {
	case sess.user != "" && days == 0:
		title = "Your papers"
		if recs, err = s.engine.Feed(r.Context(), sess.user, opts); err != nil {
			s.failPage(w, r, sess, err)
			return
		}
		for _, rec := range recs {
			results = append(results, rec.Result)
		}
		data.Feed = true
	case days == 0:
		results, err = s.engine.TrendingFeed(r.Context(), opts)
	default:
		results, err = s.engine.Trending(r.Context(), recommend.TrendingOptions{Days: days, Limit: offset + opts.Limit})
		results = results[min(offset, len(results)):]
	}
	if err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	if len(results) > pageLimit {
		results = results[:pageLimit]
		next := url.Values{"cursor": {api.EncodeCursor(offset + pageLimit)}}
		if days != 0 {
			next.Set("days", strconv.Itoa(days))
		}
		data.Next = "/?" + next.Encode()
	}
	v := s.newView(r, sess, title, "home")
	if data.Cards, err = s.cards(r.Context(), v, results, nil); err != nil {
		s.failPage(w, r, sess, err)
		return
	}
	if data.Feed {
		data.Trending = len(recs) > 0 && recs[0].Trending
		data.Groups = groups(recs[:len(data.Cards)], data.Cards)
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
		Paper         paperhound.Paper
		Vote, Upvotes int
		Similar       []card
		// The user's collections the paper is filed in, and the others.
		Filed, Unfiled []paperhound.Collection
	}{Paper: p, Upvotes: s.engine.Upvotes(p)}
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
	v := s.newView(r, sess, p.Title, "")
	if data.Similar, err = s.cards(r.Context(), v, similar, nil); err != nil {
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
	// app.js asks for the vote's outcome to update the card in place.
	if r.Header.Get("Accept") == "application/json" {
		p, err := s.engine.Paper(r.Context(), id)
		if err != nil {
			s.failPage(w, r, sess, err)
			return
		}
		vote, err := s.voteOn(r.Context(), sess.user, id)
		if err != nil {
			s.failPage(w, r, sess, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(struct {
			Vote    int `json:"vote"`
			Upvotes int `json:"upvotes"`
		}{vote, s.engine.Upvotes(p)}) // the browser may be gone; nothing left to tell it
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
	v := s.newView(r, sess, "Related work", "search")
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
		if data.Cards, err = s.cards(r.Context(), v, results, queryWords(text)); err != nil {
			s.failPage(w, r, sess, err)
			return
		}
	}
	if data.Q != "" {
		v.Title = data.Q + " – related work"
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

// wordOf is the stem of a word's lowercase letters and digits, as the
// words embedder counts it ("caches" and "cache" alike).
func wordOf(s string) string {
	return english.Stem(plainWord(s), false)
}

// plainWord is a word's lowercase letters and digits, punctuation around
// it trimmed.
func plainWord(s string) string {
	return strings.ToLower(strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
}

// marker knows which words of a text to mark: those of a query, by stem.
// A nil marker marks nothing.
type marker struct {
	words map[string]bool // the query's stems
	// Stemming is slow and a page has thousands of words: a word is
	// stemmed only when it starts as a query stem does (a stem keeps its
	// word's first letters), and once.
	starts map[string]bool
	seen   map[string]bool // by word
	tokens map[string]bool // by token, punctuation and all
}

// wordStart is what a word and its stem begin with.
func wordStart(w string) string {
	return w[:min(2, len(w))]
}

// queryWords is the marker of a query's words worth highlighting.
func queryWords(text string) *marker {
	m := &marker{words: map[string]bool{}, starts: map[string]bool{}, seen: map[string]bool{}, tokens: map[string]bool{}}
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' }) {
		for _, part := range append([]string{f}, strings.Split(f, "-")...) {
			if w := wordOf(part); w != "" && !stopWords[w] {
				m.words[w] = true
				m.starts[wordStart(w)] = true
			}
		}
	}
	return m
}

// marks tells whether tok, a whitespace-separated token, is a query word,
// or has hyphenated parts that are.
func (m *marker) marks(tok string) bool {
	if m == nil {
		return false
	}
	if marked, ok := m.tokens[tok]; ok {
		return marked
	}
	marked := m.word(tok)
	if !marked && strings.Contains(tok, "-") {
		for part := range strings.SplitSeq(tok, "-") {
			if marked = m.word(part); marked {
				break
			}
		}
	}
	m.tokens[tok] = marked
	return marked
}

func (m *marker) word(s string) bool {
	w := plainWord(s)
	if w == "" || !m.starts[wordStart(w)] {
		return false
	}
	marked, ok := m.seen[w]
	if !ok {
		marked = m.words[english.Stem(w, false)]
		m.seen[w] = marked
	}
	return marked
}

// snippetChars is about how much of an abstract a card shows before "more".
const snippetChars = 240

// snippet is what a card shows of an abstract, with words marked: its
// first snippetChars or so, cut at a space, and the rest behind "more";
// or, when the best-marked passage of that length starts further on,
// that passage between ellipses and the whole abstract behind "more".
func snippet(abstract string, words *marker) (shown, more []segment) {
	abstract = strings.Join(strings.Fields(abstract), " ")
	if len(abstract) <= snippetChars+snippetChars/4 {
		return highlight(abstract, words), nil
	}
	start := 0
	if words != nil {
		// The word from which the next 5/6 of snippetChars hold the most
		// marks; the passage starts up to 1/6 before it, at a word, for
		// context.
		fields := strings.Fields(abstract)
		at, pos := make([]int, len(fields)), 0
		for i, f := range fields {
			at[i] = pos
			pos += len(f) + 1
		}
		best, j, marks := 0, 0, 0
		for i := range fields {
			for ; j < len(fields) && at[j]+len(fields[j]) <= at[i]+snippetChars*5/6; j++ {
				if words.marks(fields[j]) {
					marks++
				}
			}
			if marks > best {
				best = marks
				k := i
				for k > 0 && at[k-1] >= at[i]-snippetChars/6 {
					k--
				}
				start = at[k]
			}
			if j > i && words.marks(fields[i]) {
				marks--
			}
		}
	}
	end := start + snippetChars
	if end >= len(abstract) {
		return highlight("… "+abstract[start:], words), highlight(abstract, words)
	}
	if cut := strings.LastIndexByte(abstract[start:end], ' '); cut > 0 {
		end = start + cut
	}
	for !utf8.RuneStart(abstract[end]) { // a word longer than a snippet
		end--
	}
	if start == 0 {
		return highlight(abstract[:end]+" …", words), highlight(strings.TrimSpace(abstract[end:]), words)
	}
	return highlight("… "+abstract[start:end]+" …", words), highlight(abstract, words)
}

// highlight splits text into segments, marking the whitespace-separated
// tokens words marks. Segments are slices of text, merged while their
// marks agree.
func highlight(text string, words *marker) []segment {
	if words == nil {
		return []segment{{Text: text}}
	}
	var out []segment
	start, mark, prevEnd := 0, false, 0 // the open segment, the last token's end
	cut := func(at int) {
		if at > start {
			out = append(out, segment{Text: text[start:at], Mark: mark})
		}
		start, mark = at, !mark
	}
	for i := 0; i < len(text); {
		j := strings.IndexFunc(text[i:], func(r rune) bool { return !unicode.IsSpace(r) })
		if j < 0 {
			break
		}
		j += i
		k := strings.IndexFunc(text[j:], unicode.IsSpace)
		if k < 0 {
			k = len(text)
		} else {
			k += j
		}
		if words.marks(text[j:k]) != mark {
			// A mark starts at its token and ends with its last one.
			if mark {
				cut(prevEnd)
			} else {
				cut(j)
			}
		}
		prevEnd, i = k, k
	}
	if mark {
		cut(prevEnd)
	}
	if start < len(text) {
		out = append(out, segment{Text: text[start:]})
	}
	return out
}
