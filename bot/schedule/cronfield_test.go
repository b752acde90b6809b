package schedule

import (
	"strings"
	"testing"
)

// TestParseSaysWhichField: a bad spec's error names the variable, the
// field that is wrong and what that field accepts, never only strconv's
// "parsing "MONDAY": invalid syntax".
func TestParseSaysWhichField(t *testing.T) {
	cases := []struct {
		spec string
		want string
	}{
		{"0 9 * * MONDAY", `PRODREADY_WEEKLY_CRON="0 9 * * MONDAY": day-of-week field "MONDAY": use 0-6 or SUN-SAT`},
		{"61 9 * * MON", `minute field "61": use 0-59`},
		{"0 25 * * MON", `hour field "25": use 0-23`},
		{"0 9 0 * *", `day-of-month field "0": use 1-31`},
		{"0 9 1 JANUARY *", `month field "JANUARY": use 1-12 or JAN-DEC`},
		{"0 9 * * MON-FUNDAY", `day-of-week field "MON-FUNDAY": use 0-6 or SUN-SAT`},
		{"CRON_TZ=Europe/Paris 0 9 * * MONDAY", `day-of-week field "MONDAY"`},
		{"CRON_TZ=Mars/Olympus 0 9 * * MON", `time zone "Mars/Olympus": unknown; use an IANA zone such as Europe/Paris`},
		{"0 9 * *", `want 5 fields (minute hour day-of-month month day-of-week, like "0 9 * * MON"), found 4`},
		{"every monday", `found 2`},
		{"@fortnightly", `descriptors: @yearly`},
	}
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			_, err := Parse("PRODREADY_WEEKLY_CRON", c.spec)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "PRODREADY_WEEKLY_CRON=") || strings.Contains(err.Error(), "strconv") {
				t.Errorf("error %q; want it to name the variable and contain %q", err, c.want)
			}
		})
	}
	if _, err := Parse("PRODREADY_WEEKLY_CRON", "CRON_TZ=Europe/Paris 0 9 * * MON-FRI"); err != nil {
		t.Errorf("a good spec: %v", err)
	}
}
