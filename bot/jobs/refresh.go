package jobs

import (
	"context"

	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/report"
)

// refreshJob loads and evaluates the catalog and stores a snapshot: the
// history the digests compare with. It also prunes history past retention.
type refreshJob struct{}

func (refreshJob) Name() string                     { return Refresh }
func (refreshJob) Cron() string                     { return "*/15 * * * *" }
func (refreshJob) Period(engine.Config) report.Kind { return report.Daily }
func (refreshJob) CatchUp() engine.CatchUp          { return engine.CatchUpNever }
func (refreshJob) Posts() bool                      { return false }

func (refreshJob) Run(ctx context.Context, j *engine.Jobs, r *engine.Run) error {
	snap, _, err := refresh(ctx, j, r.Now)
	if err != nil {
		return err
	}
	r.Out.SnapshotID = snap.ID
	if _, err := j.Store().Prune(ctx, r.Now, j.Config().Retention); err != nil {
		j.Log().Warn("prune history", "err", err)
	}
	if _, err := j.Store().PruneClaims(ctx, r.Now.Add(-j.Config().Retention)); err != nil {
		j.Log().Warn("prune history", "err", err)
	}
	return nil
}
