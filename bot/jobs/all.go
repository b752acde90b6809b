// Package jobs holds the scheduled jobs, one file each. A new job is a
// file with a type implementing engine.Job, and one entry in All.
package jobs

import (
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/report"
)

// The scheduled jobs, by the names `prodready run` takes.
const (
	Refresh   = "refresh"
	Weekly    = "weekly-report"
	Monthly   = "monthly-report"
	Quarterly = "quarterly-report"
	Notices   = "team-notices"
)

// All lists the jobs in the order they are documented.
func All() []engine.Job {
	return []engine.Job{
		refreshJob{},
		digestJob{name: Weekly, kind: report.Weekly, spec: "0 9 * * MON", testEvery: true},
		digestJob{name: Monthly, kind: report.Monthly, spec: "0 9 1 * *"},
		digestJob{name: Quarterly, kind: report.Quarterly, spec: "0 9 1 1,4,7,10 *"},
		noticesJob{},
	}
}

// Names lists the jobs' names in the order they are documented.
func Names() []string { return engine.Names(All()) }
