package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium package, which chromedp v0.14.2 is
// known to drive (.ci/run installs it).
const chromiumPath = "/usr/bin/chromium"

// TestBrowser walks the web pages in a real headless Chromium against a
// real server: sign in, search, open a paper, upvote it, see the feed
// change, hide a paper, sign out. It saves screenshots to artifacts/ and
// the home page to docs/home.png for the README when
// PAPERHOUND_UPDATE_SCREENSHOT is set.
//
// Without Chromium it skips, unless PAPERHOUND_BROWSER_TESTS=1 (CI) makes
// that a failure.
func TestBrowser(t *testing.T) {
	site := newWebSite(t)
	base, run := browser(t, site.h)
	token := site.token["alice"]

	save := artifacts(t)
	run("sign in", signIn(base, token))

	// Search: the first result's title has the query words marked.
	var marked string
	run("search",
		chromedp.Navigate(base+"/search"),
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
	run("screenshot paper", chromedp.FullScreenshot(&paperPNG, 100))
	save("paper.png", paperPNG)
	run("upvote",
		chromedp.Click(`#upvote`, chromedp.ByQuery),
		chromedp.WaitVisible(`#upvote[aria-pressed="true"]`, chromedp.ByQuery),
	)

	// The home page is now a feed explained by that upvote.
	var why string
	run("feed",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`#papers .why`, chromedp.ByQuery),
		chromedp.Text(`#papers .why`, &why, chromedp.ByQuery),
	)
	if !strings.Contains(why, "Because you upvoted") || !strings.Contains(why, strings.TrimSpace(title)) {
		t.Errorf("feed explains %q, want because of %q", why, title)
	}
	var homePNG []byte
	run("screenshot home", chromedp.FullScreenshot(&homePNG, 100))
	save("home.png", homePNG)
	// The README's screenshot is refreshed on request, so test runs leave
	// the tree as they found it.
	if os.Getenv("PAPERHOUND_UPDATE_SCREENSHOT") != "" {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "home.png"), homePNG, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var phonePNG []byte
	run("screenshot phone",
		chromedp.EmulateViewport(390, 844),
		chromedp.Reload(),
		chromedp.WaitVisible(`#papers`, chromedp.ByQuery),
		chromedp.FullScreenshot(&phonePNG, 100),
		chromedp.EmulateViewport(1280, 900),
	)
	save("home-phone.png", phonePNG)

	// Hide the feed's first paper: it is gone from the feed.
	var first string
	var ok bool
	run("first in feed", chromedp.AttributeValue(`#papers .card h3 a`, "href", &first, &ok, chromedp.ByQuery))
	if !ok {
		t.Fatal("the feed has no paper link")
	}
	run("hide",
		chromedp.Navigate(base+first),
		chromedp.WaitVisible(`#hide[aria-pressed="false"]`, chromedp.ByQuery),
		chromedp.Click(`#hide`, chromedp.ByQuery),
		chromedp.WaitVisible(`#hide[aria-pressed="true"]`, chromedp.ByQuery),
		chromedp.Navigate(base+"/"),
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
		chromedp.Navigate(base+"/me"),
		chromedp.Text(`main`, &me, chromedp.ByQuery),
	)
	if !strings.Contains(me, strings.TrimSpace(title)) {
		t.Errorf("/me does not list the upvoted %q", title)
	}
	if !strings.Contains(me, "Headless Chrome on Linux") || !strings.Contains(me, "this one") {
		t.Error("/me does not list this browser's session")
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

// TestBrowserCollections makes a collection, files a KV-cache paper in
// it from the paper's page, and finds KV-cache papers in its feed; a
// second collection is made from a paper's own form. It saves the
// collections page at desktop and phone width to artifacts/, and to docs/
// when PAPERHOUND_UPDATE_SCREENSHOT is set.
func TestBrowserCollections(t *testing.T) {
	site := newWebSite(t)
	base, run := browser(t, site.h)
	save := artifacts(t)
	run("sign in", signIn(base, site.token["alice"]))

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

// browser serves h and starts a headless Chromium for t, both stopped when
// t ends (the browser first), and returns the server's URL and what runs a
// step in the browser: a failed step fails t. Without Chromium it skips t,
// unless PAPERHOUND_BROWSER_TESTS=1 (CI) makes that a failure.
func browser(t *testing.T, h http.Handler) (base string, run func(step string, actions ...chromedp.Action)) {
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
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

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
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	return srv.URL, func(step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
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

// signIn signs in with token through the form of the site at base.
func signIn(base, token string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.Navigate(base + "/signin"),
		chromedp.WaitVisible(`#token`, chromedp.ByQuery),
		chromedp.SendKeys(`#token`, token, chromedp.ByQuery),
		chromedp.Click(`form[action="/signin"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/signout"]`, chromedp.ByQuery),
	}
}
