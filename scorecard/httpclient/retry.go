package httpclient

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/go-resty/resty/v2"
)

// Retryable reports whether a failed answer with this status is worth
// another attempt: a rate limit or a server error. Another 4xx is our
// mistake and fails the same way again.
func Retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// WaitRefused says why a client will not wait as long as the server asked
// before retrying, as the end of a sentence that names the wait: ", longer
// than the <limit> this client waits", or ", beyond the time left" when the
// wait would outlast ctx's deadline (better a clear error now than a
// deadline after a pointless sleep). It is "" when the client may wait.
func WaitRefused(ctx context.Context, wait, limit time.Duration) string {
	if wait > limit {
		return fmt.Sprintf(", longer than the %s this client waits", limit)
	}
	if dl, ok := ctx.Deadline(); ok && wait > 0 && time.Until(dl) < wait {
		return ", beyond the time left"
	}
	return ""
}

// GaveUp is the cause to report for retries that ended in err: the cause of
// ctx when the caller gave up, the retry budget when bctx (ctx bounded by
// budget) ran out, err itself otherwise.
func GaveUp(ctx, bctx context.Context, budget time.Duration, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("gave up: %w", context.Cause(ctx))
	case bctx.Err() != nil:
		return fmt.Errorf("gave up when the retry budget of %s ran out: %w", budget, err)
	}
	return err
}

// retryAttrs are the log attributes of a failed attempt that resty is
// about to retry: the method, the path, the attempt, then the transport
// error (redacted), or the status, the service's own extra attributes and
// any Retry-After. ok is false after the last attempt: resty calls its
// retry hooks then too, and no retry follows.
func retryAttrs(resp *resty.Response, err error, retries int, redact func(string) string, extra ...any) (attrs []any, ok bool) {
	if resp == nil || resp.Request == nil || resp.Request.Attempt > max(retries, 0) {
		return nil, false
	}
	attrs = []any{"method", resp.Request.Method, "path", PathOf(resp.Request.URL), "attempt", resp.Request.Attempt}
	if err != nil {
		return append(attrs, "error", redact(err.Error())), true
	}
	attrs = append(append(attrs, "status", resp.StatusCode()), extra...)
	if ra := resp.Header().Get("Retry-After"); ra != "" {
		attrs = append(attrs, "retry_after", ra)
	}
	return attrs, true
}
