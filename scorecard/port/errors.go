package port

import (
	"errors"
	"fmt"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// Reason classifies a failed request, so that callers and logs can tell a
// mistake of ours (client error) from Port being busy or broken.
type Reason = httpclient.Reason

// Reasons, shared with the other API clients.
const (
	ClientError = httpclient.ClientError // 4xx other than 429: bad credentials, unknown blueprint, bad request
	RateLimited = httpclient.RateLimited // 429
	ServerError = httpclient.ServerError // 5xx
	Transport   = httpclient.Transport   // no HTTP answer: refused, reset, timeout, unreadable body
)

// Error is a request to Port that failed, after any retries. Failure holds
// the method, the path (without the query), the status (0 for transport
// errors), the Reason, the attempts and the underlying cause.
type Error struct {
	httpclient.Failure
	// Code and Message are Port's own: {"ok": false, "error": Code, "message": Message}.
	Code    string
	Message string

	// cut: the answer began but the connection failed before its end.
	cut bool
}

func (e *Error) Error() string {
	var detail string
	switch {
	case e.Code != "" && e.Message != "":
		detail = fmt.Sprintf(": %s: %s", e.Code, e.Message)
	case e.Message != "":
		detail = ": " + e.Message
	case e.Code != "":
		detail = ": " + e.Code
	}
	return e.Text(detail)
}

// AsError unwraps err into a *Error, if it is one.
func AsError(err error) (*Error, bool) {
	var pe *Error
	ok := errors.As(err, &pe)
	return pe, ok
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
