package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/github"
)

// countingCollector counts its collections and fails when told to.
type countingCollector struct {
	n    int
	fail error
}

func (c *countingCollector) Describe() string   { return "counting" }
func (c *countingCollector) Provides() []string { return []string{"counted"} }

func (c *countingCollector) Collect(_ context.Context, _ time.Time) (*scorecard.Facts, error) {
	c.n++
	if c.fail != nil {
		return nil, c.fail
	}
	return &scorecard.Facts{Source: "counting", Records: []scorecard.FactRecord{{Identifier: "api", Properties: map[string]any{"n": c.n}}}}, nil
}

// serve's GitHub facts: collected again only once PRODREADY_GITHUB_EVERY
// has passed; a failed collection keeps the last facts and says so.
func TestReusingCollector(t *testing.T) {
	clock := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	inner := &countingCollector{}
	r := &reusing{c: inner, every: time.Hour, now: func() time.Time { return clock }}
	steps := []struct {
		advance  time.Duration
		fail     error
		wantN    any // the facts' value
		wantRuns int
		warning  string
	}{
		{0, nil, 1, 1, ""},
		{15 * time.Minute, nil, 1, 1, ""}, // a refresh within the hour: reused
		{44 * time.Minute, nil, 1, 1, ""},
		{time.Minute, nil, 2, 2, ""}, // an hour since the last collection
		{time.Hour, errors.New("GitHub is down"), 2, 3, "collecting again failed (GitHub is down); these facts are from 2026-11-26T10:00:00Z"},
		{time.Minute, nil, 4, 4, ""}, // a failure does not wait an hour to retry
	}
	for i, s := range steps {
		clock = clock.Add(s.advance)
		inner.fail = s.fail
		f, err := r.Collect(context.Background(), clock)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := f.Records[0].Properties["n"]; got != s.wantN || inner.n != s.wantRuns {
			t.Errorf("step %d: facts n=%v after %d collections; want n=%v after %d", i, got, inner.n, s.wantN, s.wantRuns)
		}
		if got := strings.Join(f.Warnings, "; "); got != s.warning {
			t.Errorf("step %d: warnings %q, want %q", i, got, s.warning)
		}
	}
	// With no facts yet, a failure is the collection's.
	first := &reusing{c: &countingCollector{fail: errors.New("refused")}, every: time.Hour, now: func() time.Time { return clock }}
	if _, err := first.Collect(context.Background(), clock); err == nil {
		t.Error("a first collection that fails returned no error")
	}
}

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	p := progressPrinter(&env{stderr: &buf}, func() time.Time { return clock })
	rate := github.Rate{Known: true, Limit: 5000, Remaining: 4321}
	p(github.Progress{Done: 1, Total: 3, Rate: rate})
	p(github.Progress{Done: 2, Total: 3, Rate: rate}) // within 200ms: not drawn
	clock = clock.Add(time.Second)
	p(github.Progress{Done: 3, Total: 3, Rate: rate})
	got := buf.String()
	if strings.Count(got, "\r") != 2 || !strings.Contains(got, "github: 3/3 repositories, rate limit 4321/5000 left") || !strings.HasSuffix(got, "\n") || strings.Contains(got, "2/3") {
		t.Errorf("progress: %q", got)
	}
	if isTerminal(&buf) {
		t.Error("a buffer is a terminal")
	}
	if f, err := os.CreateTemp(t.TempDir(), "x"); err == nil {
		defer f.Close()
		if isTerminal(f) {
			t.Error("a file is a terminal")
		}
	}
}

// collect and check keep GitHub's ETags in the history database when it
// exists, so that a second run is answered 304; they never create it.
func TestCollectUsesTheHistoryCacheWhenItExists(t *testing.T) {
	gh, pd := guideOrg(t, fixedTime(t))
	vars := guideEnv(gh, pd)
	db := filepath.Join(t.TempDir(), "prodready.db")
	vars["PRODREADY_DB"] = db

	if code, _, errOut := cli(t, vars, "collect", "-o", filepath.Join(t.TempDir(), "a.json")); code != exitOK {
		t.Fatalf("collect: %d\n%s", code, errOut)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("collect created the history database: %v", err)
	}
	st, err := history.OpenSQLite(context.Background(), db, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	run := func() (total, notModified int) {
		t0, n0 := gh.Count()
		code, _, errOut := cli(t, vars, "check", "--now", fixedNow)
		if code != exitOK {
			t.Fatalf("check: %d\n%s", code, errOut)
		}
		t1, n1 := gh.Count()
		return t1 - t0, n1 - n0
	}
	run()
	total, notModified := run()
	if notModified == 0 || notModified < total*9/10 {
		t.Errorf("second run: %d of %d requests answered 304; want nearly all", notModified, total)
	}
}
