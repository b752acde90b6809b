package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
)

// checkTargets checks PRODREADY_TARGET_LEVEL against the scorecards of a
// load: a scorecard it names lacking the level is an error (notes: a bare
// level some scorecards lack).
func checkTargets(value string, scs []*scorecard.Scorecard) (notes []string, err error) {
	if value == "" {
		return nil, nil
	}
	t, err := report.ParseTargets(value)
	if err != nil {
		return nil, err
	}
	return t.Check(report.DefsOf(scs))
}

// targetCheckingSource checks the targets at every load: the scorecards
// are known only then. A failure at the first load is fatal (serve stops
// with it, as with any bad variable); later, the load fails and the
// previous evaluation stays.
type targetCheckingSource struct {
	scorecard.Source
	value string
	fatal func(error)
	once  *sync.Once
}

func (s targetCheckingSource) Load(ctx context.Context, now time.Time) (*scorecard.Bundle, error) {
	b, err := s.Source.Load(ctx, now)
	if err != nil || b == nil {
		return b, err
	}
	_, terr := checkTargets(s.value, b.Scorecards)
	s.once.Do(func() {
		if terr != nil {
			s.fatal(terr)
		}
	})
	if terr != nil {
		return nil, fmt.Errorf("%w", terr)
	}
	return b, nil
}
