package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// readInitiatives reads PRODREADY_INITIATIVES against the scorecards;
// findings go to w, and ok is false when the file cannot be read or has
// an error.
func readInitiatives(w io.Writer, path string, scs []*scorecard.Scorecard) (scorecard.InitiativeFile, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(w, "prodready: PRODREADY_INITIATIVES: %v\n", err)
		return scorecard.InitiativeFile{}, false
	}
	f, findings := scorecard.ParseInitiatives(path, data, scs)
	// Announcements are checked by Announce, against each set of scorecards.
	for _, fd := range findings {
		if fd.Severity == scorecard.Error {
			fmt.Fprintln(w, fd)
		}
	}
	if len(findings.Errors()) > 0 {
		fmt.Fprintln(w, "prodready: fix PRODREADY_INITIATIVES (errors above)")
		return f, false
	}
	return f, true
}

// announcing applies PRODREADY_INITIATIVES' announced rules to each load,
// so that serve's answers and notices, the jobs and the MCP tools show a
// rule that does not count yet as check does. The file is read at each
// load: a change to it is taken at the next refresh.
type announcing struct {
	scorecard.Source
	path string
}

// withAnnouncements wraps src when PRODREADY_INITIATIVES is set.
func withAnnouncements(src scorecard.Source, s *settings) scorecard.Source {
	if s.initiatives == "" {
		return src
	}
	return announcing{Source: src, path: s.initiatives}
}

func (a announcing) Load(ctx context.Context, now time.Time) (*scorecard.Bundle, error) {
	b, err := a.Source.Load(ctx, now)
	if err != nil || b == nil {
		return b, err
	}
	var msgs strings.Builder
	f, ok := readInitiatives(&msgs, a.path, b.Scorecards)
	if !ok {
		return nil, fmt.Errorf("%s", strings.TrimSpace(msgs.String()))
	}
	b.Warnings = append(b.Warnings, scorecard.Announce(b.Scorecards, f.Announcements)...)
	return b, nil
}
