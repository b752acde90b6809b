package schedule

import (
	"fmt"
	"strings"

	"github.com/robfig/cron/v3"
)

// explain turns cron's parse error into one that says which field is
// wrong and what it accepts: cron's own is strconv's ("parsing
// "MONDAY": invalid syntax"), which names neither.
func explain(spec string, err error) string {
	// The five fields of a standard spec, in order, with what each accepts.
	cronFields := [5]struct{ name, accepts string }{
		{"minute", "0-59"},
		{"hour", "0-23"},
		{"day-of-month", "1-31"},
		{"month", "1-12 or JAN-DEC"},
		{"day-of-week", "0-6 or SUN-SAT"},
	}
	rest := strings.TrimSpace(spec)
	if strings.HasPrefix(rest, "CRON_TZ=") || strings.HasPrefix(rest, "TZ=") {
		tz, after, _ := strings.Cut(rest, " ")
		_, zone, _ := strings.Cut(tz, "=")
		if _, zerr := cron.ParseStandard(tz + " * * * * *"); zerr != nil {
			return fmt.Sprintf("time zone %q: unknown; use an IANA zone such as Europe/Paris", zone)
		}
		rest = strings.TrimSpace(after)
	}
	if strings.HasPrefix(rest, "@") {
		return fmt.Sprintf("%v (descriptors: @yearly, @monthly, @weekly, @daily, @hourly, @every DURATION)", err)
	}
	fields := strings.Fields(rest)
	if len(fields) != len(cronFields) {
		return fmt.Sprintf("want 5 fields (minute hour day-of-month month day-of-week, like \"0 9 * * MON\"), found %d", len(fields))
	}
	for i, f := range fields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = f
		if _, ferr := cron.ParseStandard(strings.Join(probe, " ")); ferr != nil {
			return fmt.Sprintf("%s field %q: use %s, a list (a,b), a range (a-b), * or a step (*/n)", cronFields[i].name, f, cronFields[i].accepts)
		}
	}
	return err.Error()
}
