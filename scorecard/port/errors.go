package port

import (
	"fmt"

	"github.com/prodready/prodready/scorecard/httpclient"
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

func (e *Error) Error() string { return e.Text(httpclient.Detail(e.Code, e.Message)) }

// AsError unwraps err into a *Error, if it is one.
func AsError(err error) (*Error, bool) { return httpclient.As[*Error](err) }

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
	return fmt.Sprintf("%s %s: %s; stopped there (bound: port.Config.%s = %s)", e.Method, e.Path, e.What, e.Setting, e.Limit)
}
