package httpclient

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter is the longest wait ParseRetryAfter returns: beyond any
// client's patience (each compares it with its own limit), and far from
// Duration's range.
const MaxRetryAfter = 1_000_000 * time.Second

// ParseRetryAfter reads HTTP's Retry-After, delay-seconds ("120", "1.5") or
// an HTTP date, into how long to wait from now: 0 when the value is absent,
// malformed, negative or in the past (the caller then backs off on its
// own), at most MaxRetryAfter, so that a value no client would wait for
// cannot overflow a time.Duration.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || math.IsNaN(s) {
			return 0
		}
		if s >= MaxRetryAfter.Seconds() {
			return MaxRetryAfter
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, MaxRetryAfter)
		}
	}
	return 0
}
