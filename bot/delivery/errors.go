package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Reason classifies a delivery error, as Alertmanager's notifiers do.
type Reason string

// The reasons a delivery fails.
const (
	ReasonClient      Reason = "client error"  // our request or configuration: not retried
	ReasonRateLimited Reason = "rate limited"  // 429 still, after the client waited
	ReasonServer      Reason = "server error"  // the platform's side: retried with backoff
	ReasonCanceled    Reason = "canceled"      // the run was stopped
	ReasonNetwork     Reason = "network error" // retried with backoff
)

// Error is a failed delivery with its reason and the platform's error code.
// Notifiers return their errors as (or wrapping) an *Error.
type Error struct {
	Reason Reason
	Code   string // the platform's error code when it gave one ("channel_not_found")
	Err    error
}

func (e *Error) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s: %s", e.Reason, e.Code)
	}
	return fmt.Sprintf("%s: %v", e.Reason, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable says whether the retry stage should try again.
func (e *Error) Retryable() bool {
	return e.Reason == ReasonServer || e.Reason == ReasonNetwork
}

// ReasonOf is the reason of err: that of the *Error in its chain; for an
// error without one, ReasonCanceled when the context ended, otherwise
// ReasonNetwork (the message may have gone out).
func ReasonOf(err error) Reason {
	var de *Error
	switch {
	case errors.As(err, &de):
		return de.Reason
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return ReasonCanceled
	}
	return ReasonNetwork
}

// Retry retries what a platform client's own retries do not cover (its
// server errors, errors after its retries ran out) with backoff. Classify
// gives each error its reason.
type Retry struct {
	Attempts int
	Initial  time.Duration
	Max      time.Duration
	Classify func(error) *Error
}

// Do calls f until it succeeds, fails for a reason not retried, or the
// attempts run out; the error is classified.
func (r Retry) Do(ctx context.Context, f func() error) error {
	wait := r.Initial
	var err *Error
	for i := 0; i < max(r.Attempts, 1); i++ {
		if i > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return r.Classify(ctx.Err())
			case <-t.C:
			}
			wait = min(2*wait, r.Max)
		}
		err = r.Classify(f())
		if err != nil && err.Reason == ReasonCanceled && ctx.Err() == nil {
			// The HTTP client's own timeout, not the run's end.
			err = &Error{Reason: ReasonNetwork, Err: err.Err}
		}
		if err == nil || !err.Retryable() {
			break
		}
	}
	if err == nil {
		return nil
	}
	return err
}
