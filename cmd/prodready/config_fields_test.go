package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/jobs"
)

// TestCronVariables: every job has a variable for its schedule, each its own.
func TestCronVariables(t *testing.T) {
	seen := map[string]string{}
	for _, job := range jobs.All() {
		v := cronVariables()[job.Name()]
		if !strings.HasPrefix(v, "PRODREADY_") || !strings.HasSuffix(v, "_CRON") {
			t.Errorf("job %s: schedule variable %q", job.Name(), v)
		}
		if other, ok := seen[v]; ok {
			t.Errorf("%s schedules both %s and %s", v, other, job.Name())
		}
		seen[v] = job.Name()
	}
}

// TestFieldNames: what prodready prints names variables where the
// libraries name their fields, including the cron field of a job.
func TestFieldNames(t *testing.T) {
	r := fieldNames()
	cases := []struct{ in, want string }{
		{engine.CronField(jobs.Weekly) + `="x": bad`, `PRODREADY_WEEKLY_CRON="x": bad`},
		{"every 1m (engine.Config.DigestPeriod)", "every 1m (" + testDigestPeriod + ")"},
		{"no field here", "no field here"},
	}
	for _, c := range cases {
		if got := r.Replace(c.in); got != c.want {
			t.Errorf("%q -> %q, want %q", c.in, got, c.want)
		}
	}
	for _, v := range variables() {
		if v.field != "" && !strings.Contains(r.Replace("["+v.field+"]"), v.name) {
			t.Errorf("%s: its field %s is not rewritten to it", v.name, v.field)
		}
	}
	base := errors.New(engine.CronField(jobs.Notices) + " is bad")
	err := nameVariables(r, base)
	if err.Error() != "PRODREADY_NOTICE_CRON is bad" || !errors.Is(err, base) {
		t.Errorf("nameVariables: %v", err)
	}
	var out strings.Builder
	w := namingWriter{w: &out, r: r}
	if n, err := w.Write([]byte(engine.CronField(jobs.Refresh) + "\n")); err != nil || n != len(engine.CronField(jobs.Refresh))+1 || out.String() != "PRODREADY_REFRESH_CRON\n" {
		t.Errorf("namingWriter wrote %q (%d, %v)", out.String(), n, err)
	}
}
