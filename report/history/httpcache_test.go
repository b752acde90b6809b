package history

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/github/githubtest"
)

var _ github.Cache = (*HTTPCache)(nil)

func TestHTTPCache(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		a, b := s.HTTPCache("github https://api.github.com"), s.HTTPCache("github https://ghe.example.com/api/v3")
		if _, _, ok, err := a.Get(ctx, "/orgs/acme/repos"); ok || err != nil {
			t.Fatalf("empty cache: ok %v, err %v", ok, err)
		}
		cases := []struct {
			key, etag string
			body      []byte
		}{
			{"/orgs/acme/repos", `W/"1"`, []byte(`[{"name":"api"}]`)},
			{"/orgs/acme/repos", `W/"2"`, []byte(`[{"name":"api"},{"name":"web"}]`)}, // replaced
			{"/repos/acme/empty/readme", `"3"`, nil},                                 // an empty answer
		}
		for _, c := range cases {
			if err := a.Put(ctx, c.key, c.etag, c.body); err != nil {
				t.Fatal(err)
			}
			etag, body, ok, err := a.Get(ctx, c.key)
			if err != nil || !ok || etag != c.etag || !bytes.Equal(body, c.body) {
				t.Errorf("%s: got %q %q %v %v; want %q %q", c.key, etag, body, ok, err, c.etag, c.body)
			}
		}
		if _, _, ok, _ := b.Get(ctx, "/orgs/acme/repos"); ok {
			t.Error("another namespace sees the entry")
		}
		if n, err := a.Len(ctx); err != nil || n != 2 {
			t.Errorf("Len = %d, %v; want 2", n, err)
		}
		// Another handle (a restart, another replica) reads what this one wrote.
		if _, body, ok, err := open(t, dsn).HTTPCache("github https://api.github.com").Get(ctx, "/orgs/acme/repos"); !ok || err != nil || len(body) == 0 {
			t.Errorf("reopened: %q %v %v", body, ok, err)
		}
		if n, err := s.PruneHTTPCache(ctx, time.Now().Add(time.Hour)); err != nil || n != 2 {
			t.Errorf("PruneHTTPCache = %d, %v; want 2", n, err)
		}
	})
}

// A second collection through a new client (a restart) whose cache is the
// database is answered 304 for what did not change.
func TestHTTPCacheServesGitHubCollector(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	for _, name := range []string{"api", "web", "tools"} {
		srv.AddRepo("acme", githubtest.Repo{Name: name, Files: map[string]string{"README.md": "# " + name, ".github/CODEOWNERS": "* @acme/payments\n"},
			Protection: &githubtest.Protection{RequiredApprovals: 1}})
	}
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		collect := func() (github.Stats, int) {
			s := open(t, dsn)
			client, err := github.New(github.Config{BaseURL: srv.URL, Token: githubtest.DefaultToken}, github.WithCache(s.HTTPCache("github "+srv.URL)))
			if err != nil {
				t.Fatal(err)
			}
			f, err := (&github.Collector{Client: client, Org: "acme"}).Collect(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			return client.Stats(), len(f.Records)
		}
		first, n1 := collect()
		second, n2 := collect()
		if n1 != 3 || n2 != 3 {
			t.Fatalf("records %d then %d; want 3", n1, n2)
		}
		if first.NotModified != 0 || second.NotModified == 0 || second.NotModified < second.Requests*9/10 {
			t.Errorf("first run %+v, second %+v: want the second answered 304 nearly throughout", first, second)
		}
	})
}
