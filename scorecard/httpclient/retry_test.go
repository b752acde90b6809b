package httpclient

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-resty/resty/v2"
)

func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   bool
	}{
		{0, false}, {400, false}, {401, false}, {403, false}, {404, false},
		{429, true}, {500, true}, {502, true}, {503, true},
	} {
		if got := Retryable(tc.status); got != tc.want {
			t.Errorf("Retryable(%d) = %v, want %v", tc.status, got, tc.want)
		}
	}
}

func TestWaitRefused(t *testing.T) {
	short, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tc := range []struct {
		name        string
		ctx         context.Context
		wait, limit time.Duration
		want        string
	}{
		{"within the limit, no deadline", context.Background(), 5 * time.Second, 10 * time.Second, ""},
		{"no wait asked", short, 0, 10 * time.Second, ""},
		{"longer than the limit", context.Background(), 30 * time.Second, 10 * time.Second, ", longer than the 10s this client waits"},
		{"the limit wins over the deadline", short, 2 * time.Hour, time.Hour, ", longer than the 1h0m0s this client waits"},
		{"beyond the deadline", short, 10 * time.Minute, time.Hour, ", beyond the time left"},
		{"within the deadline", short, time.Second, time.Hour, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := WaitRefused(tc.ctx, tc.wait, tc.limit); got != tc.want {
				t.Errorf("WaitRefused(%s, %s) = %q, want %q", tc.wait, tc.limit, got, tc.want)
			}
		})
	}
}

func TestGaveUp(t *testing.T) {
	cause := errors.New("connection reset")
	live := context.Background()
	stopped, stop := context.WithCancelCause(context.Background())
	stop(errors.New("shutting down"))
	spent, cancel := context.WithTimeout(live, time.Nanosecond)
	defer cancel()
	<-spent.Done()
	for _, tc := range []struct {
		name      string
		ctx, bctx context.Context
		want      string
	}{
		{"neither ran out", live, live, "connection reset"},
		{"the caller gave up", stopped, stopped, "gave up: shutting down"},
		{"the budget ran out", live, spent, "gave up when the retry budget of 30s ran out: connection reset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := GaveUp(tc.ctx, tc.bctx, 30*time.Second, cause)
			if got.Error() != tc.want {
				t.Errorf("GaveUp = %q, want %q", got, tc.want)
			}
			if tc.ctx == live && !errors.Is(got, cause) {
				t.Errorf("GaveUp = %v, does not wrap the retries' error", got)
			}
		})
	}
}

func TestRetryAttrs(t *testing.T) {
	upper := func(s string) string { return strings.ToUpper(s) }
	answer := func(attempt, status int, retryAfter string) *resty.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &resty.Response{Request: &resty.Request{Method: "GET", URL: "https://api.example.com/v1/x?token=s", Attempt: attempt}, RawResponse: &http.Response{StatusCode: status, Header: h}}
	}
	cases := []struct {
		name  string
		resp  *resty.Response
		err   error
		extra []any
		want  []any // nil: not logged
	}{
		{"status, extra, Retry-After", answer(1, 503, "2"), nil, []any{"reason", "server error"},
			[]any{"method", "GET", "path", "/v1/x", "attempt", 1, "status", 503, "reason", "server error", "retry_after", "2"}},
		{"transport error, redacted; extra left out", answer(2, 0, ""), errors.New("dial: secret"), []any{"reason", "x"},
			[]any{"method", "GET", "path", "/v1/x", "attempt", 2, "error", "DIAL: SECRET"}},
		{"after the last attempt", answer(4, 503, ""), nil, nil, nil},
		{"no request", &resty.Response{}, nil, nil, nil},
		{"no answer", nil, errors.New("x"), nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := retryAttrs(tc.resp, tc.err, 3, upper, tc.extra...)
			if ok != (tc.want != nil) || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, %v; want %v", got, ok, tc.want)
			}
		})
	}
}
