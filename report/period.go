package report

import (
	"time"
)

// Kind is the cadence of a report.
type Kind string

// The cadences of the scheduled jobs.
const (
	Weekly    Kind = "weekly"
	Monthly   Kind = "monthly"
	Quarterly Kind = "quarterly"
	Daily     Kind = "daily" // team notices: at most one run's worth per day
)

// Period is one calendar period of a cadence, in the location of the time it
// was computed from. Key names it in exactly-once keys and messages.
type Period struct {
	Kind       Kind
	Key        string // "2026-W48", "2026-11", "2026-11-26"
	Start, End time.Time
}

// PeriodOf returns the period of kind k that contains t, in t's location.
func PeriodOf(k Kind, t time.Time) Period {
	if d, ok := k.every(); ok {
		return everyPeriod(k, d, t)
	}
	y, m, d := t.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, t.Location())
	if c, ok := CadenceOf(k); ok {
		start, key := c.start(day)
		return Period{Kind: k, Key: key, Start: start, End: c.back(start, -1)}
	}
	return Period{Kind: Daily, Key: day.Format("2006-01-02"), Start: day, End: day.AddDate(0, 0, 1)}
}

// Back returns the instant one period before t: what "the previous period"
// compares against when no earlier report was recorded.
func (k Kind) Back(t time.Time, n int) time.Time {
	if d, ok := k.every(); ok {
		return t.Add(-time.Duration(n) * d)
	}
	if c, ok := CadenceOf(k); ok {
		return c.back(t, n)
	}
	return t.AddDate(0, 0, -n)
}
