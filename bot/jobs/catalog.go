package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
)

// refresh loads the catalog, evaluates it and stores a snapshot.
func refresh(ctx context.Context, j *engine.Jobs, now time.Time) (*report.Snapshot, *scorecard.Bundle, error) {
	b, err := j.Source().Load(ctx, now)
	if err != nil {
		return nil, nil, fmt.Errorf("load catalog from %s: %w", j.Source().Describe(), err)
	}
	snap := report.TakeSnapshot(b.Evaluate(now), b.Origin, report.EntityLink(b.EntityURL))
	if _, err := j.Store().SaveSnapshot(ctx, snap); err != nil {
		return nil, b, err // the bundle tells the catalog did load
	}
	return snap, b, nil
}

// checkTarget checks PRODREADY_TARGET_LEVEL against the scorecards
// loaded: a scorecard it names lacking the level is an error; a bare
// level a scorecard lacks is noted (its default target is used).
func checkTarget(j *engine.Jobs, snap *report.Snapshot, out *engine.Outcome) error {
	if j.Config().TargetLevel == "" {
		return nil
	}
	t, err := report.ParseTargets(j.Config().TargetLevel)
	if err != nil {
		return err
	}
	notes, err := t.Check(snap.Scorecards)
	out.Notes = append(out.Notes, notes...) // logged with the run's outcome
	return err
}

// TeamNames maps the catalog's team identifiers to their names, where
// they have one.
func TeamNames(b *scorecard.Bundle) map[string]string {
	if b == nil {
		return nil
	}
	m := make(map[string]string, len(b.Teams))
	for _, t := range b.Teams {
		if t.Name != "" {
			m[t.Identifier] = t.Name
		}
	}
	return m
}
