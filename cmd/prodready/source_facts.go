package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/collected"
	"github.com/prodready/prodready/scorecard/demo"
	"github.com/prodready/prodready/scorecard/files"
	"github.com/prodready/prodready/scorecard/github"
)

// factsOnly is the source when facts collectors stand in for a catalog:
// the first collector's records are the services, and the scorecards come
// from files (read again on every load, as files.Source does) or the demo.
type factsOnly struct {
	collectors []scorecard.Collector
	scorecards []string
}

func (s factsOnly) Describe() string {
	scs := "the embedded demo's scorecards"
	if len(s.scorecards) > 0 {
		scs = "scorecards " + strings.Join(s.scorecards, ", ")
	}
	return collected.Source{Collectors: s.collectors}.Describe() + ", " + scs
}

func (s factsOnly) Load(ctx context.Context, now time.Time) (*scorecard.Bundle, error) {
	var scs []*scorecard.Scorecard
	var findings scorecard.Findings
	if len(s.scorecards) == 0 {
		b, err := demo.Source{}.Load(ctx, now)
		if err != nil {
			return nil, err
		}
		scs = b.Scorecards
	}
	for _, p := range s.scorecards {
		got, fs, err := files.ReadScorecards(p)
		if err != nil {
			return nil, err
		}
		scs = append(scs, got...)
		findings = append(findings, fs...)
	}
	if len(scs) == 0 {
		return nil, fmt.Errorf("no usable scorecard in %s:\n%w", strings.Join(s.scorecards, ", "), findings.Err())
	}
	b, err := collected.Source{Collectors: s.collectors, Scorecards: scs}.Load(ctx, now)
	if err != nil {
		return nil, err
	}
	b.Findings = append(findings, b.Findings...)
	// A repository's page is the link a Slack answer gives.
	b.EntityURL = func(e *scorecard.Entity) string {
		u, _ := e.Properties[github.PropURL].(string)
		return u
	}
	return b, nil
}

// saying passes on the bundle's warnings (collectors that failed, facts
// that could not be read, conflicts, what did not join) after each load.
type saying struct {
	scorecard.Source
	say func(b *scorecard.Bundle)
}

func (s saying) Load(ctx context.Context, now time.Time) (*scorecard.Bundle, error) {
	b, err := s.Source.Load(ctx, now)
	if err == nil && b != nil {
		s.say(b)
	}
	return b, err
}

// warningsSayer prints warnings on stderr, or logs them: as warnings when
// they differ from the last load's, else at debug level, so that a serve
// refreshing every 15 minutes does not repeat the same lines all day.
func warningsSayer(e *env, log *slog.Logger) func(*scorecard.Bundle) {
	if log == nil {
		return func(b *scorecard.Bundle) {
			for _, w := range b.Warnings {
				fmt.Fprintf(e.stderr, "prodready: warning: %s\n", w)
			}
		}
	}
	var mu sync.Mutex
	var last []string
	return func(b *scorecard.Bundle) {
		mu.Lock()
		changed := !slices.Equal(last, b.Warnings)
		last = append([]string(nil), b.Warnings...)
		mu.Unlock()
		level := slog.LevelDebug
		if changed {
			level = slog.LevelWarn
		}
		for _, w := range b.Warnings {
			log.Log(context.Background(), level, "catalog: "+w)
		}
	}
}

// reusing collects again only every `every`; between, it returns the last
// facts. serve refreshes its catalog every 15 minutes, but GitHub's facts
// (README, reviews, freshness in days) change slowly and cost rate limit,
// while PagerDuty's on-call, not wrapped, changes with every shift.
type reusing struct {
	c     scorecard.Collector
	every time.Duration
	now   func() time.Time

	mu   sync.Mutex
	last *scorecard.Facts
	at   time.Time
}

func (r *reusing) Describe() string { return r.c.Describe() }

// Provides implements scorecard.Collector.
func (r *reusing) Provides() []string { return r.c.Provides() }

// Collect implements scorecard.Collector. A collection that fails keeps
// the last facts, with a warning saying how old they are, and is tried
// again at the next load.
func (r *reusing) Collect(ctx context.Context, now time.Time) (*scorecard.Facts, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.now()
	if r.last != nil && t.Sub(r.at) < r.every {
		return r.last, nil
	}
	f, err := r.c.Collect(ctx, now)
	if err != nil {
		if r.last == nil {
			return nil, err
		}
		stale := *r.last
		stale.Warnings = append(slices.Clip(stale.Warnings), fmt.Sprintf("collecting again failed (%v); these facts are from %s", err, r.at.UTC().Format(time.RFC3339)))
		return &stale, nil
	}
	r.last, r.at = f, t
	return f, nil
}

// progressPrinter writes a collection's progress on one line of stderr,
// at most a few times a second, and ends the line when it is done.
func progressPrinter(e *env, clock func() time.Time) func(github.Progress) {
	var last time.Time
	return func(p github.Progress) {
		t := clock()
		done := p.Done >= p.Total
		if !done && p.PausedUntil.IsZero() && t.Sub(last) < 200*time.Millisecond {
			return
		}
		last = t
		fmt.Fprint(e.stderr, "\r"+progressLine(p))
		if done {
			fmt.Fprintln(e.stderr)
		}
	}
}

func progressLine(p github.Progress) string {
	line := fmt.Sprintf("github: %d/%d repositories", p.Done, p.Total)
	if p.Rate.Known {
		line += fmt.Sprintf(", rate limit %d/%d left", p.Rate.Remaining, p.Rate.Limit)
	}
	if !p.PausedUntil.IsZero() {
		line += ", paused until " + p.PausedUntil.UTC().Format(time.TimeOnly) + " UTC (rate limit)"
	}
	return line + "   "
}

// isTerminal reports whether w is a terminal (a character device): the
// progress line is for a person watching, not for a CI log or a file.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
