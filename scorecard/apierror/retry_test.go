package apierror

import (
	"context"
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
