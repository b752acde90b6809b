package apierror

import (
	"context"
	"errors"
	"testing"
	"time"
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
