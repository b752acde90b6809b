package github_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/github/githubtest"
)

// mapCache is a Cache a test can read and tamper with.
type mapCache struct {
	mu sync.Mutex
	m  map[string][2]string // key: etag, body
}

func (c *mapCache) Get(_ context.Context, key string) (string, []byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e[0], []byte(e[1]), ok, nil
}

func (c *mapCache) Put(_ context.Context, key, etag string, body []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][2]string{}
	}
	c.m[key] = [2]string{etag, string(body)}
	return nil
}

// tamper rewrites the body of every kept answer (not the collector's
// snapshots) with f.
func (c *mapCache) tamper(f func(string) string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if strings.HasPrefix(k, "GET ") {
			c.m[k] = [2]string{e[0], f(e[1])}
		}
	}
}

// counting serves srv through a proxy that counts the requests for the
// organisation's repositories and lets rewrite change their answers.
func counting(t *testing.T, srv *githubtest.Server, rewrite func(self string, n int, resp *http.Response)) (base string, lists func() int) {
	t.Helper()
	target, _ := url.Parse(srv.URL)
	var mu sync.Mutex
	n := 0
	p := httputil.NewSingleHostReverseProxy(target)
	p.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Path != "/orgs/acme/repos" {
			return nil
		}
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		if rewrite != nil {
			rewrite(base, k, resp)
		}
		return nil
	}
	base = httptestServer(t, p)
	return base, func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

// Issue 21 #17: a Link to the same page, or empty pages that always point
// to a next one, stop after a repeated link or 3 empty pages, with an
// error that names it, not after 10,001 requests.
func TestRepoListingThatNeverEndsStops(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rewrite func(self string, n int, resp *http.Response)
		says    string
		lists   int
	}{
		{"a Link to the same page", func(self string, _ int, resp *http.Response) {
			resp.Header.Set("Link", fmt.Sprintf(`<%s/orgs/acme/repos?page=1>; rel="next"`, self))
		}, "page 2 handed out the same next link as page 1", 2},
		{"empty pages with a next link", func(self string, n int, resp *http.Response) {
			resp.Body = io.NopCloser(strings.NewReader("[]"))
			resp.ContentLength = 2
			resp.Header.Set("Content-Length", "2")
			resp.Header.Del("ETag")
			resp.Header.Set("Link", fmt.Sprintf(`<%s/orgs/acme/repos?page=%d>; rel="next"`, self, n+1))
		}, "3 pages in a row had no repositories but a new next link", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := githubtest.NewServer()
			defer srv.Close()
			srv.AddRepo("acme", githubtest.Repo{Name: "api"})
			base, lists := counting(t, srv, tc.rewrite)
			c, err := github.New(github.Config{BaseURL: base, Token: githubtest.DefaultToken, RetryWait: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err = (&github.Collector{Client: c, Org: "acme"}).Collect(ctx, now)
			if err == nil || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "list the repositories of acme") {
				t.Errorf("error %v; want one that says %q", err, tc.says)
			}
			if n := lists(); n != tc.lists {
				t.Errorf("%d requests for the repositories; want %d", n, tc.lists)
			}
		})
	}
}

// Issue 21 #3: a next-page link read back from the cache passes the same
// check as one from a live Link header: a tampered cache does not send the
// token to another host.
func TestCachedNextLinkIsCheckedAsALiveOne(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	for i := range 101 { // two pages of 100
		srv.AddRepo("acme", githubtest.Repo{Name: "r" + strconv.Itoa(i)})
	}
	var (
		mu   sync.Mutex
		seen []string
	)
	evil := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.String()+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "[]")
	}))
	cache := &mapCache{}
	c, err := github.New(github.Config{BaseURL: srv.URL, Token: githubtest.DefaultToken, RetryWait: time.Millisecond}, github.WithCache(cache))
	if err != nil {
		t.Fatal(err)
	}
	col := &github.Collector{Client: c, Org: "acme"}
	if _, err := col.Collect(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	cache.tamper(func(body string) string { return strings.ReplaceAll(body, srv.URL, evil) })
	_, err = col.Collect(context.Background(), now)
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 0 {
		t.Errorf("the other host received %q", seen)
	}
	if err == nil || !strings.Contains(err.Error(), "refusing to send credentials") {
		t.Errorf("error %v; want one that refuses the cached link", err)
	}
}

// Issue 21 #16: a cached answer that does not decode is dropped and the
// request made in full, so the next run has every fact again instead of a
// 304 and a null fact for ever.
func TestUndecodableCacheEntryIsAskedForInFull(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	srv.AddRepo("acme", githubtest.Repo{Name: "api", Files: map[string]string{"README.md": "# API\n", ".github/CODEOWNERS": owners}})
	cache := &mapCache{}
	c, err := github.New(github.Config{BaseURL: srv.URL, Token: githubtest.DefaultToken, RetryWait: time.Millisecond}, github.WithCache(cache))
	if err != nil {
		t.Fatal(err)
	}
	col := &github.Collector{Client: c, Org: "acme"}
	first, err := col.Collect(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tamper := range []func(string) string{
		func(string) string { return "{}" },                         // a kept answer with nothing in it
		func(string) string { return `{"v": "not what was kept"}` }, // a value of another shape
		func(b string) string { return b[:len(b)/2] },               // cut short
	} {
		cache.tamper(tamper)
		before := c.Stats().NotModified
		for range 2 { // and the run after it
			again, err := col.Collect(context.Background(), now)
			if err != nil {
				t.Fatalf("after tampering: %v", err)
			}
			if !reflect.DeepEqual(byName(again), byName(first)) || len(again.Warnings) != len(first.Warnings) {
				t.Fatalf("after tampering the cache:\n%v\n%v\nwant the first run's facts:\n%v", byName(again), again.Warnings, byName(first))
			}
		}
		if c.Stats().NotModified == before {
			t.Error("the run after the full requests was not answered from the cache again")
		}
	}
	if !bytes.Contains([]byte(fmt.Sprint(cache.m)), []byte(`"v"`)) {
		t.Error("the cache holds no answers")
	}
}
