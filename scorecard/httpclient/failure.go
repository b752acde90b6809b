// Package httpclient is what the API clients (Port, Backstage, GitHub,
// PagerDuty) share about talking HTTP: one resty setup, retries with
// backoff that honour Retry-After within a bounded budget, the rule that
// credentials go only to the origin the configuration names (redirects and
// links elsewhere are refused), a bound on every answer, log lines and
// errors with secrets redacted, the core of each client's Error, a guard
// against paging that never ends, and a hook through which every request
// is counted (Observer). Each client keeps only its own API: its paths, its
// error body, its authentication and its paging.
package httpclient

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Reason classifies a failed request, so that callers and logs can tell a
// mistake of ours (client error) from the service being busy or broken.
type Reason int

// Reasons, after Alertmanager's notify package.
const (
	ClientError Reason = iota + 1 // 4xx other than a rate limit: bad credentials, missing permission, bad request
	RateLimited                   // 429, or a rate limit the service signals otherwise
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

// ReasonOf classifies an HTTP answer that is not a success by its status.
func ReasonOf(status int) Reason {
	switch {
	case status == http.StatusTooManyRequests:
		return RateLimited
	case status >= 500:
		return ServerError
	}
	return ClientError
}

// Failure is what every client's Error says about a request that failed,
// after any retries.
type Failure struct {
	Method string // "GET"
	Path   string // "/api/catalog/entities/by-query", without the query
	Status int    // HTTP status; 0 for transport errors
	Reason Reason
	// Attempts made, retries included.
	Attempts int
	// Err is the underlying cause for transport errors and given-up retries.
	Err error

	// header and body are the failed answer's (the body's start), for the
	// client to read its service's own error shape from.
	header http.Header
	body   []byte
}

// Header is the failed answer's header; nil for transport errors.
func (f *Failure) Header() http.Header { return f.header }

// Body is the start of the failed answer's body (at most MaxErrorBody
// bytes), not redacted: a client reads its service's error shape from it
// and redacts what it shows.
func (f *Failure) Body() []byte { return f.body }

// Text is the failure's message with the service's own words, detail
// (already punctuated: ": code: message"), between the status and the
// cause: "GET /path: HTTP 503 Service Unavailable (server error)" + detail
// + ": cause (after 3 attempts)".
func (f *Failure) Text(detail string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", f.Method, f.Path)
	if f.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d %s (%s)", f.Status, http.StatusText(f.Status), f.Reason)
	} else {
		b.WriteString(f.Reason.String())
	}
	b.WriteString(detail)
	if f.Err != nil {
		fmt.Fprintf(&b, ": %v", f.Err)
	}
	if f.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", f.Attempts)
	}
	return b.String()
}

// Error is the failure's message without a service's own words; each
// client's Error, which embeds Failure, adds them.
func (f *Failure) Error() string { return f.Text("") }

// Unwrap is the underlying cause, so that errors.Is and As reach it
// through each client's Error.
func (f *Failure) Unwrap() error { return f.Err }

// Temporary reports whether trying again later may succeed.
func (f *Failure) Temporary() bool { return f.Reason != ClientError }

// PathOf is the path of a request's URL, for Failure.Path: without the
// query, which may carry a filter or a token; raw itself when it does not
// parse.
func PathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Path
}

// maxBodyStart bounds how much of an answer in no shape the client knows
// (a proxy's page, say) an error shows.
const maxBodyStart = 200

// BodyStart is the start of a failed answer that is not in the service's
// error shape, for the message of its Error: trimmed, at most 200 bytes and
// then "…"; "" for an empty body.
func BodyStart(body []byte) string {
	b := strings.TrimSpace(string(body))
	if len(b) > maxBodyStart {
		b = b[:maxBodyStart] + "…"
	}
	return b
}

// As unwraps err into a T (a client's *Error), if it is one.
func As[T error](err error) (T, bool) {
	var t T
	ok := errors.As(err, &t)
	return t, ok
}

// Detail is the service's own words for Failure.Text: ": code: message",
// or whichever of the two is there, or "".
func Detail(code, message string) string {
	switch {
	case code != "" && message != "":
		return ": " + code + ": " + message
	case message != "":
		return ": " + message
	case code != "":
		return ": " + code
	}
	return ""
}
