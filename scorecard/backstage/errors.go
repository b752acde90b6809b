package backstage

import (
	"errors"
	"fmt"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// Reason classifies a failed request.
type Reason = httpclient.Reason

// Reasons, as in package port.
const (
	ClientError = httpclient.ClientError // 4xx other than 429
	RateLimited = httpclient.RateLimited // 429
	ServerError = httpclient.ServerError // 5xx
	Transport   = httpclient.Transport   // no HTTP answer
)

// Error is a request to Backstage that failed, after any retries. Failure
// holds the method, the path (without the query), the status (0 for
// transport errors), the Reason, the attempts and the underlying cause.
type Error struct {
	httpclient.Failure
	// Name and Message are Backstage's own: {"error": {"name", "message"}}.
	Name    string
	Message string
	// Hint says what to do about it (which variable to check).
	Hint string
}

func (e *Error) Error() string {
	var detail string
	switch {
	case e.Name != "" && e.Message != "":
		detail = fmt.Sprintf(": %s: %s", e.Name, e.Message)
	case e.Message != "":
		detail = ": " + e.Message
	case e.Name != "":
		detail = ": " + e.Name
	}
	s := e.Text(detail)
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// AsError unwraps err into a *Error, if it is one.
func AsError(err error) (*Error, bool) {
	var be *Error
	ok := errors.As(err, &be)
	return be, ok
}
