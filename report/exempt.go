package report

import (
	"fmt"
	"sort"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// ExpiringWithin is how close to its end an exemption counts as expiring
// in digests.
const ExpiringWithin = 7 * 24 * time.Hour

// SetExemptions records the exemptions counted in the snapshot's
// evaluation, so notices and digests can show them.
func (s *Snapshot) SetExemptions(xs []scorecard.Exemption) {
	sort.Slice(xs, func(i, j int) bool {
		a, b := xs[i], xs[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Scorecard != b.Scorecard {
			return a.Scorecard < b.Scorecard
		}
		return a.Rule < b.Rule
	})
	s.Exemptions = xs
	s.exempt = make(map[string]*scorecard.Exemption, len(xs))
	for i := range xs {
		s.exempt[exemptKey(xs[i].Service, xs[i].Scorecard, xs[i].Rule)] = &s.Exemptions[i]
	}
}

// Exemption returns the exemption that counted for the rule of the
// service on the scorecard, or nil.
func (s *Snapshot) Exemption(service, scorecardID, rule string) *scorecard.Exemption {
	return s.exempt[exemptKey(service, scorecardID, rule)]
}

func exemptKey(service, sc, rule string) string { return service + "\x00" + sc + "\x00" + rule }

// ExemptionCounts are the digest's count of exemptions in force.
type ExemptionCounts struct {
	Active   int // counted in the snapshot
	Expiring int // of those, ending within ExpiringWithin of the snapshot
}

// CountExemptions counts the snapshot's exemptions and those about to end.
func CountExemptions(s *Snapshot) ExemptionCounts {
	c := ExemptionCounts{Active: len(s.Exemptions)}
	for i := range s.Exemptions {
		if s.Exemptions[i].Until.Before(s.Taken.Add(ExpiringWithin)) {
			c.Expiring++
		}
	}
	return c
}

// ExpiredExemption is an exemption that stopped counting since the team's
// last notice: the notice says so.
type ExpiredExemption struct {
	ID int64
	scorecard.Exemption
}

// SnoozeNote says a team's notices were snoozed, by whom, until when.
type SnoozeNote struct {
	ID    int64
	By    string
	At    time.Time
	Until time.Time
}

// ExemptionLine is the digest's count of exemptions; "" when there is none.
func (d *Digest) ExemptionLine() string {
	c := d.Exemptions
	if c.Active == 0 {
		return ""
	}
	s := fmt.Sprintf("%d exemption%s in force", c.Active, map[bool]string{true: "", false: "s"}[c.Active == 1])
	if c.Expiring > 0 {
		s += fmt.Sprintf(", %d ending within %d days", c.Expiring, int(ExpiringWithin/(24*time.Hour)))
	}
	return s + "."
}

// NoteLines are what the notice says besides its services: exemptions
// that expired and a snooze that ended, with who and when.
func (n *Notice) NoteLines() []string {
	var out []string
	if z := n.Snoozed; z != nil {
		out = append(out, fmt.Sprintf("These notices were snoozed by %s on %s until %s.", z.By, z.At.UTC().Format(time.DateOnly), z.Until.UTC().Format(time.DateOnly)))
	}
	for _, x := range n.Expired {
		out = append(out, fmt.Sprintf("The exemption of %s from %s (%s) expired on %s: the rule counts again.", x.Service, x.Rule, x.Scorecard, x.UntilText()))
	}
	return out
}
