package report

import (
	"fmt"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// Staleness says that the catalog could not be loaded when a digest was
// due, so the digest reports the last stored snapshot instead of being
// skipped.
type Staleness struct {
	At     time.Time // when the digest was built
	Reason string    // why the catalog could not be loaded
}

// StaleLine warns that the digest reports an old snapshot and says how old;
// "" when the digest is current.
func (d *Digest) StaleLine() string {
	if d.Stale == nil {
		return ""
	}
	return fmt.Sprintf("Warning: the catalog could not be loaded at %s (%s). This digest reports the last stored snapshot, taken %s: %s old.",
		d.Stale.At.Format("Mon 2 Jan 2006 15:04 MST"), d.Stale.Reason, d.Now.Format("Mon 2 Jan 2006 15:04 MST"), Age(d.Stale.At.Sub(d.Now)))
}

// Age says a duration the way people do: "3 days 4 hours", "2 hours 5
// minutes", "12 minutes", "less than a minute".
func Age(d time.Duration) string {
	days, hours, mins := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	switch {
	case d < time.Minute:
		return "less than a minute"
	case days > 0 && hours > 0:
		return scorecard.Plural(days, "day") + " " + scorecard.Plural(hours, "hour")
	case days > 0:
		return scorecard.Plural(days, "day")
	case hours > 0 && mins > 0:
		return scorecard.Plural(hours, "hour") + " " + scorecard.Plural(mins, "minute")
	case hours > 0:
		return scorecard.Plural(hours, "hour")
	}
	return scorecard.Plural(mins, "minute")
}
