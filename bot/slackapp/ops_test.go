package slackapp

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/metrics"
	"github.com/prodready/prodready/scorecard/demo"
)

// metricValue reads one sample from m's registry: the counter, gauge or
// histogram count whose labels include want. ok is false when none matches.
func metricValue(t *testing.T, m *metrics.Metrics, name string, want map[string]string) (float64, bool) {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, s := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue next
				}
			}
			return sampleValue(s), true
		}
	}
	return 0, false
}

func sampleValue(s *dto.Metric) float64 {
	switch {
	case s.Counter != nil:
		return s.Counter.GetValue()
	case s.Gauge != nil:
		return s.Gauge.GetValue()
	case s.Histogram != nil:
		return float64(s.Histogram.GetSampleCount())
	}
	return 0
}

type failingReady struct{ err error }

func (failingReady) Start(context.Context)         {}
func (failingReady) Stop(context.Context) error    { return nil }
func (f failingReady) Ready(context.Context) error { return f.err }

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

func TestHealthReadyMetrics(t *testing.T) {
	m := metrics.New()
	src := &gatedSource{gate: make(chan struct{})}
	dbDown := failingReady{}
	b, err := New(Config{Source: src, SigningSecret: "s", Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	h := b.Handler()
	if code, body := get(t, h, "/healthz"); code != http.StatusOK || !strings.Contains(body, "ok") {
		t.Fatalf("/healthz before any evaluation: %d %q, want 200: the process is up", code, body)
	}
	if code, body := get(t, h, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "no evaluation loaded yet") {
		t.Fatalf("/readyz before any evaluation: %d %q", code, body)
	}
	close(src.gate)
	if err := b.Holder().Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, h, "/readyz"); code != http.StatusOK || !strings.HasPrefix(body, "ready: evaluated ") {
		t.Fatalf("/readyz after an evaluation: %d %q", code, body)
	}
	dbDown.err = errors.New("history database does not answer: connection refused")
	b.AddCompanion(dbDown)
	if code, body := get(t, h, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "connection refused") {
		t.Fatalf("/readyz with the database down: %d %q", code, body)
	}

	src.mu.Lock()
	src.err = errors.New("catalog unreachable")
	src.mu.Unlock()
	if err := b.Holder().Refresh(context.Background()); err == nil {
		t.Fatal("refresh did not fail")
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"prodready_evaluations_total", map[string]string{"outcome": "ok"}, 1},
		{"prodready_evaluations_total", map[string]string{"outcome": "error"}, 1},
		{"prodready_evaluation_duration_seconds", nil, 2},
	} {
		if got, _ := metricValue(t, m, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// The failing rules per scorecard are those of the evaluation itself.
	want := failingPerScorecard(b.Holder().Current().Evaluation)
	total := 0
	for sc, n := range want {
		total += n
		if got, ok := metricValue(t, m, "prodready_failing_rules", map[string]string{"scorecard": sc}); !ok || got != float64(n) {
			t.Errorf("failing rules of %s: %v (present %v), want %d", sc, got, ok, n)
		}
	}
	if len(want) == 0 || total == 0 {
		t.Fatalf("the demo has failing rules; counted %v", want)
	}

	code, body := get(t, h, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, name := range []string{"prodready_evaluations_total", "prodready_failing_rules{scorecard=", "prodready_leader 0", "go_goroutines"} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	m.SetLeader(true)
	if _, body := get(t, h, "/metrics"); !strings.Contains(body, "prodready_leader 1") {
		t.Error("/metrics does not show the leadership")
	}
}

func TestMetricsPerProcess(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.SlackPost(metrics.PostSent)
	if v, _ := metricValue(t, b, "prodready_slack_posts_total", nil); v != 0 {
		t.Fatalf("two processes share a counter: %v", v)
	}
	var none *metrics.Metrics // every method is a no-op on nil
	none.SetLeader(true)
	none.JobRun("refresh", time.Now(), nil)
	none.SlackPost(metrics.PostSent)
	none.PortRequest(200, time.Second)
	none.ObserveEvaluation(time.Second, nil)
	if blockkit.SlackHTTPClient(none) != nil || none.PortTransport(nil) != http.DefaultTransport {
		t.Fatal("nil metrics wrap transports")
	}
}

func TestSlackPostOutcomes(t *testing.T) {
	var hijackNext bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/rate/"):
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		case strings.HasSuffix(r.URL.Path, "/boom"):
			w.WriteHeader(http.StatusInternalServerError)
		case strings.HasSuffix(r.URL.Path, "/drop") && hijackNext:
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
		case strings.Contains(r.URL.Path, "chat.postMessage") && r.URL.Query().Get("bad") != "":
			io.WriteString(w, `{"ok":false,"error":"channel_not_found"}`)
		case strings.Contains(r.URL.Path, "chat.postMessage"), strings.Contains(r.URL.Path, "conversations.open"):
			io.WriteString(w, `{"ok":true}`)
		default: // a response_url
			io.WriteString(w, `ok`)
		}
	}))
	defer srv.Close()
	m := metrics.New()
	hc := blockkit.SlackHTTPClient(m)
	hijackNext = true
	for _, p := range []string{
		"/api/chat.postMessage", "/api/chat.postMessage?bad=1", "/api/conversations.open",
		"/commands/T1/1/abc", "/rate/chat.postMessage", "/commands/boom", "/commands/drop", "/upload/v1/F123",
	} {
		resp, err := hc.Post(srv.URL+p, "application/json", strings.NewReader(`{}`))
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if p == "/api/chat.postMessage" && string(body) != `{"ok":true}` {
				t.Fatalf("the body read for the outcome is not given back: %q", body)
			}
		}
	}
	for outcome, want := range map[string]float64{metrics.PostSent: 2, metrics.PostClientError: 1, metrics.PostRateLimited: 1, metrics.PostServerError: 1, metrics.PostTransport: 1} {
		if got, _ := metricValue(t, m, "prodready_slack_posts_total", map[string]string{"outcome": outcome}); got != want {
			t.Errorf("slack posts %s = %v, want %v", outcome, got, want)
		}
	}
}

func TestPortTransportAndJobRuns(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(20 * time.Millisecond)
		}
		if r.URL.Path == "/limited" {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()
	m := metrics.New()
	hc := &http.Client{Transport: m.PortTransport(nil)}
	for _, p := range []string{"/a", "/slow", "/limited"} {
		resp, err := hc.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	if _, err := hc.Get(dead); err == nil {
		t.Fatal("a closed port answered")
	}
	for status, want := range map[string]float64{"200": 2, "429": 1, "0": 1} {
		if got, _ := metricValue(t, m, "prodready_port_requests_total", map[string]string{"status": status}); got != want {
			t.Errorf("port requests %s = %v, want %v", status, got, want)
		}
	}
	if got, _ := metricValue(t, m, "prodready_port_request_duration_seconds", map[string]string{"class": "2xx"}); got != 2 {
		t.Errorf("port latency samples for 2xx = %v, want 2", got)
	}

	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m.JobRun(jobs.Weekly, at, nil)
	m.JobRun(jobs.Weekly, at.Add(time.Hour), errors.New("slack down"))
	if got, _ := metricValue(t, m, "prodready_job_last_success_timestamp_seconds", map[string]string{"job": jobs.Weekly}); got != float64(at.Unix()) {
		t.Errorf("last success = %v, want %v (the failed run after it does not count)", got, at.Unix())
	}
	if got, _ := metricValue(t, m, "prodready_job_runs_total", map[string]string{"job": jobs.Weekly, "outcome": "error"}); got != 1 {
		t.Errorf("failed weekly runs = %v, want 1", got)
	}
}

func TestSocketModeServesOps(t *testing.T) {
	// The emulator refuses the token, so the bot stops; the ops listener
	// must have started and stopped with it without leaking.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(Config{Source: demo.Source{}, AppToken: "xapp-1-x", APIURL: "http://127.0.0.1:1/", Listener: ln, Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	url := "http://" + ln.Addr().String()
	deadline := time.Now().Add(5 * time.Second)
	var code int
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/metrics")
		if err == nil {
			code = resp.StatusCode
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmdCode := 0
	if resp, err := http.Post(url+CommandPath, "application/x-www-form-urlencoded", strings.NewReader("text=x")); err == nil {
		cmdCode = resp.StatusCode
		resp.Body.Close()
	}
	cancel()
	<-done
	if code != http.StatusOK {
		t.Fatalf("Socket Mode: /metrics answered %d", code)
	}
	if cmdCode != http.StatusNotFound {
		t.Errorf("Socket Mode: POST %s answered %d, want 404 (commands come over the socket)", CommandPath, cmdCode)
	}
}
