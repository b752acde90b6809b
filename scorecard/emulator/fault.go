package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fault is a misbehaviour to inject into the requests it matches. The
// same type serves every emulator: what a fault does to the answer's
// shape (the error body, the padding of a huge answer, an empty page) is
// the emulator's, through its Options.
type Fault struct {
	Method string // "" matches any method
	// Path matches the request path exactly, or, ending in "*", by
	// prefix; Suffix matches its end ("/protection"). Empty matches any.
	Path   string
	Suffix string
	// Query, in a URL's query syntax, matches requests whose first values
	// of these parameters are these: "filter=kind%3Duser". One that does not
	// parse matches no request.
	Query string
	Skip  int // let this many matching requests through first
	Times int // apply to this many requests (0 means 1, negative means forever)

	// Status answers with this status and the API's error body, whose
	// message is Message or, when empty, the API's own for the status.
	Status  int
	Message string
	// Body, with Status, is the answer's body as is, instead of the API's
	// error body.
	Body string
	// Header is sent with Status, "Name: value" lines; RetryAfter is its
	// Retry-After.
	Header     string
	RetryAfter string

	Delay time.Duration // wait this long before answering (a slow answer)
	Drop  bool          // close the connection without an answer
	// Truncate sends only the first Truncate bytes of the answer, with a
	// Content-Length for all of it, then drops the connection.
	Truncate int
	// ExpireToken makes the request's token expire just before the
	// emulator checks it, so that it gets the API's answer to an expired
	// token.
	ExpireToken bool
	// EmptyPage answers a listing with no items and a cursor it has never
	// sent before, as an API that pages forever would.
	EmptyPage bool
	// Huge answers 200 with a well-formed answer of this many bytes before
	// compression, padded out in one string field. It is written as a
	// stream, never held whole, and stops when the client hangs up.
	Huge int64
	// Bomb sends the Huge answer gzip-compressed at the best ratio, even to
	// a client that did not ask for gzip: a gzip bomb, a few hundred KB on
	// the wire per 100 MB inflated.
	Bomb bool
}

func (f *Fault) matches(r *http.Request) bool {
	if f.Method != "" && f.Method != r.Method {
		return false
	}
	if f.Suffix != "" && !strings.HasSuffix(r.URL.Path, f.Suffix) {
		return false
	}
	if f.Query != "" {
		q := r.URL.Query()
		wants, err := url.ParseQuery(f.Query)
		if err != nil {
			return false
		}
		for k, want := range wants {
			if got := q[k]; len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
				return false
			}
		}
	}
	switch {
	case f.Path == "":
		return true
	case strings.HasSuffix(f.Path, "*"):
		return strings.HasPrefix(r.URL.Path, strings.TrimSuffix(f.Path, "*"))
	default:
		return f.Path == r.URL.Path
	}
}

// Inject adds a fault. Faults apply in the order they were injected; the
// first that matches a request, after its Skip, is used.
func (b *Base) Inject(f Fault) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	b.faults = append(b.faults, &f)
}

// fault picks the fault for this request and uses up one of its times.
func (b *Base) fault(r *http.Request) *Fault {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, f := range b.faults {
		if !f.matches(r) {
			continue
		}
		if f.Skip > 0 {
			f.Skip--
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				b.faults = append(b.faults[:i:i], b.faults[i+1:]...)
			}
		}
		g := *f
		return &g
	}
	return nil
}

// writeStatus answers a Status fault: its headers, then its Body or the
// API's error.
func (b *Base) writeStatus(w http.ResponseWriter, r *http.Request, f *Fault) {
	for line := range strings.Lines(f.Header) {
		if k, v, ok := strings.Cut(line, ":"); ok {
			w.Header().Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Body != "" {
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	if b.opts.Fail == nil {
		http.Error(w, fmt.Sprintf("%s: %s", http.StatusText(f.Status), f.Message), f.Status)
		return
	}
	b.opts.Fail(w, r, f.Status, f.Message)
}

// faultNote is how the request log names a fault.
func faultNote(f *Fault) string {
	switch {
	case f.Huge > 0 && f.Bomb:
		return fmt.Sprintf("gzip bomb of %d bytes", f.Huge)
	case f.Huge > 0:
		return fmt.Sprintf("huge %d bytes", f.Huge)
	case f.EmptyPage:
		return "empty page"
	case f.Status != 0:
		return "status " + strconv.Itoa(f.Status)
	}
	return ""
}
