package port_test

import (
	"bytes"
	"context"
	"errors"
	"github.com/prodready/prodready/scorecard/emulator"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/httpclient"
	"github.com/prodready/prodready/scorecard/port"
	"github.com/prodready/prodready/scorecard/port/porttest"
)

// fakeClock is a clock tests move by hand.
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

func TestTokenIsCachedAndRenewedBeforeExpiry(t *testing.T) {
	clock := &fakeClock{t: now}
	srv := newEmulator(t, 3, now, porttest.WithTokenTTL(time.Hour), porttest.WithClock(clock.Now))
	c := port.New(testConfig(srv), port.WithClock(clock.Now))
	ctx := context.Background()
	for range 3 {
		if _, err := c.FetchTeams(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Fatalf("%d tokens for 3 requests; want 1 (cached)", n)
	}
	// 55 minutes into an hour-long token: within the renewal margin (6 min),
	// the client renews before Port would refuse it.
	clock.Add(55 * time.Minute)
	if _, err := c.FetchTeams(ctx); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokensIssued(); n != 2 {
		t.Fatalf("%d tokens; want a renewal before expiry", n)
	}
	for _, r := range srv.RequestsTo("GET", "/v1/teams") {
		if r.Status != 200 {
			t.Errorf("a request got %d: the token was used after its expiry", r.Status)
		}
	}
}

func TestTokenRenewedOnceAfter401(t *testing.T) {
	srv := newEmulator(t, 3, now)
	c := port.New(testConfig(srv))
	ctx := context.Background()
	if _, err := c.FetchTeams(ctx); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens() // Port dropped the token early (a newer one was issued elsewhere)
	if _, err := c.FetchTeams(ctx); err != nil {
		t.Fatalf("after an early expiry: %v", err)
	}
	if n := srv.TokensIssued(); n != 2 {
		t.Errorf("%d tokens; want one renewal", n)
	}
	// A token refused twice in a row is not renewed forever.
	srv.Inject(emulator.Fault{Path: "/v1/teams", ExpireToken: true, Times: 2})
	_, err := c.FetchTeams(ctx)
	pe, ok := port.AsError(err)
	if !ok || pe.Status != 401 || pe.Reason != httpclient.ClientError || !strings.Contains(err.Error(), "token_expired") || !strings.Contains(err.Error(), "refused a freshly issued token too") {
		t.Fatalf("error %v; want Port's 401", err)
	}
	if n := srv.TokensIssued(); n != 3 {
		t.Errorf("%d tokens; want exactly one more renewal", n)
	}
}

func TestConcurrentCallersShareOneRenewal(t *testing.T) {
	srv := newEmulator(t, 3, now)
	// A slow token endpoint makes the callers overlap.
	srv.Inject(emulator.Fault{Path: "/v1/auth/access_token", Delay: 200 * time.Millisecond})
	c := port.New(testConfig(srv))
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 20 {
		wg.Go(func() {
			if _, err := c.FetchTeams(context.Background()); err != nil {
				failed.Add(1)
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := srv.TokensIssued(); n != 1 {
		t.Errorf("%d tokens for 20 concurrent callers; want 1", n)
	}
	if n := len(srv.RequestsTo("POST", "/v1/auth/access_token")); n != 1 {
		t.Errorf("%d token requests; want 1", n)
	}
	// After a refusal, concurrent 401s still lead to one renewal.
	srv.ExpireTokens()
	for range 10 {
		wg.Go(func() {
			if _, err := c.FetchTeams(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := srv.TokensIssued(); n != 2 {
		t.Errorf("%d tokens after 10 concurrent 401s; want one renewal", n)
	}
}

// A caller that gives up does not cancel the renewal other callers wait for.
func TestRenewalOutlivesAnImpatientCaller(t *testing.T) {
	srv := newEmulator(t, 3, now)
	srv.Inject(emulator.Fault{Path: "/v1/auth/access_token", Delay: 300 * time.Millisecond})
	c := port.New(testConfig(srv))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := c.FetchTeams(context.Background()); done <- err }()
	if _, err := c.FetchTeams(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("impatient caller: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("patient caller: %v", err)
	}
}

func TestRetries(t *testing.T) {
	teams := "/v1/teams"
	cases := []struct {
		name     string
		faults   []emulator.Fault
		cfg      func(*port.Config)
		reason   httpclient.Reason // 0: success
		status   int
		attempts int // requests that reach the emulator
		msg      string
	}{
		{name: "429 then success", faults: []emulator.Fault{{Path: teams, Status: 429, RetryAfter: "0"}}, attempts: 2},
		{name: "503 twice then success", faults: []emulator.Fault{{Path: teams, Status: 503, Times: 2}}, attempts: 3},
		{name: "dropped connection then success", faults: []emulator.Fault{{Path: teams, Drop: true}}, attempts: 2},
		{name: "slow answer then success", faults: []emulator.Fault{{Path: teams, Delay: 3 * time.Second}},
			cfg: func(c *port.Config) { c.RequestTimeout = 200 * time.Millisecond }, attempts: 2},
		{name: "500 until the retries run out", faults: []emulator.Fault{{Path: teams, Status: 500, Times: -1}},
			reason: httpclient.ServerError, status: 500, attempts: 5, msg: "GET /v1/teams: HTTP 500 Internal Server Error (server error): internal_error: Internal server error (after 5 attempts)"},
		{name: "429 until the retries run out", faults: []emulator.Fault{{Path: teams, Status: 429, RetryAfter: "0", Times: -1}},
			reason: httpclient.RateLimited, status: 429, attempts: 5, msg: "HTTP 429 Too Many Requests (rate limited): rate_limit_exceeded"},
		{name: "Retry-After beyond the client's patience", faults: []emulator.Fault{{Path: teams, Status: 429, RetryAfter: "3600"}},
			reason: httpclient.RateLimited, status: 429, attempts: 1, msg: "Port asked to retry after 1h0m0s, longer than the 3s this client waits"},
		{name: "a 4xx is not retried", faults: []emulator.Fault{{Path: teams, Status: 400}},
			reason: httpclient.ClientError, status: 400, attempts: 1, msg: "HTTP 400 Bad Request (client error): bad_request"},
		{name: "dropped until the retries run out", faults: []emulator.Fault{{Path: teams, Drop: true, Times: -1}},
			reason: httpclient.Transport, attempts: 5, msg: "GET /v1/teams: transport error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newEmulator(t, 1, now)
			for _, f := range tc.faults {
				srv.Inject(f)
			}
			cfg := testConfig(srv)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			_, err := port.New(cfg).FetchTeams(context.Background())
			got := len(srv.RequestsTo("GET", teams))
			// Go's transport itself retries an idempotent request once when a
			// reused connection closes before any answer; those are not ours.
			if got != tc.attempts && !(tc.faults[0].Drop && got > tc.attempts && got <= 2*tc.attempts) {
				t.Errorf("%d requests reached Port; want %d", got, tc.attempts)
			}
			if tc.reason == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			pe, ok := port.AsError(err)
			if !ok {
				t.Fatalf("error %v is not a *port.Error", err)
			}
			if pe.Reason != tc.reason || pe.Status != tc.status || pe.Method != "GET" || pe.Path != teams || pe.Attempts != tc.attempts {
				t.Errorf("error %+v", pe)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

// Port down or hanging: a clear error, in bounded time.
func TestPortDownOrSlowFailsInBoundedTime(t *testing.T) {
	t.Run("down", func(t *testing.T) {
		srv := newEmulator(t, 1, now)
		cfg := testConfig(srv)
		srv.Close()
		start := time.Now()
		_, err := port.Source{Client: port.New(cfg)}.Load(context.Background(), now)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("took %s", took)
		}
		pe, ok := port.AsError(err)
		if !ok || pe.Reason != httpclient.Transport || !strings.Contains(err.Error(), "get an access token: POST /v1/auth/access_token: transport error") || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("hanging", func(t *testing.T) {
		srv := newEmulator(t, 1, now)
		srv.Inject(emulator.Fault{Path: "/v1/blueprints/service/scorecards", Delay: time.Minute, Times: -1})
		cfg := testConfig(srv)
		cfg.RequestTimeout = 300 * time.Millisecond
		cfg.RetryBudget = 1500 * time.Millisecond
		start := time.Now()
		_, err := port.Source{Client: port.New(cfg)}.Load(context.Background(), now)
		took := time.Since(start)
		if took > 3*time.Second {
			t.Errorf("took %s; the retry budget is 1.5 s", took)
		}
		if err == nil || !strings.Contains(err.Error(), `fetch scorecards of blueprint "service": GET /v1/blueprints/service/scorecards: transport error`) || !strings.Contains(err.Error(), "retry budget of 1.5s ran out") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		srv := newEmulator(t, 1, now)
		srv.Inject(emulator.Fault{Path: "/v1/blueprints/service/scorecards", Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := port.Source{Client: port.New(testConfig(srv))}.Load(ctx, now)
		if time.Since(start) > time.Second || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("after %s: %v", time.Since(start), err)
		}
	})
}

// Every error path, and the debug log, are scanned for the secret and the
// tokens. A hostile proxy that echoes what it gets shows that the client
// scrubs even what Port never sends.
func TestNoSecretOrTokenInAnyOutput(t *testing.T) {
	const secret = "s3cr3t-Zq9-do-not-print"
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var outputs []string
	var tokens []string
	collect := func(srv *porttest.Server) {
		for _, r := range srv.Requests() {
			if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
				tokens = append(tokens, tok)
			}
		}
	}
	run := func(name string, setup func(*porttest.Server, *port.Config), call func(*port.Client) error) {
		srv := porttest.NewServer(porttest.WithCredentials("client-1", secret))
		defer srv.Close()
		srv.SetEntities("service", fixtureEntities(5, now))
		srv.SetScorecards("service", []byte(fixtureScorecards))
		cfg := testConfig(srv)
		cfg.ClientID, cfg.ClientSecret = "client-1", secret
		cfg.RetryMaxWait = time.Second
		if setup != nil {
			setup(srv, &cfg)
		}
		c := port.New(cfg, port.WithLogger(logger))
		err := call(c)
		if err == nil {
			t.Errorf("%s: no error", name)
			return
		}
		outputs = append(outputs, name+": "+err.Error(), fmtAll(err))
		collect(srv)
	}
	load := func(c *port.Client) error {
		_, err := port.Source{Client: c}.Load(context.Background(), now)
		return err
	}
	teams := func(c *port.Client) error { _, err := c.FetchTeams(context.Background()); return err }
	run("bad secret", func(_ *porttest.Server, c *port.Config) { c.ClientSecret = secret + "-wrong" }, load)
	run("bad id", func(_ *porttest.Server, c *port.Config) { c.ClientID = "nobody" }, load)
	run("unknown blueprint", func(_ *porttest.Server, c *port.Config) { c.Blueprint = "nope" }, load)
	run("4xx", func(s *porttest.Server, _ *port.Config) { s.Inject(emulator.Fault{Path: "/v1/teams", Status: 403}) }, teams)
	run("5xx", func(s *porttest.Server, _ *port.Config) {
		s.Inject(emulator.Fault{Path: "/v1/teams", Status: 502, Times: -1})
	}, teams)
	run("429", func(s *porttest.Server, _ *port.Config) {
		s.Inject(emulator.Fault{Path: "/v1/teams", Status: 429, RetryAfter: "0", Times: -1})
	}, teams)
	run("long Retry-After", func(s *porttest.Server, _ *port.Config) {
		s.Inject(emulator.Fault{Path: "/v1/teams", Status: 429, RetryAfter: "120"})
	}, teams)
	run("dropped", func(s *porttest.Server, _ *port.Config) { s.Inject(emulator.Fault{Drop: true, Times: -1}) }, load)
	run("token endpoint dropped", func(s *porttest.Server, _ *port.Config) {
		s.Inject(emulator.Fault{Path: "/v1/auth/access_token", Drop: true, Times: -1})
	}, load)
	run("slow", func(s *porttest.Server, c *port.Config) {
		c.RequestTimeout, c.RetryBudget = 100*time.Millisecond, 400*time.Millisecond
		s.Inject(emulator.Fault{Path: "/v1/teams", Delay: time.Second, Times: -1})
	}, teams)
	run("expired token twice", func(s *porttest.Server, _ *port.Config) {
		s.Inject(emulator.Fault{Path: "/v1/teams", ExpireToken: true, Times: 2})
	}, teams)
	run("cancelled", nil, func(c *port.Client) error {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.FetchTeams(ctx)
		return err
	})
	run("no entities", func(s *porttest.Server, _ *port.Config) { s.SetEntities("service", nil) }, load)

	// A proxy that echoes the request, headers and body, in its error message.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		b.ReadFrom(r.Body)
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte(`{"ok": false, "error": "` + r.Header.Get("Authorization") + `", "message": ` + quoteJSON(b.String()) + `}`))
	}))
	defer echo.Close()
	c := port.New(port.Config{ClientID: "client-1", ClientSecret: secret, BaseURL: echo.URL, Retries: -1}, port.WithLogger(logger))
	_, err := c.FetchTeams(context.Background())
	if err == nil || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("echoing proxy: %v", err)
	}
	outputs = append(outputs, err.Error(), fmtAll(err))

	if len(tokens) == 0 {
		t.Fatal("no token was ever sent: the scan proves nothing")
	}
	all := strings.Join(outputs, "\n") + "\n" + logs.String()
	if !strings.Contains(logs.String(), "port request") {
		t.Error("the debug log is empty: the scan proves nothing")
	}
	if strings.Contains(all, secret) {
		t.Errorf("the client secret appears in the output:\n%s", all)
	}
	for _, tok := range tokens {
		if strings.Contains(all, tok) {
			t.Errorf("token %q… appears in the output", tok[:6])
		}
	}
	// The bad-credentials error is clear.
	if !strings.Contains(outputs[0], "get an access token (check port.Config.ClientID and port.Config.ClientSecret): POST /v1/auth/access_token: HTTP 401 Unauthorized (client error): unauthorized: Invalid client id or client secret") {
		t.Errorf("bad credentials: %s", outputs[0])
	}
}

func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// fmtAll renders an error with every verb a caller might log it with.
func fmtAll(err error) string {
	var b strings.Builder
	for e := err; e != nil; e = errors.Unwrap(e) {
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	if pe, ok := port.AsError(err); ok {
		b.WriteString(pe.Code + " " + pe.Message + "\n")
	}
	return b.String()
}

// lockedBuffer is a log sink safe for the renewals that outlive a call.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
