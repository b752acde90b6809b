// Package emulator is the kit the HTTP emulators of the sources' APIs are
// built on (porttest, backstagetest, githubtest, pagerdutytest): what every
// emulator does whatever its API — faults injected on demand, a log of
// every request and its answer, latency, tokens and their expiry, a
// rate-limit window — so that an emulator holds only its API.
//
// To build an emulator for a new API, as net/http/httptest is for HTTP:
//
//   - Hold the API's state behind a Go API (AddRepo, PutService, SetEntities),
//     safe for concurrent use, and serve it through a thin http.Handler: one
//     method per endpoint on a Server type, routed by an http.ServeMux, that
//     answers the API's shapes and its real error codes.
//   - Embed *Base in the Server, made by NewBase with the API's Options:
//     Fail writes the API's error body (a Status fault's answer), Finish
//     adds what every answer carries (rate-limit headers, ETags), Huge and
//     EmptyPage shape those faults' answers. Base brings Inject,
//     Requests, RequestsTo, Count, ResetRequests and SetLatency.
//   - Serve the handler with Base.Start (it wraps it in Base.Wrap), the
//     handler being the mux wrapped in the API's checks: a token check with Tokens and
//     Credential (scopes are a token's grants), a rate limit with Window
//     (its Quota gives the remaining/reset headers and Retry-After, each API
//     sending them under its own names), in the order the API applies them.
//     Faults come first, as a proxy's or a load balancer's would.
//   - Check the answers against the API's description with the
//     emulator/openapi package, from a contract test that records bodies
//     (SetRecordBodies) and skips with a message where ../shared is absent.
//
// scorecard/pagerduty/pagerdutytest is the smallest complete example.
package emulator

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxRequestBody is how much of a request's body the log keeps.
const maxRequestBody = 2 << 20

// Options are what an emulator's API adds to the kit. All may be nil.
type Options struct {
	// Fail writes the API's error answer for a Status fault; message is
	// the fault's Message, "" meaning the API's own for status.
	Fail func(w http.ResponseWriter, r *http.Request, status int, message string)
	// Finish sees every answer before it is recorded and sent, to set the
	// headers every answer carries and to turn it into another (an ETag
	// match into a 304). For a streamed answer (a Huge fault) body is nil
	// and what Finish returns is not used.
	Finish func(r *http.Request, h http.Header, status int, body []byte) (int, []byte)
	// EmptyPage answers an EmptyPage fault; without it the fault answers
	// 501, naming the emulator that cannot page forever.
	EmptyPage http.HandlerFunc
	// HugeHead and HugeTail wrap the padding of a Huge fault's answer: the
	// head ends inside a JSON string that the tail closes.
	HugeHead, HugeTail string
	// ExpireToken makes the request's token expire, for an ExpireToken fault.
	ExpireToken func(r *http.Request)
	// Gzip compresses answers for clients that accept gzip.
	Gzip bool
	// Name names the emulator in its own complaints ("porttest").
	Name string
}

// Request is one request an emulator received, and what it answered.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	Status int  // 0 when the connection was dropped or the client hung up
	Gzip   bool // the answer was gzip-compressed
	// Response is the answer's body, uncompressed, when SetRecordBodies is on.
	Response []byte
	// Fault is what was done to the answer, if anything: "status 429",
	// "delay 2s", "drop", "expire token", "rate limit".
	Fault string
	// Items is how many items the answer's page held, where the emulator
	// counts them.
	Items int
	// Received and Answered are when the request arrived and its answer
	// started.
	Received, Answered time.Time
}

// Base is what every emulator shares; embed it in the emulator's Server.
// Its methods are safe for concurrent use.
type Base struct {
	opts Options
	srv  *httptest.Server

	mu           sync.Mutex
	faults       []*Fault
	latency      time.Duration
	recordBodies bool
	noLog        bool
	requests     []Request
	total        int
	byStatus     map[int]int
}

// NewBase makes the kit of one emulator.
func NewBase(o Options) *Base {
	return &Base{opts: o, byStatus: map[int]int{}}
}

// Start serves handler, wrapped by Wrap, on 127.0.0.1 and returns its
// URL. Close it when done.
func (b *Base) Start(handler http.Handler) string {
	b.srv = httptest.NewServer(b.Wrap(handler))
	return b.srv.URL
}

// Close shuts the emulator down, its connections first.
func (b *Base) Close() {
	b.srv.CloseClientConnections()
	b.srv.Close()
}

// WriteJSON answers status with v as JSON, HTML unescaped as APIs send it.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // the emulator's own data must encode
	}
}

// SetLatency delays every answer by d, as a distant API does.
func (b *Base) SetLatency(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.latency = d
}

// SetRecordBodies keeps every answer's body in Requests (contract tests;
// costly with large answers).
func (b *Base) SetRecordBodies(on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.recordBodies = on
}

// SetRequestLog keeps each request in Requests (the default), or, off,
// only the counts of Total and TotalWithStatus (benchmarks).
func (b *Base) SetRequestLog(on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.noLog = !on
}

// Requests returns a copy of the requests received so far.
func (b *Base) Requests() []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Request(nil), b.requests...)
}

// RequestsTo returns the recorded requests with this method and path.
func (b *Base) RequestsTo(method, path string) []Request {
	var out []Request
	for _, r := range b.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// Count is how many recorded requests have this method and a path ending
// in pathSuffix ("" matches any).
func (b *Base) Count(method, pathSuffix string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, r := range b.requests {
		if (method == "" || r.Method == method) && strings.HasSuffix(r.Path, pathSuffix) {
			n++
		}
	}
	return n
}

// Total counts the requests answered since the last ResetRequests, logged
// or not.
func (b *Base) Total() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

// TotalWithStatus counts those answered with status.
func (b *Base) TotalWithStatus(status int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.byStatus[status]
}

// ResetRequests forgets the recorded requests and their counts.
func (b *Base) ResetRequests() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests, b.total, b.byStatus = nil, 0, map[int]int{}
}

func (b *Base) record(r *Request) {
	r.Answered = time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total++
	b.byStatus[r.Status]++
	if !b.noLog {
		b.requests = append(b.requests, *r)
	}
}

type logKey struct{}

// Note names what the emulator's handler did to this request's answer in
// the request log ("rate limit"), as a fault is named.
func Note(r *http.Request, what string) {
	if rec, ok := r.Context().Value(logKey{}).(*Request); ok {
		rec.Fault = what
	}
}

// CountItems logs how many items this request's answer holds.
func CountItems(r *http.Request, n int) {
	if rec, ok := r.Context().Value(logKey{}).(*Request); ok {
		rec.Items = n
	}
}

// buffer holds an answer until the kit has seen it whole.
type buffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *buffer) Header() http.Header { return w.header }
func (w *buffer) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *buffer) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(p)
}

// Wrap serves next with the kit around it: it records the request, applies
// its fault and the latency, and sends next's answer once whole (recorded
// first, so that a client that has its answer finds its request logged).
func (b *Base) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body, Received: time.Now()}
		r = r.WithContext(context.WithValue(r.Context(), logKey{}, rec))

		f := b.fault(r)
		if !b.wait(r, rec, f) {
			b.record(rec) // the client hung up first
			return
		}
		if f != nil && f.Drop {
			rec.Fault = "drop"
			b.record(rec)
			drop(w)
		}
		if f != nil && f.ExpireToken {
			rec.Fault = "expire token"
			if b.opts.ExpireToken != nil {
				b.opts.ExpireToken(r)
			}
		}
		if f != nil && f.Huge > 0 {
			rec.Status, rec.Fault, rec.Gzip = http.StatusOK, faultNote(f), f.Bomb
			if b.opts.Finish != nil {
				b.opts.Finish(r, w.Header(), http.StatusOK, nil)
			}
			// Recorded when the answer starts: it ends only when the client
			// hangs up, after the client has returned.
			b.record(rec)
			writeHuge(w, b.opts.HugeHead, b.opts.HugeTail, f.Huge, f.Bomb)
			return
		}
		status, out := b.answer(w, r, rec, f, next)
		b.send(w, r, rec, f, status, out)
	})
}

// wait waits out the latency and the fault's delay; false when the client
// hangs up first.
func (b *Base) wait(r *http.Request, rec *Request, f *Fault) bool {
	b.mu.Lock()
	delay := b.latency
	b.mu.Unlock()
	if f != nil && f.Delay > 0 {
		delay += f.Delay
		rec.Fault = "delay " + f.Delay.String()
	}
	if delay <= 0 {
		return true
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// answer is the whole answer, from the fault or from next, as Finish
// leaves it; its headers are set on w.
func (b *Base) answer(w http.ResponseWriter, r *http.Request, rec *Request, f *Fault, next http.Handler) (int, []byte) {
	buf := &buffer{header: http.Header{}}
	switch {
	case f != nil && f.EmptyPage:
		rec.Fault = faultNote(f)
		if b.opts.EmptyPage == nil {
			http.Error(buf, b.opts.Name+": this emulator has no listing that pages forever (an EmptyPage fault)", http.StatusNotImplemented)
		} else {
			b.opts.EmptyPage(buf, r)
		}
	case f != nil && f.Status != 0:
		rec.Fault = faultNote(f)
		b.writeStatus(buf, r, f)
	default:
		next.ServeHTTP(buf, r)
	}
	status, out := buf.status, buf.body.Bytes()
	if status == 0 {
		status = http.StatusOK
	}
	if b.opts.Finish != nil {
		status, out = b.opts.Finish(r, buf.header, status, out)
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	return status, out
}

// send records the answer and sends it: cut off by a Truncate fault,
// gzip-compressed where the API and the client would.
func (b *Base) send(w http.ResponseWriter, r *http.Request, rec *Request, f *Fault, status int, out []byte) {
	rec.Status = status
	b.mu.Lock()
	if b.recordBodies {
		rec.Response = append([]byte(nil), out...)
	}
	b.mu.Unlock()
	if f != nil && f.Truncate > 0 {
		rec.Fault = "truncate at " + strconv.Itoa(f.Truncate) + " bytes"
		b.record(rec)
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(status)
		_, _ = w.Write(out[:min(f.Truncate, len(out))])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler) // net/http drops the connection, mid-body
	}
	rec.Gzip = b.opts.Gzip && len(out) > 0 && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
	b.record(rec)
	if rec.Gzip {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		gz := gzip.NewWriter(w)
		_, _ = gz.Write(out)
		_ = gz.Close()
		return
	}
	if status != http.StatusNotModified {
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// drop closes the connection without an answer.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			panic(http.ErrAbortHandler)
		}
	}
	panic(http.ErrAbortHandler)
}

// writeHuge writes a well-formed answer of n bytes (before compression),
// head, padding and tail, in chunks, so that the emulator's memory stays
// small whatever n is; it stops at the first failed write (the client hung
// up). A bomb is a series of gzip members (RFC 1952 allows several;
// readers join them), the padding compressed once and repeated, so that
// the emulator spends no time compressing.
func writeHuge(w http.ResponseWriter, head, tail string, n int64, bomb bool) {
	chunk := bytes.Repeat([]byte{'x'}, 1<<20)
	pad := max(n-int64(len(head)+len(tail)), 0)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	parts := [][]byte{[]byte(head), chunk, chunk[:pad%int64(len(chunk))], []byte(tail)}
	if bomb {
		w.Header().Set("Content-Encoding", "gzip")
		for i, p := range parts {
			parts[i] = gzipMember(p)
		}
	} else {
		w.Header().Set("Content-Length", strconv.FormatInt(int64(len(head)+len(tail))+pad, 10))
	}
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush() // the client gets the headers at once
	}
	if _, err := w.Write(parts[0]); err != nil {
		return
	}
	for range pad / int64(len(chunk)) {
		if _, err := w.Write(parts[1]); err != nil {
			return
		}
	}
	if _, err := w.Write(parts[2]); err != nil {
		return
	}
	_, _ = w.Write(parts[3])
}

// gzipMember is p as one gzip member.
func gzipMember(p []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(p)
	_ = zw.Close()
	return buf.Bytes()
}
