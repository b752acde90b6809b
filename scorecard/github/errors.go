package github

import (
	"errors"
	"fmt"
	"time"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// Error is a request to GitHub that failed, after any retries. Its text
// names the endpoint, the status and GitHub's own message, never a token.
// Failure holds the method, the path (without the query), the status (0 for
// transport errors), the Reason, the attempts and the underlying cause.
type Error struct {
	httpclient.Failure
	// Message and DocumentationURL are GitHub's own: {"message", "documentation_url"}.
	Message          string
	DocumentationURL string

	// primary: GitHub refused the request because the hour's budget is spent.
	primary bool
}

func (e *Error) Error() string {
	return e.Text(httpclient.Detail("", e.Message))
}

// AsError unwraps err into a *Error, if it is one.
func AsError(err error) (*Error, bool) { return httpclient.As[*Error](err) }

// AuthError is a failure to authenticate: credentials GitHub refused, or
// an installation token that could not be had. It wraps the request's
// *Error, but StatusOf does not see through it: a 404 for an installation
// says nothing about the repository asked for.
type AuthError struct {
	Msg string
	Err error
}

func (e *AuthError) Error() string { return e.Msg + ": " + e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// StatusOf is the HTTP status of a failed request, 0 when there was none
// or when authentication failed.
func StatusOf(err error) int {
	var ae *AuthError
	if errors.As(err, &ae) {
		return 0
	}
	if e, ok := AsError(err); ok {
		return e.Status
	}
	return 0
}

// BudgetError says the primary rate limit is spent (down to the reserve)
// and its reset is further away than the client may wait.
type BudgetError struct {
	// Resource is the budget spent: "" or "core" for the REST API, "search".
	Resource  string
	Remaining int
	Reset     time.Time
	// Wait is how long the client would have had to pause.
	Wait time.Duration
	// noWait: the request was not to wait at all (its caller falls back).
	noWait bool
}

func (e *BudgetError) Error() string {
	what := "rate limit"
	if e.Resource != "" && e.Resource != resourceCore {
		what = e.Resource + " rate limit"
	}
	why := "beyond the time this run may wait"
	if e.noWait {
		why = "and this request does not wait for it"
	}
	return fmt.Sprintf("GitHub's %s is spent (%d requests left, kept in reserve); it resets at %s, in %s, %s",
		what, e.Remaining, e.Reset.UTC().Format(time.RFC3339), e.Wait.Round(time.Second), why)
}

func reasonOf(status int, rateLimited bool) httpclient.Reason {
	if rateLimited {
		return httpclient.RateLimited // GitHub signals most of its rate limits with a 403
	}
	return httpclient.ReasonOf(status)
}
