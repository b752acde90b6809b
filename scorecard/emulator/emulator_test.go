package emulator_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/emulator"
)

// fake is the smallest emulator: GET /items answers a list of two, and
// the API's error body is {"error": message}.
type fake struct {
	*emulator.Base
	URL     string
	expired atomic.Int32
}

func newFake(t *testing.T, o emulator.Options) *fake {
	t.Helper()
	f := &fake{}
	if o.Fail == nil {
		o.Fail = func(w http.ResponseWriter, _ *http.Request, status int, msg string) {
			if msg == "" {
				msg = "fake " + http.StatusText(status)
			}
			emulator.WriteJSON(w, status, map[string]any{"error": msg})
		}
	}
	o.ExpireToken = func(*http.Request) { f.expired.Add(1) }
	f.Base = emulator.NewBase(o)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		emulator.CountItems(r, 2)
		emulator.WriteJSON(w, http.StatusOK, map[string]any{"items": []string{"a", "b"}})
	})
	mux.HandleFunc("GET /limited", func(w http.ResponseWriter, r *http.Request) {
		emulator.Note(r, "rate limit")
		emulator.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"error": "slow down"})
	})
	f.URL = f.Start(mux)
	t.Cleanup(f.Close)
	return f
}

type answer struct {
	status int
	header http.Header
	body   string
	err    error
}

func get(t *testing.T, url string, hdr ...string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}

func TestFaultMatching(t *testing.T) {
	cases := []struct {
		name  string
		fault emulator.Fault
		urls  []string
		want  []int
	}{
		{"any request, once", emulator.Fault{Status: 503}, []string{"/items", "/items"}, []int{503, 200}},
		{"exact path", emulator.Fault{Path: "/items", Status: 500, Times: -1}, []string{"/items?x=1", "/limited", "/items"}, []int{500, 429, 500}},
		{"path prefix", emulator.Fault{Path: "/it*", Status: 502}, []string{"/limited", "/items"}, []int{429, 502}},
		{"suffix", emulator.Fault{Suffix: "ems", Status: 502}, []string{"/items"}, []int{502}},
		{"method", emulator.Fault{Method: http.MethodPost, Status: 502}, []string{"/items"}, []int{200}},
		{"query", emulator.Fault{Query: "filter=kind=user", Status: 403, Times: 2}, []string{"/items?filter=kind=group", "/items?filter=kind=user&filter=x", "/items?filter=kind%3Duser", "/items?filter=kind=user"}, []int{200, 403, 403, 200}},
		{"skip then twice", emulator.Fault{Skip: 1, Times: 2, Status: 500}, []string{"/items", "/items", "/items", "/items"}, []int{200, 500, 500, 200}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, emulator.Options{})
			f.Inject(tc.fault)
			for i, u := range tc.urls {
				if a := get(t, f.URL+u); a.err != nil || a.status != tc.want[i] {
					t.Errorf("request %d (%s): %d %v, want %d", i+1, u, a.status, a.err, tc.want[i])
				}
			}
		})
	}
}

func TestStatusFaultAnswer(t *testing.T) {
	f := newFake(t, emulator.Options{})
	f.Inject(emulator.Fault{Status: 429, RetryAfter: "7", Header: "X-Why: testing\nX-Also: 2"})
	f.Inject(emulator.Fault{Status: 403, Message: "no access"})
	f.Inject(emulator.Fault{Status: 500, Body: "<html>oops</html>"})
	for i, want := range []string{`{"error":"fake Too Many Requests"}`, `{"error":"no access"}`, `<html>oops</html>`} {
		a := get(t, f.URL+"/items")
		if strings.TrimSpace(a.body) != want {
			t.Errorf("answer %d: %q, want %q", i+1, a.body, want)
		}
		if i == 0 && (a.header.Get("Retry-After") != "7" || a.header.Get("X-Why") != "testing" || a.header.Get("X-Also") != "2") {
			t.Errorf("headers %v", a.header)
		}
	}
	rs := f.Requests()
	if len(rs) != 3 || rs[0].Fault != "status 429" || rs[2].Status != 500 {
		t.Errorf("log %+v", rs)
	}
}

func TestConnectionFaults(t *testing.T) {
	f := newFake(t, emulator.Options{})
	f.Inject(emulator.Fault{Drop: true})
	if a := get(t, f.URL+"/items"); a.err == nil {
		t.Errorf("a dropped connection answered %d", a.status)
	}
	f.Inject(emulator.Fault{Truncate: 5})
	if a := get(t, f.URL+"/items"); a.err == nil || len(a.body) != 5 {
		t.Errorf("truncated answer: %q, %v", a.body, a.err)
	}
	rs := f.Requests()
	if len(rs) != 2 || rs[0].Fault != "drop" || rs[0].Status != 0 || rs[1].Fault != "truncate at 5 bytes" {
		t.Errorf("log %+v", rs)
	}
}

func TestDelayAndLatency(t *testing.T) {
	f := newFake(t, emulator.Options{})
	f.SetLatency(30 * time.Millisecond)
	f.Inject(emulator.Fault{Delay: 30 * time.Millisecond})
	start := time.Now()
	if a := get(t, f.URL+"/items"); a.status != 200 {
		t.Fatalf("status %d", a.status)
	}
	if took := time.Since(start); took < 60*time.Millisecond {
		t.Errorf("answered in %s, before latency and delay", took)
	}
	if rs := f.Requests(); rs[0].Fault != "delay 30ms" {
		t.Errorf("fault %q", rs[0].Fault)
	}

	// A client that hangs up during the delay is logged without an answer.
	f.SetLatency(0)
	f.Inject(emulator.Fault{Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.URL+"/items", nil)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.Total() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if rs := f.Requests(); len(rs) != 2 || rs[1].Status != 0 {
		t.Errorf("log %+v", rs)
	}
}

func TestHugeAndBomb(t *testing.T) {
	f := newFake(t, emulator.Options{HugeHead: `{"items":["`, HugeTail: `"]}`})
	f.Inject(emulator.Fault{Huge: 3 << 20})
	a := get(t, f.URL+"/items")
	if a.status != 200 || len(a.body) != 3<<20 || !strings.HasPrefix(a.body, `{"items":["xxx`) || !strings.HasSuffix(a.body, `xx"]}`) {
		t.Errorf("huge answer: %d, %d bytes", a.status, len(a.body))
	}
	f.Inject(emulator.Fault{Huge: 4 << 20, Bomb: true})
	a = get(t, f.URL+"/items", "Accept-Encoding", "identity")
	if a.header.Get("Content-Encoding") != "gzip" || len(a.body) > 64<<10 {
		t.Fatalf("bomb: %q, %d bytes on the wire", a.header.Get("Content-Encoding"), len(a.body))
	}
	zr, err := gzip.NewReader(strings.NewReader(a.body))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, zr)
	if err != nil || n != 4<<20 {
		t.Errorf("bomb inflates to %d bytes, %v", n, err)
	}
	rs := f.Requests()
	if rs[0].Fault != "huge 3145728 bytes" || rs[1].Fault != "gzip bomb of 4194304 bytes" || !rs[1].Gzip {
		t.Errorf("log %+v", rs)
	}
}

func TestTokenAndPageFaults(t *testing.T) {
	f := newFake(t, emulator.Options{Name: "faketest"})
	f.Inject(emulator.Fault{ExpireToken: true})
	f.Inject(emulator.Fault{EmptyPage: true})
	if a := get(t, f.URL+"/items"); a.status != 200 || f.expired.Load() != 1 {
		t.Errorf("expire token: %d, hook called %d times", a.status, f.expired.Load())
	}
	if a := get(t, f.URL+"/items"); a.status != 501 || !strings.Contains(a.body, "faketest") {
		t.Errorf("an empty page without the hook: %d %q", a.status, a.body)
	}
}

func TestRequestLog(t *testing.T) {
	f := newFake(t, emulator.Options{Gzip: true})
	f.SetRecordBodies(true)
	get(t, f.URL+"/items?a=1", "Accept-Encoding", "gzip")
	get(t, f.URL+"/limited")
	get(t, f.URL+"/nowhere")
	rs := f.Requests()
	if len(rs) != 3 {
		t.Fatalf("%d requests", len(rs))
	}
	if r := rs[0]; r.Query.Get("a") != "1" || !r.Gzip || r.Items != 2 || !bytes.Contains(r.Response, []byte(`"items"`)) || r.Answered.Before(r.Received) {
		t.Errorf("first %+v", r)
	}
	if rs[1].Fault != "rate limit" || rs[1].Status != 429 || rs[2].Status != 404 {
		t.Errorf("log %+v", rs)
	}
	if n := len(f.RequestsTo(http.MethodGet, "/items")); n != 1 {
		t.Errorf("RequestsTo: %d", n)
	}
	if f.Count("", "") != 3 || f.Count(http.MethodGet, "ited") != 1 || f.Count(http.MethodPost, "") != 0 {
		t.Errorf("Count: %d %d", f.Count("", ""), f.Count(http.MethodGet, "ited"))
	}
	f.SetRequestLog(false)
	get(t, f.URL+"/limited")
	if len(f.Requests()) != 3 || f.Total() != 4 || f.TotalWithStatus(429) != 2 {
		t.Errorf("without the log: %d logged, %d total, %d 429s", len(f.Requests()), f.Total(), f.TotalWithStatus(429))
	}
	f.ResetRequests()
	if len(f.Requests()) != 0 || f.Total() != 0 || f.TotalWithStatus(429) != 0 {
		t.Error("ResetRequests left counts")
	}
}

func TestFinish(t *testing.T) {
	f := newFake(t, emulator.Options{Finish: func(r *http.Request, h http.Header, status int, body []byte) (int, []byte) {
		h.Set("X-Seen", r.URL.Path)
		if r.Header.Get("If-None-Match") == "same" {
			return http.StatusNotModified, nil
		}
		return status, body
	}})
	if a := get(t, f.URL+"/items"); a.header.Get("X-Seen") != "/items" || a.status != 200 {
		t.Errorf("%d %v", a.status, a.header)
	}
	if a := get(t, f.URL+"/items", "If-None-Match", "same"); a.status != 304 || a.body != "" {
		t.Errorf("%d %q", a.status, a.body)
	}
	if f.TotalWithStatus(304) != 1 {
		t.Errorf("the 304 was not logged as one")
	}
}
