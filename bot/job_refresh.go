package bot

import (
	"context"

	"github.com/prodready/prodready/report"
)

// refreshJob loads and evaluates the catalog and stores a snapshot: the
// history the digests compare with. It also prunes history past retention.
type refreshJob struct{}

func (refreshJob) Name() string                 { return JobRefresh }
func (refreshJob) Cron() (string, string)       { return "PRODREADY_REFRESH_CRON", "*/15 * * * *" }
func (refreshJob) Period(JobConfig) report.Kind { return report.Daily }
func (refreshJob) CatchUp() CatchUp             { return CatchUpNever }
func (refreshJob) Posts() bool                  { return false }

func (refreshJob) Run(ctx context.Context, j *Jobs, r *jobRun) error {
	snap, _, err := j.refresh(ctx, r.now)
	if err != nil {
		return err
	}
	r.out.SnapshotID = snap.ID
	if _, err := j.deps.Store.Prune(ctx, r.now, j.cfg.Retention); err != nil {
		j.deps.Log.Warn("prune history", "err", err)
	}
	if _, err := j.deps.Store.PruneClaims(ctx, r.now.Add(-j.cfg.Retention)); err != nil {
		j.deps.Log.Warn("prune history", "err", err)
	}
	return nil
}
