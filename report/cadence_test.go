package report

import (
	"testing"
	"time"
)

// The quarterly cadence: its periods, keys, words and what it compares
// with come from its row in the cadence table.
func TestQuarterlyCadence(t *testing.T) {
	utc := time.UTC
	tests := []struct {
		at         time.Time
		key, words string
		start, end time.Time
	}{
		{time.Date(2026, 11, 26, 9, 0, 0, 0, utc), "2026-Q4", "Q4 2026", time.Date(2026, 10, 1, 0, 0, 0, 0, utc), time.Date(2027, 1, 1, 0, 0, 0, 0, utc)},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, utc), "2026-Q1", "Q1 2026", time.Date(2026, 1, 1, 0, 0, 0, 0, utc), time.Date(2026, 4, 1, 0, 0, 0, 0, utc)},
		{time.Date(2026, 6, 30, 23, 59, 0, 0, utc), "2026-Q2", "Q2 2026", time.Date(2026, 4, 1, 0, 0, 0, 0, utc), time.Date(2026, 7, 1, 0, 0, 0, 0, utc)},
	}
	for _, tt := range tests {
		p := PeriodOf(Quarterly, tt.at)
		if p.Key != tt.key || !p.Start.Equal(tt.start) || !p.End.Equal(tt.end) || PeriodWords(p) != tt.words {
			t.Errorf("PeriodOf(quarterly, %s) = %s %s–%s %q; want %s %s–%s %q", tt.at, p.Key, p.Start, p.End, PeriodWords(p), tt.key, tt.start, tt.end, tt.words)
		}
	}
	if got := Quarterly.Back(time.Date(2026, 11, 26, 0, 0, 0, 0, utc), 2); !got.Equal(time.Date(2026, 5, 26, 0, 0, 0, 0, utc)) {
		t.Errorf("two quarters back: %s", got)
	}
	c, ok := CadenceOf(Quarterly)
	if !ok || c.Since() != "since last quarter" || c.ChartOver() != "over the last 8 quarters" || !c.ChartLarge {
		t.Errorf("quarterly cadence %+v", c)
	}
	for _, k := range []Kind{Daily, Every(time.Minute)} {
		if _, ok := CadenceOf(k); ok {
			t.Errorf("%s has a cadence row", k)
		}
	}
}

// A chart's axis names each cadence's keys, and a key no cadence knows
// as itself.
func TestKeyWords(t *testing.T) {
	tests := []struct {
		key             string
		withYear, small bool
		want, unit      string
	}{
		{"2026-11", false, false, "Nov", "month"},
		{"2026-11", true, false, "Nov 2026", "month"},
		{"2026-W48", false, false, "week 48", "week"},
		{"2026-W08", false, true, "wk 8", "week"},
		{"2026-Q4", false, false, "Q4", "quarter"},
		{"2026-Q1", true, false, "Q1 2026", "quarter"},
		{"2026-Q5", false, false, "2026-Q5", "period"},
		{"2026-11-26T08:40:05Z", false, false, "2026-11-26T08:40:05Z", "period"},
	}
	for _, tt := range tests {
		if got := KeyWords(tt.key, tt.withYear, tt.small); got != tt.want {
			t.Errorf("KeyWords(%q, %v, %v) = %q, want %q", tt.key, tt.withYear, tt.small, got, tt.want)
		}
		if got := KeyUnit(tt.key); got != tt.unit {
			t.Errorf("KeyUnit(%q) = %q, want %q", tt.key, got, tt.unit)
		}
	}
}

// Every calendar cadence's periods follow one another: a period ends where
// the next begins, and Back from a period's start lands in the one before.
func TestCadencePeriodsChain(t *testing.T) {
	at := time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC)
	for _, c := range cadences() {
		p := PeriodOf(c.Kind, at)
		next := PeriodOf(c.Kind, p.End)
		prev := PeriodOf(c.Kind, c.Kind.Back(p.Start, 1))
		if !next.Start.Equal(p.End) || !prev.End.Equal(p.Start) || next.Key == p.Key || prev.Key == p.Key {
			t.Errorf("%s: %s–%s, next %s from %s, previous %s to %s", c.Kind, p.Start, p.End, next.Key, next.Start, prev.Key, prev.End)
		}
	}
}
