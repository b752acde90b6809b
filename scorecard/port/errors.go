package port

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Reason classifies a failed request, so that callers and logs can tell a
// mistake of ours (client error) from Port being busy or broken.
type Reason int

// Reasons, after Alertmanager's notify package.
const (
	ClientError Reason = iota + 1 // 4xx other than 429: bad credentials, unknown blueprint, bad request
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

// Error is a request to Port that failed, after any retries.
type Error struct {
	Method string // "POST"
	Path   string // "/v1/blueprints/service/entities/search", without the query
	Status int    // HTTP status; 0 for transport errors
	Reason Reason
	// Code and Message are Port's own: {"ok": false, "error": Code, "message": Message}.
	Code    string
	Message string
	// Attempts made, retries included.
	Attempts int
	// Err is the underlying cause for transport errors (context deadline, reset...).
	Err error

	// cut: the answer began but the connection failed before its end.
	cut bool
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
	case e.Code != "" && e.Message != "":
		fmt.Fprintf(&b, ": %s: %s", e.Code, e.Message)
	case e.Message != "":
		fmt.Fprintf(&b, ": %s", e.Message)
	case e.Code != "":
		fmt.Fprintf(&b, ": %s", e.Code)
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

// AsError unwraps err into a *Error, if it is one.
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

// LimitError is an answer from Port that broke one of the client's bounds
// (Config.MaxPageBytes, MaxPages, MaxEmptyPages or MaxFetchTime). It is not
// retried: asking again would break it again.
type LimitError struct {
	Method string // "POST"
	Path   string // "/v1/blueprints/service/entities/search"
	// Setting is the Config field that holds the bound: "MaxPageBytes".
	Setting string
	// Limit is the bound, for people: "64 MiB", "3 pages".
	Limit string
	// What says what Port did: "the answer is larger than 64 MiB after
	// decompression".
	What string
}

func (e *LimitError) Error() string {
	s := fmt.Sprintf("%s %s: %s; stopped there (bound: port.Config.%s = %s", e.Method, e.Path, e.What, e.Setting, e.Limit)
	if env := envOf(e.Setting); env != "" {
		s += ", set by " + env
	}
	return s + ")"
}
