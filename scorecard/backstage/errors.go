package backstage

import (
	"github.com/prodready/prodready/scorecard/httpclient"
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
	s := e.Text(httpclient.Detail(e.Name, e.Message))
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// AsError unwraps err into a *Error, if it is one.
func AsError(err error) (*Error, bool) { return httpclient.As[*Error](err) }
