package port_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/port"
)

// Issue 21 #1: Port's token exchange answered with a 307 to another host,
// or to another port of the same host, must not re-send the client id and
// secret there: the redirect is refused and the error says why.
func TestTokenExchangeDoesNotFollowRedirectElsewhere(t *testing.T) {
	const secret = "s3cret-not-for-elsewhere"
	var (
		mu   sync.Mutex
		got  []string // what the other origin received
		asks int      // token requests Port received
	)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+string(b)+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, "gotcha", http.StatusTeapot)
	}))
	defer other.Close()
	ou, _ := url.Parse(other.URL)
	for _, tc := range []struct{ name, to string }{
		{"another port of the same host", "http://127.0.0.1:" + ou.Port()},
		{"another host", "http://localhost:" + ou.Port()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			got, asks = nil, 0
			mu.Unlock()
			portSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				asks++
				mu.Unlock()
				http.Redirect(w, r, tc.to+r.URL.Path, http.StatusTemporaryRedirect)
			}))
			defer portSrv.Close()
			c := port.New(port.Config{ClientID: "id", ClientSecret: secret, BaseURL: portSrv.URL,
				RequestTimeout: 2 * time.Second, Retries: -1, RetryBudget: 5 * time.Second})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := c.FetchTeams(ctx)
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 0 {
				t.Errorf("the other origin received %q", got)
			}
			if asks == 0 {
				t.Error("Port's token endpoint was never asked")
			}
			if err == nil || !strings.Contains(err.Error(), "refusing to send credentials") {
				t.Errorf("error %v; want one that says the redirect was refused", err)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}
