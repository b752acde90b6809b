package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/prodready/prodready/report/history"
)

// jobLockPoll is how often a job waiting for the same job in another
// process tries its lock again.
const jobLockPoll = time.Second

// RunExclusive runs job as Run does, holding the job's lock in the history
// (history.JobLock), so that the same job never runs in two processes at
// once: serve's leader and `prodready run`, or an old leader that has not
// yet noticed it lost the lead and the new one. When another process runs
// the job, RunExclusive says so in the log and waits for it to finish,
// then runs: what the other run sent is recorded, and is not sent again.
// Different jobs do not wait for each other.
func (j *Jobs) RunExclusive(ctx context.Context, job string, opt RunOptions) (Outcome, error) {
	st := j.deps.Store
	name := history.JobLock(job)
	lock, err := st.WaitLock(ctx, name, jobLockPoll, func() {
		args := []any{"job", job}
		if h := st.LockHolder(name); h != "" {
			args = append(args, "held_by", h)
		}
		j.deps.Log.Warn("this job is running in another prodready process; waiting for it to finish", args...)
	})
	if err != nil {
		return Outcome{Job: job}, fmt.Errorf("run %s: %w", job, err)
	}
	defer lock.Release()
	return j.Run(ctx, job, opt)
}
