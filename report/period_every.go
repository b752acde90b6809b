package report

import (
	"strings"
	"time"
)

// everyPrefix marks a Kind made by Every.
const everyPrefix = "every "

// Every is a cadence of fixed length d instead of a calendar period, for
// watching scheduled digests in tests and demos (PRODREADY_TEST_DIGEST_PERIOD):
// its periods are d long, aligned on the Unix epoch, and keyed by their
// start in UTC ("2026-11-26T08:40:05Z").
func Every(d time.Duration) Kind { return Kind(everyPrefix + d.String()) }

// every returns the length of a Kind made by Every.
func (k Kind) every() (time.Duration, bool) {
	s, ok := strings.CutPrefix(string(k), everyPrefix)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

func everyPeriod(k Kind, d time.Duration, t time.Time) Period {
	start := t.Truncate(d)
	return Period{Kind: k, Key: start.UTC().Format("2006-01-02T15:04:05Z"), Start: start, End: start.Add(d)}
}
