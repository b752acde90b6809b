package port_test

import (
	"context"
	"errors"
	"github.com/prodready/prodready/scorecard/emulator"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/httpclient"
	"github.com/prodready/prodready/scorecard/port"
)

const searchPath = "/v1/blueprints/service/entities/search"

// countingTransport counts the bytes the client reads from the bodies of
// entity search answers, after the transport's own gzip decoding when it
// does that.
type countingTransport struct {
	rt   http.RoundTripper
	read atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(r)
	if resp != nil && r.URL.Path == searchPath {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.read}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	k, err := b.ReadCloser.Read(p)
	b.n.Add(int64(k))
	return k, err
}

// Issue 13 #5: a huge answer, or a gzip bomb, is cut at Config.MaxPageBytes
// (after decompression), with an error naming the endpoint and the bound,
// and is not asked for again.
func TestHugeAnswerStopsAtThePageLimit(t *testing.T) {
	const limit = 4 << 20
	cases := []struct {
		name  string
		fault emulator.Fault
		// plain: the transport does not decompress, so the client must.
		plain bool
	}{
		{name: "200 MB body", fault: emulator.Fault{Huge: 200 << 20}},
		{name: "gzip bomb", fault: emulator.Fault{Huge: 1 << 30, Bomb: true}},
		{name: "gzip bomb to a client that did not ask for gzip", fault: emulator.Fault{Huge: 1 << 30, Bomb: true}, plain: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newEmulator(t, 3, now)
			f := tc.fault
			f.Path, f.Times = searchPath, -1
			srv.Inject(f)
			base := http.DefaultTransport.(*http.Transport).Clone()
			base.DisableCompression = tc.plain
			ct := &countingTransport{rt: base}
			cfg := testConfig(srv)
			cfg.MaxPageBytes = limit
			// Time is not the bound under test: on a loaded machine, under
			// -race, a 2 s timeout can cut the reading short (and retry it).
			cfg.RequestTimeout, cfg.RetryBudget = time.Minute, 2*time.Minute
			_, err := port.New(cfg, port.WithTransport(ct)).FetchEntities(context.Background(), nil)
			t.Logf("error: %v", err)
			var le *port.LimitError
			if !errors.As(err, &le) || le.Setting != "MaxPageBytes" || le.Path != searchPath {
				t.Fatalf("error %v; want a *port.LimitError for MaxPageBytes on %s", err, searchPath)
			}
			for _, want := range []string{`fetch entities of blueprint "service" (page 1)`, "POST " + searchPath, "4 MiB", "port.Config.MaxPageBytes"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			// The client never reads past the limit: memory stays bounded by
			// it, whatever Port sends. (With the transport's gzip turned off
			// the count is of compressed bytes, fewer still.)
			if n := ct.read.Load(); n > limit+1 {
				t.Errorf("the client read %d bytes of the answer; the limit is %d", n, limit)
			}
			if n := len(srv.RequestsTo("POST", searchPath)); n != 1 {
				t.Errorf("%d searches; an answer over the limit must not be asked for again", n)
			}
		})
	}
}

// The default limit is the documented one.
func TestDefaultBounds(t *testing.T) {
	c := port.New(port.Config{}).Config()
	if c.MaxPageBytes != 64<<20 || c.MaxEmptyPages != 3 || c.MaxFetchTime != 15*time.Minute || c.MaxPages != 1000 {
		t.Errorf("defaults %d bytes, %d empty pages, %s, %d pages", c.MaxPageBytes, c.MaxEmptyPages, c.MaxFetchTime, c.MaxPages)
	}
	small := port.New(port.Config{PageSize: 100}).Config()
	if small.MaxPages != 10_000 {
		t.Errorf("MaxPages %d at 100 a page; want enough for a million entities", small.MaxPages)
	}
}

// Issue 13 #6: paging is bounded by empty pages in a row, by the number of
// pages and by the total time; each bound ends in an error that names the
// endpoint and the bound.
func TestPagingIsBounded(t *testing.T) {
	cases := []struct {
		name     string
		entities int
		fault    emulator.Fault
		cfg      func(*port.Config)
		setting  string // "": success
		says     string
		requests int // searches that reach Port; 0: not checked
	}{
		{name: "a fresh cursor with an empty page, forever", entities: 3,
			fault:   emulator.Fault{EmptyPage: true, Times: -1},
			setting: "MaxEmptyPages", says: "3 pages in a row had no entities but a new \"next\" cursor", requests: 3},
		{name: "a few empty pages are tolerated", entities: 3,
			fault: emulator.Fault{EmptyPage: true, Times: 2}, requests: 3},
		{name: "too many pages", entities: 30,
			cfg:     func(c *port.Config) { c.PageSize, c.MaxPages = 1, 10 },
			setting: "MaxPages", says: "more than 10 pages", requests: 10},
		{name: "too long", entities: 30,
			fault:   emulator.Fault{Delay: 40 * time.Millisecond, Times: -1},
			cfg:     func(c *port.Config) { c.PageSize, c.MaxFetchTime = 1, 300*time.Millisecond },
			setting: "MaxFetchTime", says: "reading the pages took longer than 300ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newEmulator(t, tc.entities, now)
			if tc.fault != (emulator.Fault{}) {
				f := tc.fault
				f.Path = searchPath
				srv.Inject(f)
			}
			cfg := testConfig(srv)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			// Without bounds these page forever; the test must end anyway.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			ents, err := port.New(cfg).FetchEntities(ctx, nil)
			if n := len(srv.RequestsTo("POST", searchPath)); tc.requests != 0 && n != tc.requests {
				t.Errorf("%d searches; want %d", n, tc.requests)
			}
			if tc.setting == "" {
				if err != nil || len(ents) != tc.entities {
					t.Fatalf("%d entities, error %v; want %d", len(ents), err, tc.entities)
				}
				return
			}
			t.Logf("error: %v", err)
			var le *port.LimitError
			if !errors.As(err, &le) || le.Setting != tc.setting || le.Path != searchPath {
				t.Fatalf("error %v; want a *port.LimitError for %s on %s", err, tc.setting, searchPath)
			}
			for _, want := range []string{`fetch entities of blueprint "service"`, "POST " + searchPath, tc.says, "port.Config." + tc.setting} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// An answer cut off mid-body is asked for again, as any transport failure.
func TestTruncatedAnswerIsRetried(t *testing.T) {
	srv := newEmulator(t, 5, now)
	srv.Inject(emulator.Fault{Path: searchPath, Truncate: 40})
	ents, err := port.New(testConfig(srv)).FetchEntities(context.Background(), nil)
	if err != nil || len(ents) != 5 {
		t.Fatalf("%d entities, error %v", len(ents), err)
	}
	if n := len(srv.RequestsTo("POST", searchPath)); n != 2 {
		t.Errorf("%d searches; want the cut answer asked for again", n)
	}
}

// An answer cut off every time ends, after the retries, in a transport
// error that says the answer was cut.
func TestAnswerAlwaysCutFails(t *testing.T) {
	srv := newEmulator(t, 5, now)
	srv.Inject(emulator.Fault{Path: searchPath, Truncate: 40, Times: -1})
	cfg := testConfig(srv)
	_, err := port.New(cfg).FetchEntities(context.Background(), nil)
	pe, ok := port.AsError(err)
	if !ok || pe.Reason != httpclient.Transport || pe.Status != 0 || !strings.Contains(err.Error(), "reading the answer") {
		t.Fatalf("error %v", err)
	}
	if n := len(srv.RequestsTo("POST", searchPath)); n != cfg.Retries+1 {
		t.Errorf("%d searches; want %d (the retries)", n, cfg.Retries+1)
	}
}
