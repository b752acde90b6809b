package pagerduty

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Reason classifies a failed request, so that callers and logs can tell a
// mistake of ours (client error) from PagerDuty being busy or broken.
type Reason int

// Reasons, as in scorecard/port.
const (
	ClientError Reason = iota + 1 // 4xx other than 429: a refused key, a bad parameter
	RateLimited                   // 429
	ServerError                   // 5xx
	Transport                     // no HTTP answer: refused, reset, timeout, unreadable body
)

func (r Reason) String() string {
	switch r {
	case ClientError:
		return "client error"
	case RateLimited:
		return "rate limited"
	case ServerError:
		return "server error"
	case Transport:
		return "transport error"
	}
	return "unknown error"
}

// Error is a request to PagerDuty that failed, after any retries.
type Error struct {
	Method string // "GET"
	Path   string // "/oncalls", without the query
	Status int    // HTTP status; 0 for transport errors
	Reason Reason
	// Code, Message and Errors are PagerDuty's own:
	// {"error": {"code": 2006, "message": "...", "errors": ["..."]}}.
	Code    int
	Message string
	Errors  []string
	// Attempts made, retries included.
	Attempts int
	// Err is the underlying cause for transport errors and given-up retries.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d %s (%s)", e.Status, http.StatusText(e.Status), e.Reason)
	} else {
		b.WriteString(e.Reason.String())
	}
	switch {
	case e.Code != 0 && e.Message != "":
		fmt.Fprintf(&b, ": PagerDuty error %d: %s", e.Code, e.Message)
	case e.Message != "":
		fmt.Fprintf(&b, ": %s", e.Message)
	case e.Code != 0:
		fmt.Fprintf(&b, ": PagerDuty error %d", e.Code)
	}
	if len(e.Errors) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(e.Errors, "; "))
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether trying again later may succeed.
func (e *Error) Temporary() bool { return e.Reason != ClientError }

// AsError unwraps err into an *Error, if it is one.
func AsError(err error) (*Error, bool) {
	var pe *Error
	ok := errors.As(err, &pe)
	return pe, ok
}

func reasonOf(status int) Reason {
	switch {
	case status == http.StatusTooManyRequests:
		return RateLimited
	case status >= 500:
		return ServerError
	}
	return ClientError
}
