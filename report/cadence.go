package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cadence is everything that differs between the calendar cadences of the
// digests: a new cadence is one row in cadences, plus its job.
type Cadence struct {
	Kind  Kind
	Title string // "Weekly", in the digest's heading
	Unit  string // "week": "since last week", "the previous week"
	// ChartPeriods is how many periods the digest's chart spans, this
	// one included; ChartLarge draws it large.
	ChartPeriods int
	ChartLarge   bool
	// HistoryPeriods is how many earlier periods the digest's trend
	// compares with; 0: all the chart's.
	HistoryPeriods int

	// start is the first day of the period holding day, and its key.
	start func(day time.Time) (time.Time, string)
	// months is the period's length in months; 0 for a week.
	months int
	// words names a period by its start, as people do ("November 2026").
	words func(start time.Time) string
	// label names a period on a chart's axis by its key; ok is false for a
	// key of another cadence.
	label func(key string, withYear, small bool) (string, bool)
}

// cadences is the table of calendar cadences.
func cadences() []Cadence {
	return []Cadence{
		{Kind: Weekly, Title: "Weekly", Unit: "week", ChartPeriods: 8, HistoryPeriods: 3,
			start: func(day time.Time) (time.Time, string) {
				// ISO weeks start on Monday.
				start := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
				iy, iw := start.ISOWeek()
				return start, fmt.Sprintf("%04d-W%02d", iy, iw)
			},
			words: func(start time.Time) string { return "week of " + start.Format("2 Jan 2006") },
			label: func(key string, _, small bool) (string, bool) {
				y, w, ok := strings.Cut(key, "-W")
				if !ok || len(y) != 4 {
					return "", false
				}
				if small {
					return "wk " + strings.TrimPrefix(w, "0"), true
				}
				return "week " + strings.TrimPrefix(w, "0"), true
			}},
		{Kind: Monthly, Title: "Monthly", Unit: "month", ChartPeriods: 12, ChartLarge: true, months: 1,
			start: func(day time.Time) (time.Time, string) {
				y, m, _ := day.Date()
				return time.Date(y, m, 1, 0, 0, 0, 0, day.Location()), fmt.Sprintf("%04d-%02d", y, int(m))
			},
			words: func(start time.Time) string { return start.Format("January 2006") },
			label: func(key string, withYear, _ bool) (string, bool) {
				t, err := time.Parse("2006-01", key)
				if err != nil {
					return "", false
				}
				if withYear {
					return t.Format("Jan 2006"), true
				}
				return t.Format("Jan"), true
			}},
		{Kind: Quarterly, Title: "Quarterly", Unit: "quarter", ChartPeriods: 8, ChartLarge: true, months: 3,
			start: func(day time.Time) (time.Time, string) {
				y, m, _ := day.Date()
				q := (int(m) - 1) / 3
				return time.Date(y, time.Month(3*q+1), 1, 0, 0, 0, 0, day.Location()), fmt.Sprintf("%04d-Q%d", y, q+1)
			},
			words: func(start time.Time) string {
				return fmt.Sprintf("Q%d %d", (int(start.Month())-1)/3+1, start.Year())
			},
			label: func(key string, withYear, _ bool) (string, bool) {
				y, q, ok := strings.Cut(key, "-Q")
				if n, err := strconv.Atoi(q); !ok || len(y) != 4 || err != nil || n < 1 || n > 4 {
					return "", false
				}
				if withYear {
					return "Q" + q + " " + y, true
				}
				return "Q" + q, true
			}},
	}
}

// back is t moved n periods back (forward for a negative n).
func (c Cadence) back(t time.Time, n int) time.Time {
	if c.months == 0 {
		return t.AddDate(0, 0, -7*n)
	}
	return t.AddDate(0, -c.months*n, 0)
}

// CadenceOf is the row of k; false for a cadence that is not a calendar
// one (daily notices, Every).
func CadenceOf(k Kind) (Cadence, bool) {
	for _, c := range cadences() {
		if c.Kind == k {
			return c, true
		}
	}
	return Cadence{}, false
}

// Since says what a change is measured from: "since last quarter".
func (c Cadence) Since() string { return "since last " + c.Unit }

// ChartOver says what the chart spans: "over the last 8 quarters".
func (c Cadence) ChartOver() string {
	return fmt.Sprintf("over the last %d %ss", c.ChartPeriods, c.Unit)
}

// KeyWords names the period keyed key on a chart's axis: "Nov", "Nov 2026",
// "week 48", "wk 48", "Q4 2026"; the key itself when no cadence knows it.
func KeyWords(key string, withYear, small bool) string {
	for _, c := range cadences() {
		if s, ok := c.label(key, withYear, small); ok {
			return s
		}
	}
	return key
}

// KeyUnit is the unit of the cadence whose periods are keyed like key
// ("quarter"), or "period".
func KeyUnit(key string) string {
	for _, c := range cadences() {
		if _, ok := c.label(key, false, false); ok {
			return c.Unit
		}
	}
	return "period"
}
