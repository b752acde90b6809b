package githubtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/github/githubtest"
)

type answer struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, url string, hdr ...string) answer {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+githubtest.DefaultToken)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func TestEmulatorPaginationAndETags(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	for i := range 250 {
		srv.AddRepo("acme", githubtest.Repo{Name: fmt.Sprintf("r%03d", i)})
	}
	var names []string
	url := srv.URL + "/orgs/acme/repos?per_page=100"
	pages := 0
	for url != "" {
		a := get(t, url)
		if a.status != 200 {
			t.Fatalf("%s: %d %s", url, a.status, a.body)
		}
		var items []struct{ Name string }
		json.Unmarshal([]byte(a.body), &items)
		for _, it := range items {
			names = append(names, it.Name)
		}
		pages++
		url = ""
		for _, part := range strings.Split(a.header.Get("Link"), ",") {
			if strings.Contains(part, `rel="next"`) {
				url = strings.Trim(strings.TrimSpace(strings.Split(part, ";")[0]), "<>")
			}
		}
	}
	if pages != 3 || len(names) != 250 || names[0] != "r000" || names[249] != "r249" {
		t.Fatalf("%d pages, %d repos", pages, len(names))
	}
	// ETag: a match is a 304 without body that spends no budget.
	a := get(t, srv.URL+"/orgs/acme/repos")
	etag := a.header.Get("ETag")
	left := srv.RateRemaining()
	b := get(t, srv.URL+"/orgs/acme/repos", "If-None-Match", etag)
	if b.status != 304 || b.body != "" || srv.RateRemaining() != left {
		t.Errorf("conditional: %d %q, budget %d -> %d", b.status, b.body, left, srv.RateRemaining())
	}
	if b.header.Get("x-ratelimit-remaining") != strconv.Itoa(left) {
		t.Errorf("304 headers %v", b.header)
	}
	// A change changes the ETag.
	srv.UpdateRepo("acme", "r000", func(r *githubtest.Repo) { r.Topics = []string{"new"} })
	if c := get(t, srv.URL+"/orgs/acme/repos", "If-None-Match", etag); c.status != 200 {
		t.Errorf("after a change: %d", c.status)
	}
	if total, nm := srv.Count(); total != 6 || nm != 1 {
		t.Errorf("counted %d requests, %d 304s", total, nm)
	}
}

func TestEmulatorRateLimitAndFaults(t *testing.T) {
	srv := githubtest.NewServer(githubtest.WithRateLimit(3, time.Hour))
	defer srv.Close()
	srv.AddRepo("acme", githubtest.Repo{Name: "a", Files: map[string]string{"README.md": "x"}})
	for i := range 3 {
		if a := get(t, srv.URL+"/repos/acme/a/readme"); a.status != 200 || a.header.Get("x-ratelimit-remaining") != strconv.Itoa(2-i) {
			t.Fatalf("request %d: %d, remaining %s", i, a.status, a.header.Get("x-ratelimit-remaining"))
		}
	}
	a := get(t, srv.URL+"/repos/acme/a/readme")
	if a.status != 403 || !strings.Contains(a.body, "API rate limit exceeded") || a.header.Get("x-ratelimit-remaining") != "0" || a.header.Get("x-ratelimit-reset") == "" {
		t.Errorf("at zero: %d %s %v", a.status, a.body, a.header)
	}
	srv.ResetRate()

	srv.Inject(emulator.Fault{Suffix: "/readme", Status: 403, Message: githubtest.SecondaryRateLimit, RetryAfter: "7"})
	srv.Inject(emulator.Fault{Path: "/repos/acme/*", Status: 503, Skip: 1})
	srv.Inject(emulator.Fault{Suffix: "/protection", Status: 403, Times: -1})
	srv.Inject(emulator.Fault{Suffix: "/teams", Delay: 60 * time.Millisecond})
	if a := get(t, srv.URL+"/repos/acme/a/readme"); a.status != 403 || a.header.Get("Retry-After") != "7" || !strings.Contains(a.body, "secondary rate limit") {
		t.Errorf("secondary: %d %v %s", a.status, a.header, a.body)
	}
	if a := get(t, srv.URL+"/repos/acme/a/pulls"); a.status != 200 {
		t.Errorf("skipped fault: %d", a.status)
	}
	if a := get(t, srv.URL+"/repos/acme/a/pulls"); a.status != 503 {
		t.Errorf("503 fault: %d", a.status)
	}
	for range 2 {
		if a := get(t, srv.URL+"/repos/acme/a/branches/main/protection"); a.status != 403 || !strings.Contains(a.body, "Resource not accessible") {
			t.Errorf("permission fault: %d %s", a.status, a.body)
		}
	}
	start := time.Now()
	if a := get(t, srv.URL+"/repos/acme/a/teams"); a.status != 200 || time.Since(start) < 60*time.Millisecond {
		t.Errorf("delay: %d after %s", a.status, time.Since(start))
	}
	if a := get(t, srv.URL+"/repos/acme/a/branches/main/protection"); a.status != 403 {
		t.Errorf("forever fault: %d", a.status)
	}
}

func TestEmulatorErrorsAndRenames(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	srv.AddRepo("acme", githubtest.Repo{Name: "old", Files: map[string]string{"README.md": "x"}})
	srv.AddRepo("acme", githubtest.Repo{Name: "void", Empty: true})
	srv.AddRepo("acme", githubtest.Repo{Name: "open"})
	cases := []struct {
		path   string
		status int
		msg    string
	}{
		{"/orgs/nope/repos", 404, "Not Found"},
		{"/repos/acme/void/readme", 409, "This repository is empty."},
		{"/repos/acme/void/contents/CODEOWNERS", 409, "This repository is empty."},
		{"/repos/acme/open/readme", 404, "Not Found"},
		{"/repos/acme/open/branches/main/protection", 404, "Branch not protected"},
		{"/repos/acme/nope/readme", 404, "Not Found"},
		{"/repos/acme/open/pulls?state=weird", 422, "Validation Failed"},
	}
	for _, tc := range cases {
		a := get(t, srv.URL+tc.path)
		var e struct{ Message, Documentation_URL string }
		json.Unmarshal([]byte(a.body), &e)
		if a.status != tc.status || e.Message != tc.msg || e.Documentation_URL == "" {
			t.Errorf("%s: %d %s", tc.path, a.status, a.body)
		}
	}
	// Without a token: 401.
	resp, err := http.Get(srv.URL + "/orgs/acme/repos")
	if err != nil || resp.StatusCode != 401 {
		t.Errorf("no token: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	// A renamed repository: 301 to its id; following it gets the answer.
	srv.RenameRepo("acme", "old", "new")
	a := get(t, srv.URL+"/repos/acme/old/readme")
	loc := a.header.Get("Location")
	if a.status != 301 || !strings.Contains(loc, "/repositories/") || !strings.HasSuffix(loc, "/readme") {
		t.Fatalf("rename: %d %s", a.status, loc)
	}
	if b := get(t, loc); b.status != 200 || !strings.Contains(b.body, `"path":"README.md"`) {
		t.Errorf("following: %d %s", b.status, b.body)
	}
}
