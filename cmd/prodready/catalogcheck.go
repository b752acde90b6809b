package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prodready/prodready/report/gate"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
	"github.com/prodready/prodready/scorecard/files"
)

// checkedFiles is a files catalog checked against the catalog's JSON
// Schema on every load: a property written at the top level, a misspelt
// "relations" or a team given as an object is reported at its file, line
// and column. Warnings are said and the load goes on; errors fail the load
// (check exits 2), since the rules would read nothing where the mistake is.
type checkedFiles struct {
	files.Source
	say func(scorecard.Findings)
}

func (s checkedFiles) Load(ctx context.Context, now time.Time) (*scorecard.Bundle, error) {
	b, err := s.Source.Load(ctx, now)
	if err != nil {
		// The reader stops at its first mistake; the check lists them all.
		if fs, cerr := files.CheckCatalog(s.Catalog); cerr == nil && len(fs) > 0 {
			s.say(fs)
		}
		return nil, err
	}
	if !b.Catalog.OtherKeys && files.IsJSONFile(s.Catalog) {
		// Reading a JSON catalog reports a wrong type, a missing or
		// repeated identifier and malformed JSON at their line and column;
		// what only the positional check adds is a key the schema does not
		// know, and reading found none. It would cost more than the read.
		return b, nil
	}
	fs, err := files.CheckCatalog(s.Catalog, b.Scorecards...)
	if err != nil {
		return nil, err
	}
	s.say(fs)
	if n := len(fs.Errors()); n > 0 {
		return nil, fmt.Errorf("catalog %s: %s (listed above, with line and column)", s.Catalog, scorecard.Plural(n, "error"))
	}
	return b, nil
}

// explain says what is wrong with the catalog where a piece of it did not
// decode, at its line and column as the careful parser finds it.
func (s checkedFiles) explain(perr *gate.PieceError) error {
	if _, err := files.ReadCatalog(s.Catalog); err != nil {
		return err
	}
	return fmt.Errorf("catalog %s: %w", s.Catalog, perr.Err)
}

// findingsSayer prints catalog findings on stderr, one per line
// (file:line:col: severity: message), or logs them (serve, run).
func findingsSayer(e *env, log *slog.Logger) func(scorecard.Findings) {
	return func(fs scorecard.Findings) {
		if log != nil {
			for _, f := range fs {
				log.Warn("catalog: " + f.String())
			}
			return
		}
		for _, f := range fs {
			fmt.Fprintln(e.stderr, f)
		}
	}
}

// defaultScorecards are the scorecards of files and facts catalogs:
// PRODREADY_SCORECARDS, else the embedded demo's. Files that do not load
// give none (validate lints them when named).
func defaultScorecards(ctx context.Context, e *env) []*scorecard.Scorecard {
	s, err := e.settings()
	if err != nil {
		return nil
	}
	if len(s.scorecards) == 0 {
		b, err := demo.Source{}.Load(ctx, time.Now())
		if err != nil {
			return nil
		}
		return b.Scorecards
	}
	var out []*scorecard.Scorecard
	for _, p := range s.scorecards {
		scs, _, err := files.ReadScorecards(p)
		if err == nil {
			out = append(out, scs...)
		}
	}
	return out
}
