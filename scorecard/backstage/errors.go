package backstage

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Reason classifies a failed request.
type Reason int

// Reasons, as in package port.
const (
	ClientError Reason = iota + 1 // 4xx other than 429
	RateLimited                   // 429
	ServerError                   // 5xx
	Transport                     // no HTTP answer
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

// Error is a request to Backstage that failed, after any retries.
type Error struct {
	Method string // "GET"
	Path   string // "/api/catalog/entities/by-query", without the query
	Status int    // 0 for transport errors
	Reason Reason
	// Name and Message are Backstage's own: {"error": {"name", "message"}}.
	Name    string
	Message string
	// Hint says what to do about it (which variable to check).
	Hint     string
	Attempts int
	Err      error
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
	case e.Name != "" && e.Message != "":
		fmt.Fprintf(&b, ": %s: %s", e.Name, e.Message)
	case e.Message != "":
		fmt.Fprintf(&b, ": %s", e.Message)
	case e.Name != "":
		fmt.Fprintf(&b, ": %s", e.Name)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, ": %s", e.Hint)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether trying again later may succeed.
func (e *Error) Temporary() bool { return e.Reason != ClientError }

// AsError unwraps err into a *Error, if it is one.
func AsError(err error) (*Error, bool) {
	var be *Error
	ok := errors.As(err, &be)
	return be, ok
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
