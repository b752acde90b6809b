package httpclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a server that records what reaches it.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (rec *recorder) server(t *testing.T, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.got = append(rec.got, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization"))
		rec.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (rec *recorder) requests() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.got...)
}

type observations struct {
	mu  sync.Mutex
	got []string
}

func (o *observations) ObserveRequest(api, method string, status int, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, api+" "+method+" "+http.StatusText(status))
}

// Issue 21 #1: no credential follows a redirect to another host or to
// another port of the same host; a redirect within the origin is followed.
func TestRedirectsStayOnTheOrigin(t *testing.T) {
	var other recorder
	elsewhere := other.server(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	eu, _ := url.Parse(elsewhere.URL)
	for _, tc := range []struct {
		name, to string
		follow   bool
	}{
		{"the same origin", "", true},
		{"another port of the same host", "http://127.0.0.1:" + eu.Port() + "/x", false},
		{"another host", "http://localhost:" + eu.Port() + "/x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other.mu.Lock()
			other.got = nil
			other.mu.Unlock()
			var home recorder
			srv := home.server(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/moved" {
					w.WriteHeader(http.StatusOK)
					return
				}
				to := tc.to
				if to == "" {
					to = "/moved"
				}
				http.Redirect(w, r, to, http.StatusTemporaryRedirect)
			})
			var obs observations
			c := New(Config{API: "test", Service: "Test", BaseURL: srv.URL, BaseField: "test.Config.BaseURL", Patience: Patience{Timeout: time.Second, Retries: 2, RetryBudget: 5 * time.Second},
				Secrets: func() []string { return []string{"tok-secret"} }}, Settings{Observer: &obs})
			resp, err := c.Do(context.Background(), Request{Method: http.MethodPost, URL: "/start", Body: []byte(`{"secret":"tok-secret"}`), Auth: "Bearer tok-secret"})
			if got := other.requests(); len(got) != 0 {
				t.Errorf("the other origin received %q", got)
			}
			if tc.follow {
				if err != nil || resp.Status != http.StatusOK {
					t.Fatalf("%v, %v; want the redirect within the origin followed", resp, err)
				}
				if got := home.requests(); len(got) != 2 || got[1] != "POST /moved auth=Bearer tok-secret" {
					t.Errorf("requests %q", got)
				}
				return
			}
			var off *OffOriginError
			if !errors.As(err, &off) || !strings.Contains(err.Error(), "refusing to send credentials") || strings.Contains(err.Error(), "tok-secret") {
				t.Fatalf("error %v; want an *OffOriginError without the secret", err)
			}
			if got := home.requests(); len(got) != 1 {
				t.Errorf("requests %q; a refused redirect is not retried", got)
			}
			if len(obs.got) != 1 || obs.got[0] != "test POST Temporary Redirect" {
				t.Errorf("observed %q", obs.got)
			}
		})
	}
}

// A link to another origin is refused before anything is sent; a path or
// a URL on the origin passes.
func TestCheckURL(t *testing.T) {
	c := New(Config{BaseURL: "https://api.example.com/v3", BaseField: "x.Config.BaseURL"}, Settings{})
	for _, tc := range []struct {
		raw string
		ok  bool
	}{
		{"/repos/a/b", true},
		{"https://api.example.com/v3/orgs/x/repos?page=2", true},
		{"https://API.example.com:443/v3/x", true},
		{"https://api.example.com:8443/v3/x", false},
		{"http://api.example.com/v3/x", false},
		{"https://evil.example.net/v3/x", false},
		{"https://api.example.com.evil.net/x", false},
	} {
		_, err := c.CheckURL("the next page", tc.raw)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q) = %v; want ok %v", tc.raw, err, tc.ok)
		}
	}
	bad := New(Config{BaseURL: "::", BaseField: "x.Config.BaseURL"}, Settings{})
	if _, err := bad.CheckURL("the next page", "https://a.example/"); err == nil || !strings.Contains(err.Error(), "x.Config.BaseURL") {
		t.Errorf("with a BaseURL that is not a URL: %v; want an error naming the field", err)
	}
}

// Every attempt reaches the observer, with its status, retries included.
func TestObserverSeesEveryAttempt(t *testing.T) {
	var home recorder
	n := 0
	srv := home.server(t, func(w http.ResponseWriter, _ *http.Request) {
		n++
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	var obs observations
	c := New(Config{API: "pd", BaseURL: srv.URL, Patience: Patience{Timeout: time.Second, Retries: 2, RetryWait: time.Millisecond, RetryMaxWait: time.Second, RetryBudget: 5 * time.Second}}, Settings{Observer: &obs})
	resp, err := c.Do(context.Background(), Request{Method: http.MethodGet, URL: "/x"})
	if err != nil || resp.Attempts != 2 {
		t.Fatalf("%v, %v", resp, err)
	}
	if want := []string{"pd GET Service Unavailable", "pd GET OK"}; strings.Join(obs.got, "|") != strings.Join(want, "|") {
		t.Errorf("observed %q, want %q", obs.got, want)
	}
}
