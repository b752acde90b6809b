package httpclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestReasonOf(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   Reason
		text   string
	}{
		{400, ClientError, "client error"},
		{401, ClientError, "client error"},
		{404, ClientError, "client error"},
		{428, ClientError, "client error"},
		{429, RateLimited, "rate limited"},
		{500, ServerError, "server error"},
		{503, ServerError, "server error"},
		{599, ServerError, "server error"},
	} {
		got := ReasonOf(tc.status)
		if got != tc.want || got.String() != tc.text {
			t.Errorf("ReasonOf(%d) = %v (%d), want %v (%d)", tc.status, got, got, tc.text, tc.want)
		}
	}
	if s := Transport.String(); s != "transport error" {
		t.Errorf("Transport.String() = %q", s)
	}
	if s := Reason(0).String(); s != "unknown error" {
		t.Errorf("Reason(0).String() = %q", s)
	}
}

func TestFailureText(t *testing.T) {
	cause := errors.New("connection reset by peer")
	for _, tc := range []struct {
		name   string
		f      Failure
		detail string
		want   string
	}{
		{"status, detail, one attempt",
			Failure{Method: "GET", Path: "/oncalls", Status: 401, Reason: ClientError, Attempts: 1},
			": PagerDuty error 2006: Authentication failed",
			"GET /oncalls: HTTP 401 Unauthorized (client error): PagerDuty error 2006: Authentication failed"},
		{"status, cause, attempts",
			Failure{Method: "POST", Path: "/v1/x", Status: 503, Reason: ServerError, Attempts: 3, Err: cause},
			"",
			"POST /v1/x: HTTP 503 Service Unavailable (server error): connection reset by peer (after 3 attempts)"},
		{"transport error",
			Failure{Method: "GET", Path: "/a", Reason: Transport, Attempts: 2, Err: cause},
			"",
			"GET /a: transport error: connection reset by peer (after 2 attempts)"},
		{"detail before cause",
			Failure{Method: "GET", Path: "/a", Status: 429, Reason: RateLimited, Err: cause},
			": slow down",
			"GET /a: HTTP 429 Too Many Requests (rate limited): slow down: connection reset by peer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.Text(tc.detail); got != tc.want {
				t.Errorf("Text(%q)\n got %q\nwant %q", tc.detail, got, tc.want)
			}
		})
	}
}

// A client's Error embeds Failure: errors.Is must reach the cause through
// it, and Temporary must tell a client error from the others.
type clientError struct {
	Failure
	Code string
}

func (e *clientError) Error() string { return e.Text(": " + e.Code) }

func TestFailureEmbedded(t *testing.T) {
	var err error = fmt.Errorf("loading: %w", &clientError{Failure: Failure{Method: "GET", Path: "/a", Reason: Transport, Err: context.DeadlineExceeded}, Code: "x"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, DeadlineExceeded) = false", err)
	}
	var ce *clientError
	if !errors.As(err, &ce) || !ce.Temporary() {
		t.Errorf("errors.As: %v, Temporary of a transport error should be true", ce)
	}
	ce.Reason = ClientError
	if ce.Temporary() {
		t.Error("Temporary of a client error should be false")
	}
}

func TestPathOf(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"https://api.getport.io/v1/blueprints/service/entities?limit=10", "/v1/blueprints/service/entities"},
		{"/oncalls?token=secret", "/oncalls"},
		{"https://example.com", ""},
		{"%zz", "%zz"}, // does not parse: shown as it is
	} {
		if got := PathOf(tc.raw); got != tc.want {
			t.Errorf("PathOf(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

func TestBodyStart(t *testing.T) {
	long := strings.Repeat("x", 250)
	for _, tc := range []struct{ name, body, want string }{
		{"empty", "", ""},
		{"blank", " \n\t", ""},
		{"trimmed", "  <html>Bad Gateway</html>\n", "<html>Bad Gateway</html>"},
		{"exactly the bound", long[:200], long[:200]},
		{"cut", long, long[:200] + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := BodyStart([]byte(tc.body)); got != tc.want {
				t.Errorf("BodyStart(%q) = %q, want %q", tc.body, got, tc.want)
			}
		})
	}
}
