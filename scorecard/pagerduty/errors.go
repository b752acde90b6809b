package pagerduty

import (
	"fmt"
	"strings"

	"github.com/prodready/prodready/scorecard/httpclient"
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
	var code string
	if e.Code != 0 {
		code = fmt.Sprintf("PagerDuty error %d", e.Code)
	}
	detail := httpclient.Detail(code, e.Message)
	if len(e.Errors) > 0 {
		detail += " (" + strings.Join(e.Errors, "; ") + ")"
	}
	return e.Text(detail)
}

// AsError unwraps err into an *Error, if it is one.
func AsError(err error) (*Error, bool) { return httpclient.As[*Error](err) }
