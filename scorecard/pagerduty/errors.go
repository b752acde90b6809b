package pagerduty

import (
	"errors"
	"fmt"
	"strings"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// Reason classifies a failed request, so that callers and logs can tell a
// mistake of ours (client error) from PagerDuty being busy or broken.
type Reason = httpclient.Reason

// Reasons, as in scorecard/port.
const (
	ClientError = httpclient.ClientError // 4xx other than 429: a refused key, a bad parameter
	RateLimited = httpclient.RateLimited // 429
	ServerError = httpclient.ServerError // 5xx
	Transport   = httpclient.Transport   // no HTTP answer: refused, reset, timeout, unreadable body
)

// Error is a request to PagerDuty that failed, after any retries. Failure
// holds the method, the path (without the query), the status (0 for
// transport errors), the Reason, the attempts and the underlying cause.
type Error struct {
	httpclient.Failure
	// Code, Message and Errors are PagerDuty's own:
	// {"error": {"code": 2006, "message": "...", "errors": ["..."]}}.
	Code    int
	Message string
	Errors  []string
}

func (e *Error) Error() string {
	var detail string
	switch {
	case e.Code != 0 && e.Message != "":
		detail = fmt.Sprintf(": PagerDuty error %d: %s", e.Code, e.Message)
	case e.Message != "":
		detail = ": " + e.Message
	case e.Code != 0:
		detail = fmt.Sprintf(": PagerDuty error %d", e.Code)
	}
	if len(e.Errors) > 0 {
		detail += " (" + strings.Join(e.Errors, "; ") + ")"
	}
	return e.Text(detail)
}

// AsError unwraps err into an *Error, if it is one.
func AsError(err error) (*Error, bool) {
	var pe *Error
	ok := errors.As(err, &pe)
	return pe, ok
}
