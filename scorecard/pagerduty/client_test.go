package pagerduty_test

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
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/httpclient"
	"github.com/prodready/prodready/scorecard/pagerduty"
	"github.com/prodready/prodready/scorecard/pagerduty/pagerdutytest"
)

func TestRetries(t *testing.T) {
	svcs := "/services"
	cases := []struct {
		name     string
		faults   []emulator.Fault
		cfg      func(*pagerduty.Config)
		reason   httpclient.Reason // 0: success
		status   int
		attempts int // requests that reach PagerDuty
		msg      string
	}{
		{name: "429 with Retry-After then success", faults: []emulator.Fault{{Path: svcs, Status: 429, RetryAfter: "0"}}, attempts: 2},
		{name: "503 twice then success", faults: []emulator.Fault{{Path: svcs, Status: 503, Times: 2}}, attempts: 3},
		{name: "dropped connection then success", faults: []emulator.Fault{{Path: svcs, Drop: true}}, attempts: 2},
		{name: "slow answer then success", faults: []emulator.Fault{{Path: svcs, Delay: 3 * time.Second}},
			cfg: func(c *pagerduty.Config) { c.RequestTimeout = 200 * time.Millisecond }, attempts: 2},
		{name: "500 until the retries run out", faults: []emulator.Fault{{Path: svcs, Status: 500, Times: -1}},
			reason: httpclient.ServerError, status: 500, attempts: 6,
			msg: "GET /services: HTTP 500 Internal Server Error (server error): PagerDuty error 2000: Internal Error (after 6 attempts)"},
		{name: "429 until the retries run out", faults: []emulator.Fault{{Path: svcs, Status: 429, RetryAfter: "0", Times: -1}},
			reason: httpclient.RateLimited, status: 429, attempts: 6, msg: "HTTP 429 Too Many Requests (rate limited): PagerDuty error 2020: Rate Limit Exceeded"},
		{name: "Retry-After beyond the client's patience", faults: []emulator.Fault{{Path: svcs, Status: 429, RetryAfter: "3600"}},
			reason: httpclient.RateLimited, status: 429, attempts: 1, msg: "PagerDuty asked to retry after 1h0m0s, longer than the 3s this client waits"},
		{name: "a 400 is not retried", faults: []emulator.Fault{{Path: svcs, Status: 400}},
			reason: httpclient.ClientError, status: 400, attempts: 1, msg: "HTTP 400 Bad Request (client error): PagerDuty error 2001: Invalid Input Provided"},
		{name: "a 401 is not retried", faults: []emulator.Fault{{Path: svcs, Status: 401}},
			reason: httpclient.ClientError, status: 401, attempts: 1, msg: "PagerDuty refused the API key (check pagerduty.Config.Token"},
		{name: "dropped until the retries run out", faults: []emulator.Fault{{Path: svcs, Drop: true, Times: -1}},
			reason: httpclient.Transport, attempts: 6, msg: "GET /services: transport error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := pagerdutytest.NewServer()
			defer srv.Close()
			srv.PutService(pagerdutytest.Service{ID: "P1", Name: "one"})
			for _, f := range tc.faults {
				srv.Inject(f)
			}
			cfg := testConfig(srv)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			page, err := pagerduty.New(cfg).Services(context.Background())
			got := srv.Count("GET", svcs)
			// Go's transport itself retries an idempotent request once when a
			// reused connection closes before any answer; those are not ours.
			if got != tc.attempts && !(tc.faults[0].Drop && got > tc.attempts && got <= 2*tc.attempts) {
				t.Errorf("%d requests reached PagerDuty; want %d", got, tc.attempts)
			}
			if tc.reason == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Items) != 1 {
					t.Errorf("%d services", len(page.Items))
				}
				return
			}
			pe, ok := pagerduty.AsError(err)
			if !ok {
				t.Fatalf("error %v is not a *pagerduty.Error", err)
			}
			if pe.Reason != tc.reason || pe.Status != tc.status || pe.Method != "GET" || pe.Path != svcs ||
				(pe.Attempts != tc.attempts && !tc.faults[0].Drop) {
				t.Errorf("error %+v", pe)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

// The emulator's own rate limit answers 429 with ratelimit-reset and no
// Retry-After, as PagerDuty does: the client waits for the window to end.
func TestRateLimitWindowIsWaitedOut(t *testing.T) {
	srv := pagerdutytest.NewServer(pagerdutytest.WithRateLimit(2, time.Second))
	defer srv.Close()
	for i := range 5 {
		srv.PutService(pagerdutytest.Service{ID: "P" + string(rune('A'+i)), Name: "svc " + string(rune('a'+i))})
	}
	cfg := testConfig(srv)
	cfg.PageSize = 1 // five pages, two requests a second
	start := time.Now()
	page, err := pagerduty.New(cfg).Services(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 5 {
		t.Errorf("%d services", len(page.Items))
	}
	limited := 0
	for _, r := range srv.Requests() {
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("the rate limit never applied: the test proves nothing")
	}
	// Five pages at two a second need two window ends; backoff alone
	// (a millisecond, doubling) would have given up long before.
	if took := time.Since(start); took < time.Second {
		t.Errorf("took %s: the client did not wait for ratelimit-reset", took)
	}
}

// PagerDuty down or hanging: a clear error, in bounded time.
func TestDownOrSlowFailsInBoundedTime(t *testing.T) {
	t.Run("down", func(t *testing.T) {
		srv := pagerdutytest.NewServer()
		cfg := testConfig(srv)
		cfg.Retries = 2
		srv.Close()
		start := time.Now()
		_, err := pagerduty.New(cfg).Services(context.Background())
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("took %s", took)
		}
		pe, ok := pagerduty.AsError(err)
		if !ok || pe.Reason != httpclient.Transport || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("hanging", func(t *testing.T) {
		srv := pagerdutytest.NewServer()
		defer srv.Close()
		srv.Inject(emulator.Fault{Path: "/services", Delay: time.Minute, Times: -1})
		cfg := testConfig(srv)
		cfg.RequestTimeout, cfg.RetryBudget = 300*time.Millisecond, 1500*time.Millisecond
		start := time.Now()
		_, err := pagerduty.New(cfg).Services(context.Background())
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("took %s; the retry budget is 1.5 s", took)
		}
		if err == nil || !strings.Contains(err.Error(), "GET /services: transport error") || !strings.Contains(err.Error(), "retry budget of 1.5s ran out") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		srv := pagerdutytest.NewServer()
		defer srv.Close()
		srv.Inject(emulator.Fault{Path: "/services", Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := pagerduty.Collector{Client: pagerduty.New(testConfig(srv))}.Collect(ctx, now)
		if time.Since(start) > time.Second || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("after %s: %v", time.Since(start), err)
		}
	})
}

// Every error path, and the debug log, are scanned for the key. A hostile
// proxy that echoes the request shows that the client scrubs even what
// PagerDuty never sends.
func TestNoTokenInAnyOutput(t *testing.T) {
	const key = "u+Zx-SECRET-key-do-not-print"
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var outputs []string
	run := func(name string, setup func(*pagerdutytest.Server, *pagerduty.Config)) {
		srv := pagerdutytest.NewServer(pagerdutytest.WithTokens(key))
		defer srv.Close()
		account(t, srv, 0)
		cfg := testConfig(srv)
		cfg.Token, cfg.RetryMaxWait = key, time.Second
		setup(srv, &cfg)
		_, err := pagerduty.Collector{Client: pagerduty.New(cfg, pagerduty.WithLogger(logger))}.Collect(context.Background(), now)
		if err == nil {
			t.Errorf("%s: no error", name)
			return
		}
		outputs = append(outputs, name+": "+fmtAll(err))
	}
	run("refused", func(_ *pagerdutytest.Server, c *pagerduty.Config) { c.Token = key + "-wrong" })
	run("403", func(s *pagerdutytest.Server, _ *pagerduty.Config) { s.Inject(emulator.Fault{Status: 403}) })
	run("5xx", func(s *pagerdutytest.Server, c *pagerduty.Config) {
		c.Retries = 2
		s.Inject(emulator.Fault{Status: 502, Times: -1})
	})
	run("429", func(s *pagerdutytest.Server, c *pagerduty.Config) {
		c.Retries = 2
		s.Inject(emulator.Fault{Status: 429, RetryAfter: "0", Times: -1})
	})
	run("long Retry-After", func(s *pagerdutytest.Server, _ *pagerduty.Config) {
		s.Inject(emulator.Fault{Status: 429, RetryAfter: "120"})
	})
	run("dropped", func(s *pagerdutytest.Server, c *pagerduty.Config) {
		c.Retries = 2
		s.Inject(emulator.Fault{Drop: true, Times: -1})
	})
	run("slow", func(s *pagerdutytest.Server, c *pagerduty.Config) {
		c.RequestTimeout, c.RetryBudget = 100*time.Millisecond, 400*time.Millisecond
		s.Inject(emulator.Fault{Delay: time.Second, Times: -1})
	})

	// A proxy that echoes the Authorization header in its error message.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte(`{"error": {"code": 2000, "message": "upstream refused ` + r.Header.Get("Authorization") + `", "errors": ["` + r.Header.Get("Authorization") + `"]}}`))
	}))
	defer echo.Close()
	c := pagerduty.New(pagerduty.Config{Token: key, BaseURL: echo.URL, Retries: -1}, pagerduty.WithLogger(logger))
	_, err := c.Services(context.Background())
	if err == nil || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("echoing proxy: %v", err)
	}
	outputs = append(outputs, fmtAll(err))

	all := strings.Join(outputs, "\n") + "\n" + logs.String()
	if !strings.Contains(logs.String(), "pagerduty request") {
		t.Error("the debug log is empty: the scan proves nothing")
	}
	if strings.Contains(all, key) {
		t.Errorf("the key appears in the output:\n%s", all)
	}
	if !strings.Contains(outputs[0], "check pagerduty.Config.Token") {
		t.Errorf("refused key: %s", outputs[0])
	}
	// Config's own renderings.
	cfg := pagerduty.Config{Token: key}
	var b bytes.Buffer
	slog.New(slog.NewTextHandler(&b, nil)).Info("config", "cfg", cfg)
	if s := cfg.String() + b.String(); strings.Contains(s, key) || !strings.Contains(s, "token set") {
		t.Errorf("config renders as %q", s)
	}
}

// fmtAll renders an error with every verb a caller might log it with.
func fmtAll(err error) string {
	var b strings.Builder
	for e := err; e != nil; e = errors.Unwrap(e) {
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	if pe, ok := pagerduty.AsError(err); ok {
		b.WriteString(pe.Message + " " + strings.Join(pe.Errors, " ") + "\n")
	}
	return b.String()
}

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
