package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/paperhound/paperhound"
)

// chromiumPath is Debian's chromium package, which chromedp v0.14.2 is
// known to drive (.ci/run installs it).
const chromiumPath = "/usr/bin/chromium"

// startBrowser starts a headless Chromium for a test, 1280 by 900, and
// returns its context and a function that runs a step's actions in it.
// Without Chromium it skips, unless PAPERHOUND_BROWSER_TESTS=1 (CI) makes
// that a failure.
func startBrowser(t *testing.T) (context.Context, func(step string, actions ...chromedp.Action)) {
	t.Helper()
	required := os.Getenv("PAPERHOUND_BROWSER_TESTS") == "1"
	if _, err := os.Stat(chromiumPath); err != nil {
		if required {
			t.Fatalf("PAPERHOUND_BROWSER_TESTS=1 but there is no Chromium at %s: apt-get install chromium", chromiumPath)
		}
		t.Skipf("no Chromium at %s (apt-get install chromium); set PAPERHOUND_BROWSER_TESTS=1 to make this a failure", chromiumPath)
	}
	if testing.Short() && !required {
		t.Skip("browser test skipped in -short mode")
	}
	// Chromium's helper processes may still be writing to the profile when
	// the browser is cancelled, which t.TempDir's cleanup reports as a
	// failure: remove it ourselves, retrying briefly.
	profile, err := os.MkdirTemp("", "paperhound-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancelCtx)
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(cancel)
	// The pages' scripts must not fail: their errors fail the test.
	chromedp.ListenTarget(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			t.Errorf("script error: %s", ev.ExceptionDetails.Error())
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				for _, a := range ev.Args {
					t.Errorf("console error: %s %s", a.Value, a.Description)
				}
			}
		}
	})
	return ctx, func(step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
}

// signInBrowser signs in through the form with token.
func signInBrowser(run func(string, ...chromedp.Action), base, token string) {
	run("sign in",
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(`#token`, chromedp.ByQuery),
		chromedp.SendKeys(`#token`, token, chromedp.ByQuery),
		chromedp.Click(`form[action="/signin"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/signout"]`, chromedp.ByQuery),
	)
}

// TestBrowser walks the web pages in a real headless Chromium against a
// real server: sign in, read a card, search, find nothing for a nonsense
// word, open a paper, upvote it, see the feed change, upvote and hide from
// cards with JavaScript on (no reload) and off (forms), see the 404 page,
// sign out. It saves screenshots to artifacts/.
func TestBrowser(t *testing.T) {
	site := newWebSite(t)
	// A paper with authors and categories (the sample papers have
	// neither), the newest: the first card of the trending home page.
	fixture := paperhound.Paper{ID: "2511.99999", Title: "A survey of card layouts",
		Abstract:   strings.Repeat("Cards show enough of a paper to decide whether to read it. ", 8),
		Authors:    paperhound.Strings{"Ada One", "Bo Two", "Cy Three", "Di Four"},
		Categories: paperhound.Strings{"cs.IR"}, Published: paperhound.Date{Time: time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)}, Upvotes: 4}
	if _, err := site.engine.Ingest(context.Background(), []paperhound.Paper{fixture}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(site.h)
	defer srv.Close()
	token := site.token["alice"]
	ctx, run := startBrowser(t)

	save := artifacts(t)

	signInBrowser(run, srv.URL, token)

	// The first card shows its authors, upvotes and the abstract's start,
	// the rest behind "more", which opens in place.
	var authors, upvotes, snippet, more string
	run("card",
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`#papers .card .authors`, chromedp.ByQuery),
		chromedp.Text(`#papers .card .authors`, &authors, chromedp.ByQuery),
		chromedp.Text(`#papers .card .upvotes`, &upvotes, chromedp.ByQuery),
		chromedp.Text(`#papers .card .snippet`, &snippet, chromedp.ByQuery),
		chromedp.Click(`#papers .card .more summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`#papers .card .more p`, chromedp.ByQuery),
		chromedp.Text(`#papers .card .more p`, &more, chromedp.ByQuery),
	)
	if authors != "Ada One, Bo Two, Cy Three et al." || upvotes != "4 upvotes" || !strings.HasPrefix(snippet, "Cards show enough") || more == "" {
		t.Errorf("first card: authors %q, upvotes %q, snippet %q, more %d chars", authors, upvotes, snippet, len(more))
	}

	// A nonsense word finds nothing, and says so.
	var nothing string
	run("search nonsense",
		chromedp.Navigate(srv.URL+"/search?q=zzqxjkv"),
		chromedp.WaitVisible(`#results`, chromedp.ByQuery),
		chromedp.Text(`#results`, &nothing, chromedp.ByQuery),
	)
	if !strings.Contains(nothing, "No close matches") {
		t.Errorf("search for zzqxjkv shows %q, want no close matches", nothing)
	}

	// Search: the first result's title has the query words marked.
	var marked string
	run("search",
		chromedp.Navigate(srv.URL+"/search"),
		chromedp.SendKeys(`#q`, "speculative decoding", chromedp.ByQuery),
		chromedp.Click(`form[role="search"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#results`, chromedp.ByQuery),
		chromedp.Text(`#results .card mark`, &marked, chromedp.ByQuery),
	)
	if !strings.Contains(strings.ToLower(marked), "speculative") && !strings.Contains(strings.ToLower(marked), "decoding") {
		t.Errorf("search: marked %q, want a query word", marked)
	}

	// Open the first result and upvote it.
	var title, paperURL string
	run("open paper",
		chromedp.Click(`#results .card h3 a`, chromedp.ByQuery),
		chromedp.WaitVisible(`#upvote[aria-pressed="false"]`, chromedp.ByQuery),
		chromedp.Text(`h1`, &title, chromedp.ByQuery),
		chromedp.Location(&paperURL),
	)
	var paperPNG []byte
	run("screenshot paper", chromedp.CaptureScreenshot(&paperPNG))
	save("paper.png", paperPNG)
	run("upvote",
		chromedp.Click(`#upvote`, chromedp.ByQuery),
		chromedp.WaitVisible(`#upvote[aria-pressed="true"]`, chromedp.ByQuery),
	)

	// The home page is now a feed explained by that upvote.
	var why string
	run("feed",
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`#papers .why`, chromedp.ByQuery),
		chromedp.Text(`#papers .why`, &why, chromedp.ByQuery),
	)
	if !strings.Contains(why, "Because you upvoted") || !strings.Contains(why, strings.TrimSpace(title)) {
		t.Errorf("feed explains %q, want because of %q", why, title)
	}
	var homePNG []byte
	run("screenshot home", chromedp.CaptureScreenshot(&homePNG))
	save("home.png", homePNG)

	// An upvote from a card, JavaScript on: the card's paper leaves the
	// feed, which is fetched again and swapped in; the page never reloads.
	var upID string
	var ok bool
	run("first card", chromedp.Evaluate(`window.notReloaded = true`, nil),
		chromedp.AttributeValue(`#papers .card`, "data-paper", &upID, &ok, chromedp.ByQuery))
	if !ok {
		t.Fatal("the feed's first card has no data-paper")
	}
	var notReloaded bool
	run("upvote from a card",
		chromedp.Click(`#papers .card button.up`, chromedp.ByQuery),
		chromedp.Poll(fmt.Sprintf(`!document.querySelector('#papers .card[data-paper="' + CSS.escape(%q) + '"]') && document.getElementById("status").textContent.startsWith("Upvoted")`, upID), nil),
		chromedp.Evaluate(`window.notReloaded === true`, &notReloaded),
	)
	if !notReloaded {
		t.Error("the upvote from a card reloaded the page")
	}
	// The focus, on the button, moves to the card now in that place.
	var focus string
	run("focus after the upvote", chromedp.Evaluate(`document.activeElement.matches("#papers .card h3 a") ? "a card's title" : document.activeElement.outerHTML`, &focus))
	if focus != "a card's title" {
		t.Errorf("after the card left the feed the focus is on %s, want the next card's title", focus)
	}
	if vote, err := site.engine.Votes(ctx, "alice"); err != nil || len(vote) != 2 || vote[1].Paper != upID || vote[1].Value != 1 {
		t.Errorf("votes after the card's upvote: %v, %v; want %s upvoted", vote, err, upID)
	}

	// The same with JavaScript off: the form posts and the server sends the
	// browser back to the feed, without that paper.
	var offID string
	run("javascript off",
		emulation.SetScriptExecutionDisabled(true),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`#papers .card button.up`, chromedp.ByQuery),
		chromedp.AttributeValue(`#papers .card`, "data-paper", &offID, &ok, chromedp.ByQuery),
	)
	run("upvote from a card without javascript",
		chromedp.Click(`#papers .card button.up`, chromedp.ByQuery),
		chromedp.WaitNotPresent(fmt.Sprintf(`#papers .card[data-paper=%q]`, offID), chromedp.ByQuery),
		chromedp.WaitVisible(`#papers .card`, chromedp.ByQuery),
		emulation.SetScriptExecutionDisabled(false),
	)
	if vote, err := site.engine.Votes(ctx, "alice"); err != nil || len(vote) != 3 || vote[2].Paper != offID || vote[2].Value != 1 {
		t.Errorf("votes after the form's upvote: %v, %v; want %s upvoted", vote, err, offID)
	}

	// An unknown page is the HTML 404 page, with a way back.
	var missing string
	run("404",
		chromedp.Navigate(srv.URL+"/no/such/page"),
		chromedp.WaitVisible(`main a[href="/"]`, chromedp.ByQuery),
		chromedp.Text(`main`, &missing, chromedp.ByQuery),
	)
	if !strings.Contains(missing, "Not Found") || !strings.Contains(missing, "Back to the home page") {
		t.Errorf("an unknown page shows %q, want the 404 page", missing)
	}

	// Hide the feed's first paper: it is gone from the feed.
	var first string
	run("first in feed", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`#papers .card`, chromedp.ByQuery), chromedp.AttributeValue(`#papers .card h3 a`, "href", &first, &ok, chromedp.ByQuery))
	if !ok {
		t.Fatal("the feed has no paper link")
	}
	run("hide",
		chromedp.Navigate(srv.URL+first),
		chromedp.WaitVisible(`#hide[aria-pressed="false"]`, chromedp.ByQuery),
		chromedp.Click(`#hide`, chromedp.ByQuery),
		chromedp.WaitVisible(`#hide[aria-pressed="true"]`, chromedp.ByQuery),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`#papers`, chromedp.ByQuery),
	)
	var links []string
	run("feed after hide", chromedp.Evaluate(`[...document.querySelectorAll("#papers .card h3 a")].map(a => a.getAttribute("href"))`, &links))
	for _, l := range links {
		if l == first {
			t.Errorf("hidden paper %s is still in the feed", first)
		}
	}
	if len(links) == 0 {
		t.Error("the feed is empty after hiding one paper")
	}

	// My papers lists both votes, and this browser among the signed-in ones.
	var me string
	run("my papers",
		chromedp.Navigate(srv.URL+"/me"),
		chromedp.Text(`main`, &me, chromedp.ByQuery),
	)
	if !strings.Contains(me, strings.TrimSpace(title)) {
		t.Errorf("/me does not list the upvoted %q", title)
	}
	if !strings.Contains(me, "Headless Chrome on Linux") || !strings.Contains(me, "this one") {
		t.Error("/me does not list this browser's session")
	}

	// Import the reading-list fixture through the file input.
	bib, err := filepath.Abs(filepath.Join("..", "..", "ingest", "testdata", "reading-list.bib"))
	if err != nil {
		t.Fatal(err)
	}
	var imported string
	var importPNG []byte
	run("import a reading list",
		chromedp.SetUploadFiles(`#rl-file`, []string{bib}, chromedp.ByQuery),
		chromedp.Click(`form[action="/me/reading-list"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#u-h`, chromedp.ByQuery),
		chromedp.Text(`main`, &imported, chromedp.ByQuery),
		chromedp.FullScreenshot(&importPNG, 100),
	)
	save("reading-list.png", importPNG)
	if !strings.Contains(imported, "50 entries: 31 matched, 19 not.") || !strings.Contains(imported, "eprintUnknown") {
		t.Errorf("the import's report:\n%s", imported)
	}

	// Sign out.
	run("sign out",
		chromedp.Click(`form[action="/signout"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href="/signin"]`, chromedp.ByQuery),
	)
	var html string
	run("page source", chromedp.OuterHTML(`html`, &html, chromedp.ByQuery))
	if strings.Contains(html, token) || strings.Contains(site.log.String(), token) {
		t.Error("the API token is in a page or in the log")
	}
	if u, _ := url.Parse(paperURL); u == nil || !strings.HasPrefix(u.Path, "/papers/") {
		t.Errorf("paper page at %q", paperURL)
	}
}

// TestScreenshots takes the README's screenshots: the home page (alice's
// feed, from one upvote), a paper and a search, each at desktop (1280 by
// 900) and phone (390 by 844) width, the first screenful, into artifacts/;
// and into docs/ when PAPERHOUND_UPDATE_SCREENSHOT=1:
//
//	PAPERHOUND_UPDATE_SCREENSHOT=1 go test ./api/web -run TestScreenshots
func TestScreenshots(t *testing.T) {
	site := newWebSite(t)
	if err := site.engine.Vote(context.Background(), "alice", "2407.18121", 1); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(site.h)
	defer srv.Close()
	_, run := startBrowser(t)
	signInBrowser(run, srv.URL, site.token["alice"])
	dirs := []string{filepath.Join("..", "..", "artifacts")}
	if os.Getenv("PAPERHOUND_UPDATE_SCREENSHOT") == "1" {
		dirs = append(dirs, filepath.Join("..", "..", "docs"))
	}
	for _, page := range []struct{ name, path, ready string }{
		{"home", "/", "#papers .card"},
		{"paper", "/papers/" + s2d, "#similar .card"},
		{"search", "/search?q=kv+cache+eviction", "#results .card mark"},
	} {
		for _, size := range []struct {
			suffix        string
			width, height int64
		}{{"", 1280, 900}, {"-phone", 390, 844}} {
			var png []byte
			run(page.name+size.suffix,
				chromedp.EmulateViewport(size.width, size.height),
				chromedp.Navigate(srv.URL+page.path),
				chromedp.WaitVisible(page.ready, chromedp.ByQuery),
				chromedp.CaptureScreenshot(&png),
			)
			if len(png) < 10_000 || len(png) > 400_000 {
				t.Errorf("%s%s: a %d-byte screenshot, want 10 to 400 kB", page.name, size.suffix, len(png))
			}
			for _, dir := range dirs {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, page.name+size.suffix+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

func TestBrowserCollections(t *testing.T) {
	site := newWebSite(t)
	srv := httptest.NewServer(site.h)
	defer srv.Close()
	base := srv.URL
	_, run := startBrowser(t)
	save := artifacts(t)
	signInBrowser(run, base, site.token["alice"])

	var h1 string
	run("create a collection",
		chromedp.Navigate(base+"/collections"),
		chromedp.WaitVisible(`#name`, chromedp.ByQuery),
		chromedp.SendKeys(`#name`, "KV caches", chromedp.ByQuery),
		chromedp.Click(`form[action="/collections"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#in-h`, chromedp.ByQuery),
		chromedp.Text(`h1`, &h1, chromedp.ByQuery),
	)
	if h1 != "KV caches" {
		t.Errorf("after creating: page %q, want the collection's", h1)
	}

	// File RazorAttention (a KV-cache paper) from its page.
	var filedIn string
	run("file a paper",
		chromedp.Navigate(base+"/papers/"+razor),
		chromedp.WaitVisible(`#file-in`, chromedp.ByQuery),
		chromedp.Click(`#file-in + button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#filed-in`, chromedp.ByQuery),
		chromedp.Text(`#filed-in`, &filedIn, chromedp.ByQuery),
		chromedp.WaitVisible(`#upvote[aria-pressed="true"]`, chromedp.ByQuery),
	)
	if !strings.Contains(filedIn, "KV caches") {
		t.Errorf("paper page says %q, want it in KV caches", filedIn)
	}

	// Its feed: papers near it, on KV caches.
	var titles []string
	var filed string
	run("collection feed",
		chromedp.Click(`#filed-in a`, chromedp.ByQuery),
		chromedp.WaitVisible(`#filed`, chromedp.ByQuery),
		chromedp.Text(`#filed`, &filed, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("#papers .card h3")].map(h => h.textContent)`, &titles),
	)
	if !strings.Contains(filed, "RazorAttention") {
		t.Errorf("the collection lists %q, want RazorAttention", filed)
	}
	kv := 0
	for _, title := range titles[:min(3, len(titles))] {
		if l := strings.ToLower(title); strings.Contains(l, "kv") || strings.Contains(l, "cache") {
			kv++
		}
	}
	if kv < 2 {
		t.Errorf("the collection's feed starts %q, want KV-cache papers", titles)
	}
	var atom string
	var ok bool
	run("Atom link", chromedp.AttributeValue(`a[type="application/atom+xml"]`, "href", &atom, &ok, chromedp.ByQuery))
	if !ok || !strings.HasSuffix(atom, "/feed.atom") {
		t.Errorf("Atom link %q", atom)
	}
	var feedPNG []byte
	run("screenshot collection", chromedp.FullScreenshot(&feedPNG, 100))
	save("collection.png", feedPNG)

	// A second collection, made from a tokenizer paper's own form.
	run("file in a new collection",
		chromedp.Navigate(base+"/papers/2405.07883"),
		chromedp.WaitVisible(`#new-collection`, chromedp.ByQuery),
		chromedp.SendKeys(`#new-collection`, "Tokenizers", chromedp.ByQuery),
		chromedp.Click(`#new-collection + button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#filed-in`, chromedp.ByQuery),
	)
	var list string
	var desktop, phone []byte
	run("collections page",
		chromedp.Navigate(base+"/collections"),
		chromedp.WaitVisible(`#collections`, chromedp.ByQuery),
		chromedp.Text(`#collections`, &list, chromedp.ByQuery),
		chromedp.FullScreenshot(&desktop, 100),
		chromedp.EmulateViewport(390, 844),
		chromedp.Reload(),
		chromedp.WaitVisible(`#collections`, chromedp.ByQuery),
		chromedp.FullScreenshot(&phone, 100),
		chromedp.EmulateViewport(1280, 900),
	)
	if !strings.Contains(list, "KV caches") || !strings.Contains(list, "Tokenizers") || strings.Count(list, "1 paper ·") != 2 {
		t.Errorf("collections page lists %q, want KV caches and Tokenizers with a paper each", list)
	}
	save("collections.png", desktop)
	save("collections-phone.png", phone)
	if os.Getenv("PAPERHOUND_UPDATE_SCREENSHOT") != "" {
		for name, png := range map[string][]byte{"collections.png": desktop, "collections-phone.png": phone} {
			if err := os.WriteFile(filepath.Join("..", "..", "docs", name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// artifacts returns what saves a screenshot to artifacts/.
func artifacts(t *testing.T) (save func(name string, png []byte)) {
	dir := filepath.Join("..", "..", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return func(name string, png []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
