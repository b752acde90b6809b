package emulator

import (
	"math"
	"strconv"
	"sync"
	"time"
)

// Window is a rate limit: so many requests per key in a window that starts
// with a key's first request, then refills whole. Safe for concurrent use.
type Window struct {
	limit  int
	length time.Duration
	now    func() time.Time

	mu      sync.Mutex
	buckets map[string]*Quota
}

// Quota is a key's budget in its window.
type Quota struct {
	Limit, Remaining int
	Reset            time.Time // when the window ends, to the second
	now              time.Time
}

// Used is how many requests the window has had.
func (q Quota) Used() int { return q.Limit - q.Remaining }

// ResetIn is the whole seconds until the window ends, rounded up.
func (q Quota) ResetIn() int { return max(int(math.Ceil(q.Reset.Sub(q.now).Seconds())), 0) }

// RetryAfter is ResetIn as a Retry-After header's value.
func (q Quota) RetryAfter() string { return strconv.Itoa(q.ResetIn()) }

// NewWindow allows limit requests per key per length; now is the
// emulator's clock.
func NewWindow(limit int, length time.Duration, now func() time.Time) *Window {
	return &Window{limit: limit, length: length, now: now, buckets: map[string]*Quota{}}
}

// Limit is the window's limit.
func (w *Window) Limit() int { return w.limit }

// bucket is key's quota, refilled when its window has passed; w.mu held.
func (w *Window) bucket(key string) *Quota {
	now := w.now()
	q := w.buckets[key]
	if q == nil || !now.Before(q.Reset) {
		q = &Quota{Limit: w.limit, Remaining: w.limit, Reset: now.Add(w.length).Truncate(time.Second)}
		w.buckets[key] = q
	}
	q.now = now
	return q
}

// Peek is key's quota, spending nothing.
func (w *Window) Peek(key string) Quota {
	w.mu.Lock()
	defer w.mu.Unlock()
	return *w.bucket(key)
}

// Spend spends one request of key's budget, if any is left.
func (w *Window) Spend(key string) Quota {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.bucket(key)
	if q.Remaining > 0 {
		q.Remaining--
	}
	return *q
}

// Take spends one request of key's budget; false, spending nothing, when
// the budget is spent.
func (w *Window) Take(key string) (Quota, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.bucket(key)
	if q.Remaining <= 0 {
		return *q, false
	}
	q.Remaining--
	return *q, true
}

// Set sets key's budget left and when its window ends.
func (w *Window) Set(key string, remaining int, reset time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buckets[key] = &Quota{Limit: w.limit, Remaining: remaining, Reset: reset.Truncate(time.Second)}
}

// Refill starts a new window for key, with its whole budget.
func (w *Window) Refill(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.buckets, key)
	w.bucket(key)
}
