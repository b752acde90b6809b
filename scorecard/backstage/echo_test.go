package backstage_test

import (
	"io"
	"net/http"
	"strings"
)

// echoTransport answers 400 with the request's Authorization header in the
// body, as a careless proxy might.
type echoTransport struct{}

func (echoTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body := `{"error":{"name":"InputError","message":"bad header ` + r.Header.Get("Authorization") + `"},"response":{"statusCode":400}}`
	return &http.Response{StatusCode: 400, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}
