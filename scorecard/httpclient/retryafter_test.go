package httpclient

import (
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"  ", 0},
		{"0", 0},
		{"2", 2 * time.Second},
		{" 1.5 ", 1500 * time.Millisecond},
		{"-3", 0},
		{"NaN", 0},
		{"soon", 0},
		{"1e300", MaxRetryAfter}, // would overflow a Duration
		{"+Inf", MaxRetryAfter},
		{"Thu, 26 Nov 2026 09:00:30 GMT", 30 * time.Second},
		{"Thu, 26 Nov 2026 08:59:00 GMT", 0}, // in the past
		{"Mon, 01 Jan 2124 00:00:00 GMT", MaxRetryAfter},
	}
	for _, tt := range tests {
		if got := ParseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
