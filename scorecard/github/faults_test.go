package github_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/github/githubtest"
)

func basicOrg(srv *githubtest.Server, n int) {
	for i := range n {
		srv.AddRepo("acme", githubtest.Repo{Name: "svc-" + string(rune('a'+i)),
			Files:      map[string]string{"README.md": "hi", ".github/CODEOWNERS": "* @acme/team\n"},
			Protection: &githubtest.Protection{RequiredApprovals: 1},
			Pulls:      []githubtest.Pull{{Number: 1, CreatedAt: *at(3), UpdatedAt: *at(2), MergedAt: at(2)}},
		})
	}
}

// A missing permission is null and one warning naming what to grant; a 403
// on protection is not "unprotected".
func TestForbiddenIsNullWithOneWarning(t *testing.T) {
	cases := []struct {
		name, suffix, prop, grant string
	}{
		{"protection", "/protection", "required_approvals_for_pr", "Administration: read"},
		{"readme", "/readme", "readme", "Contents: read"},
		{"pulls", "/pulls", "freshness", "Pull requests: read"},
		{"codeowners", "/CODEOWNERS", "has_codeowners", "Contents: read"},
		{"rules", "/rules/branches/main", "required_approvals_for_pr", "Metadata: read"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := githubtest.NewServer()
			defer srv.Close()
			basicOrg(srv, 3)
			srv.Inject(emulator.Fault{Suffix: tc.suffix, Status: 403, Times: -1})
			f := collect(t, srv, &github.Collector{Client: newClient(t, srv), Org: "acme"})
			for _, r := range f.Records {
				if v, ok := r.Properties[tc.prop]; !ok || v != nil {
					t.Errorf("%s.%s = %v, want null", r.Identifier, tc.prop, v)
				}
			}
			if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], tc.grant) || !strings.Contains(f.Warnings[0], "3 repositories") {
				t.Errorf("warnings = %q; want one naming %q for 3 repositories", f.Warnings, tc.grant)
			}
		})
	}
}

// A personal token without admin rights is not sent to protection at all.
func TestProtectionSkippedWithoutAdmin(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	srv.AddRepo("acme", githubtest.Repo{Name: "a", NotAdmin: true, Protection: &githubtest.Protection{RequiredApprovals: 2},
		Rules: []githubtest.Rule{{Type: "pull_request", CodeOwnerReview: true}}})
	f := collect(t, srv, &github.Collector{Client: newClient(t, srv), Org: "acme"})
	p := f.Records[0].Properties
	if p["required_approvals_for_pr"] != nil || p["require_code_owner_review"] != true {
		t.Errorf("approvals %v, code owners %v; want null and true (the ruleset says so)", p["required_approvals_for_pr"], p["require_code_owner_review"])
	}
	if n := srv.CountPath("/protection"); n != 0 {
		t.Errorf("%d protection requests; want none", n)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "Administration: read") {
		t.Errorf("warnings %q", f.Warnings)
	}
}

func TestSecondaryLimitAnd5xxAreRetried(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	basicOrg(srv, 2)
	srv.Inject(emulator.Fault{Suffix: "/readme", Status: 403, Message: githubtest.SecondaryRateLimit, RetryAfter: "0"})
	srv.Inject(emulator.Fault{Suffix: "/pulls", Status: 429, Message: githubtest.SecondaryRateLimit}) // no retry-after: SecondaryWait
	srv.Inject(emulator.Fault{Suffix: "/rules/branches/main", Status: 502, Times: 2})
	f := collect(t, srv, &github.Collector{Client: newClient(t, srv), Org: "acme"})
	for _, r := range f.Records {
		if r.Properties["readme"] != "hi" || r.Properties["freshness"] != float64(2) || r.Properties["required_approvals_for_pr"] != float64(1) {
			t.Errorf("%s: %v", r.Identifier, r.Properties)
		}
	}
	if len(f.Warnings) != 0 {
		t.Errorf("warnings %q", f.Warnings)
	}
}

func TestPersistent5xxIsNullWithWarning(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	basicOrg(srv, 1)
	srv.Inject(emulator.Fault{Suffix: "/pulls", Status: 500, Times: -1})
	c, _ := github.New(github.Config{BaseURL: srv.URL, Token: githubtest.DefaultToken, Retries: 1, RetryWait: time.Millisecond})
	f := collect(t, srv, &github.Collector{Client: c, Org: "acme"})
	if f.Records[0].Properties["freshness"] != nil || f.Records[0].Properties["readme"] != "hi" {
		t.Errorf("%v", f.Records[0].Properties)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "HTTP 500") || !strings.Contains(f.Warnings[0], "/repos/acme/svc-a/pulls") {
		t.Errorf("warnings %q", f.Warnings)
	}
}

func TestCollectErrors(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	basicOrg(srv, 1)
	secret := "ghp_wrongTOKENwrongTOKENwrong0000"
	bad, _ := github.New(github.Config{BaseURL: srv.URL, Token: secret})
	_, err := (&github.Collector{Client: bad, Org: "acme"}).Collect(context.Background(), now)
	if err == nil || !strings.Contains(err.Error(), "github.Config.Token") || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "Bad credentials") {
		t.Errorf("bad token: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), secret) {
		t.Errorf("the error carries the token: %v", err)
	}
	_, err = (&github.Collector{Client: newClient(t, srv), Org: "nope"}).Collect(context.Background(), now)
	if err == nil || !strings.Contains(err.Error(), "github.Collector.Org") || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown org: %v", err)
	}
}

// No token in any error or log line, even when a proxy echoes it back.
func TestNoTokenInErrorsOrLogs(t *testing.T) {
	secret := githubtest.DefaultToken
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		w.Write([]byte("proxy error for " + r.Header.Get("Authorization")))
	})
	srv := httptestServer(t, echo)
	var logs bytes.Buffer
	c, _ := github.New(github.Config{BaseURL: srv, Token: secret, Retries: 1, RetryWait: time.Millisecond},
		github.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	_, err := (&github.Collector{Client: c, Org: "acme"}).Collect(context.Background(), now)
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
		t.Errorf("token leaked:\nerror: %v\nlogs: %s", err, logs.String())
	}
	if !strings.Contains(err.Error(), "[redacted]") || !strings.Contains(err.Error(), "GET /orgs/acme/repos") {
		t.Errorf("error %v", err)
	}
}

func TestRepoFilter(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	for _, n := range []string{"api-gateway", "api-users", "web", "tools"} {
		srv.AddRepo("acme", githubtest.Repo{Name: n})
	}
	filter, err := github.ParseRepos("api-*, acme/web,gone")
	if err != nil {
		t.Fatal(err)
	}
	f := collect(t, srv, &github.Collector{Client: newClient(t, srv), Org: "acme", Repos: filter})
	var names []string
	for _, r := range f.Records {
		names = append(names, r.Identifier)
	}
	if strings.Join(names, ",") != "api-gateway,api-users,web" {
		t.Errorf("records %v", names)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "gone") || !strings.Contains(f.Warnings[0], "github.Collector.Repos") {
		t.Errorf("warnings %q", f.Warnings)
	}
	for _, bad := range []string{"a/b/c", "[x", "acme/"} {
		if _, err := github.ParseRepos(bad); err == nil || !strings.Contains(err.Error(), "github.Collector.Repos") {
			t.Errorf("ParseRepos(%q) = %v", bad, err)
		}
	}
}

// The second run of an unchanged organisation asks conditionally and is
// answered 304, which costs no budget; the facts are the same.
func TestSecondRunIsConditional(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	basicOrg(srv, 5)
	srv.AddRepo("acme", githubtest.Repo{Name: "noowner", Teams: []githubtest.TeamAccess{{Slug: "x", Permission: "admin"}}, Protection: &githubtest.Protection{}})
	c := &github.Collector{Client: newClient(t, srv), Org: "acme"}
	first := collect(t, srv, c)
	firstN, _ := srv.Count()
	srv.ResetRequests()
	before := srv.RateRemaining()
	second := collect(t, srv, c)
	total, nm := srv.Count()
	if nm != total || total == 0 {
		t.Errorf("second run: %d requests, %d of them 304", total, nm)
	}
	if total >= firstN {
		t.Errorf("second run made %d requests, the first %d", total, firstN)
	}
	if srv.RateRemaining() != before {
		t.Errorf("304s spent budget: %d -> %d", before, srv.RateRemaining())
	}
	if len(first.Records) != len(second.Records) {
		t.Fatal("records differ")
	}
	for i := range first.Records {
		a, b := first.Records[i], second.Records[i]
		for k, v := range a.Properties {
			if fmtv(v) != fmtv(b.Properties[k]) {
				t.Errorf("%s.%s: %v then %v", a.Identifier, k, v, b.Properties[k])
			}
		}
		if strings.Join(a.Teams, ",") != strings.Join(b.Teams, ",") {
			t.Errorf("%s teams %v then %v", a.Identifier, a.Teams, b.Teams)
		}
	}
	// A push invalidates what the repository's content said.
	srv.UpdateRepo("acme", "svc-a", func(r *githubtest.Repo) {
		r.PushedAt = now
		r.Files["README.md"] = "new"
	})
	recs := byName(collect(t, srv, c))
	if recs["svc-a"].Properties["readme"] != "new" || recs["svc-b"].Properties["readme"] != "hi" {
		t.Errorf("after a push: %v / %v", recs["svc-a"].Properties["readme"], recs["svc-b"].Properties["readme"])
	}
}

// A repository renamed between runs: its facts come under the new name, with
// a warning; a request to the old name follows GitHub's 301.
func TestRenamedRepository(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	basicOrg(srv, 1)
	c := &github.Collector{Client: newClient(t, srv), Org: "acme"}
	collect(t, srv, c)
	srv.RenameRepo("acme", "svc-a", "payments")
	f := collect(t, srv, c)
	if f.Records[0].Identifier != "payments" || f.Records[0].Properties["repository"] != "acme/payments" || f.Records[0].Properties["readme"] != "hi" {
		t.Errorf("record %+v", f.Records[0])
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "acme/svc-a → acme/payments") {
		t.Errorf("warnings %q", f.Warnings)
	}
	// The old name, asked directly, is followed to the new one.
	cl := newClient(t, srv)
	text, err := cl.Readme(context.Background(), "acme", "svc-a")
	if err != nil || text == nil || *text != "hi" {
		t.Errorf("readme through the old name: %v %v", text, err)
	}
}

// The budget keeps a reserve: the client pauses until the reset, says so,
// and resumes.
func TestRatePauseAndResume(t *testing.T) {
	srv := githubtest.NewServer(githubtest.WithRateLimit(40, time.Hour))
	defer srv.Close()
	basicOrg(srv, 8)
	var mu sync.Mutex
	pauses := 0
	sleep := func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		pauses++
		mu.Unlock()
		if d <= 0 || d > time.Hour+2*time.Second {
			t.Errorf("pause of %s", d)
		}
		srv.ResetRate() // the hour passes
		return nil
	}
	var logs bytes.Buffer
	cl, _ := github.New(github.Config{BaseURL: srv.URL, Token: githubtest.DefaultToken, RateReserve: 5, MaxRateWait: 2 * time.Hour},
		github.WithSleep(sleep), github.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	var last github.Progress
	paused := 0
	f := collect(t, srv, &github.Collector{Client: cl, Org: "acme", Concurrency: 2, Progress: func(p github.Progress) {
		if !p.PausedUntil.IsZero() {
			paused++
			return
		}
		last = p
	}})
	if paused == 0 {
		t.Error("progress never said it paused")
	}
	if pauses == 0 || !strings.Contains(logs.String(), "pausing until it resets") {
		t.Errorf("%d pauses; logs %s", pauses, logs.String())
	}
	for _, r := range f.Records {
		if r.Properties["readme"] != "hi" || r.Properties["required_approvals_for_pr"] != float64(1) {
			t.Errorf("%s: %v", r.Identifier, r.Properties)
		}
	}
	if len(f.Warnings) != 0 {
		t.Errorf("warnings %q", f.Warnings)
	}
	if last.Done != 8 || last.Total != 8 || !last.Rate.Known || last.Rate.Limit != 40 {
		t.Errorf("last progress %+v", last)
	}
	for _, r := range srv.Requests() {
		if r.Status == 403 {
			t.Errorf("the budget was spent to zero: %s %s", r.Method, r.Path)
		}
	}
}

// When the reset is too far away, the facts read so far are used and the
// rest are null, with one warning; the run does not hang.
func TestBudgetRunsOutMidRun(t *testing.T) {
	srv := githubtest.NewServer(githubtest.WithRateLimit(30, time.Hour))
	defer srv.Close()
	basicOrg(srv, 10)
	cl, _ := github.New(github.Config{BaseURL: srv.URL, Token: githubtest.DefaultToken, RateReserve: 3, MaxRateWait: time.Minute},
		github.WithSleep(func(context.Context, time.Duration) error { t.Error("slept"); return nil }))
	f := collect(t, srv, &github.Collector{Client: cl, Org: "acme", Concurrency: 1})
	read, unread := 0, 0
	for _, r := range f.Records {
		if r.Properties["repository"] == nil {
			t.Errorf("list facts missing: %v", r.Properties)
		}
		if r.Properties["required_approvals_for_pr"] != nil {
			read++
		} else {
			unread++
		}
	}
	if read == 0 || unread == 0 {
		t.Errorf("%d read, %d unread; want both", read, unread)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "rate limit ran out") || !strings.Contains(f.Warnings[0], "resets at") {
		t.Errorf("warnings %q", f.Warnings)
	}
	if srv.RateRemaining() < 1 {
		t.Errorf("budget spent to %d", srv.RateRemaining())
	}
}

// GitHub says the budget is spent (another tool used it): pause until the
// reset, then go on.
func TestServerSaysBudgetSpent(t *testing.T) {
	srv := githubtest.NewServer()
	defer srv.Close()
	basicOrg(srv, 2)
	srv.SetRate(0, time.Now().Add(10*time.Minute))
	slept := 0
	cl, _ := github.New(github.Config{BaseURL: srv.URL, Token: githubtest.DefaultToken},
		github.WithSleep(func(context.Context, time.Duration) error { slept++; srv.ResetRate(); return nil }))
	f := collect(t, srv, &github.Collector{Client: cl, Org: "acme"})
	if slept == 0 || len(f.Records) != 2 || f.Records[0].Properties["readme"] != "hi" {
		t.Errorf("slept %d, records %v", slept, f.Records)
	}
	// A pause is bounded by the context.
	srv.SetRate(0, time.Now().Add(10*time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	cl2, _ := github.New(github.Config{BaseURL: srv.URL, Token: githubtest.DefaultToken},
		github.WithSleep(func(ctx context.Context, d time.Duration) error { cancel(); <-ctx.Done(); return ctx.Err() }))
	_, err := (&github.Collector{Client: cl2, Org: "acme"}).Collect(ctx, now)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want canceled", err)
	}
}

func testKey(t testing.TB) (*rsa.PrivateKey, []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// A GitHub App: JWT, installation token shared by concurrent callers,
// renewed before it expires and after GitHub refuses it.
func TestAppAuth(t *testing.T) {
	key, _ := testKey(t)
	clock := &fakeClock{t: time.Now()}
	srv := githubtest.NewServer(githubtest.WithClock(clock.Now), githubtest.WithApp(githubtest.App{ID: 42, Key: &key.PublicKey,
		Installations: map[int64]map[string]string{7: {"contents": "read", "pull_requests": "read", "metadata": "read", "administration": "read"}}}))
	defer srv.Close()
	basicOrg(srv, 12)
	cl, err := github.New(github.Config{BaseURL: srv.URL, App: &github.App{ID: 42, InstallationID: 7, Key: key}}, github.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	c := &github.Collector{Client: cl, Org: "acme", Concurrency: 8}
	f := collect(t, srv, c)
	if srv.TokensIssued() != 1 {
		t.Errorf("%d tokens for one run", srv.TokensIssued())
	}
	if f.Records[0].Properties["required_approvals_for_pr"] != float64(1) {
		t.Errorf("%v", f.Records[0].Properties)
	}
	clock.Add(56 * time.Minute) // within five minutes of expiry: renewed before use
	collect(t, srv, c)
	if srv.TokensIssued() != 2 {
		t.Errorf("%d tokens after the first neared expiry", srv.TokensIssued())
	}
	srv.ExpireInstallationTokens() // revoked early: one 401, one renewal
	collect(t, srv, c)
	if srv.TokensIssued() != 3 {
		t.Errorf("%d tokens after a revocation", srv.TokensIssued())
	}
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/repos/") && strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey") {
			t.Errorf("JWT sent to %s", r.Path)
		}
	}

	// Without Administration: read the App is not asked for protection.
	srv2 := githubtest.NewServer(githubtest.WithApp(githubtest.App{ID: 42, Key: &key.PublicKey,
		Installations: map[int64]map[string]string{7: {"contents": "read", "pull_requests": "read", "metadata": "read"}}}))
	defer srv2.Close()
	basicOrg(srv2, 2)
	cl2, _ := github.New(github.Config{BaseURL: srv2.URL, App: &github.App{ID: 42, InstallationID: 7, Key: key}})
	f2 := collect(t, srv2, &github.Collector{Client: cl2, Org: "acme"})
	if srv2.CountPath("/protection") != 0 || f2.Records[0].Properties["required_approvals_for_pr"] != nil || len(f2.Warnings) != 1 {
		t.Errorf("without administration: %d protection requests, %v, %q", srv2.CountPath("/protection"), f2.Records[0].Properties, f2.Warnings)
	}

	// Wrong installation, wrong key: errors that name the variables.
	other, _ := testKey(t)
	for _, tc := range []struct {
		app  github.App
		want string
	}{
		{github.App{ID: 42, InstallationID: 8, Key: key}, "github.Config.App.InstallationID"},
		{github.App{ID: 42, InstallationID: 7, Key: other}, "github.Config.App.Key"},
	} {
		cl, _ := github.New(github.Config{BaseURL: srv.URL, App: &tc.app})
		_, err := (&github.Collector{Client: cl, Org: "acme"}).Collect(context.Background(), now)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("app %d/%d: %v; want it to name %s", tc.app.ID, tc.app.InstallationID, err, tc.want)
		}
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// A limit smaller than the default reserve (a small Enterprise Server
// limit) pauses once per window, not forever.
func TestSmallLimitDefaultReserve(t *testing.T) {
	srv := githubtest.NewServer(githubtest.WithRateLimit(50, time.Hour))
	defer srv.Close()
	basicOrg(srv, 12)
	var mu sync.Mutex
	sleeps := 0
	cl, _ := github.New(github.Config{BaseURL: srv.URL, Token: githubtest.DefaultToken, MaxRateWait: 2 * time.Hour},
		github.WithSleep(func(context.Context, time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			sleeps++ // every waiting worker sleeps; the first one's reset serves all
			if sleeps > 3*8 {
				return errors.New("paused over and over")
			}
			srv.ResetRate()
			return nil
		}))
	f := collect(t, srv, &github.Collector{Client: cl, Org: "acme"})
	if sleeps == 0 || len(f.Warnings) != 0 || f.Records[11].Properties["readme"] != "hi" {
		t.Errorf("%d sleeps, warnings %q", sleeps, f.Warnings)
	}
}
