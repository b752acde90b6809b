package bot

import (
	"fmt"

	"github.com/robfig/cron/v3"
	"strconv"
	"strings"
	"time"
)

// DefaultDBPath is the history database when PRODREADY_DB is not set.
const DefaultDBPath = "./prodready.db"

// DBPath returns PRODREADY_DB or the default.
func DBPath(getenv func(string) string) string {
	if p := strings.TrimSpace(getenv("PRODREADY_DB")); p != "" {
		return p
	}
	return DefaultDBPath
}

// JobConfigFromEnv reads the jobs' configuration from the environment.
// Bad values are errors naming the variable (or the teams file and key).
func JobConfigFromEnv(getenv func(string) string) (JobConfig, error) {
	cfg := JobConfig{
		ReportChannel: strings.TrimSpace(getenv("PRODREADY_REPORT_CHANNEL")),
		TargetLevel:   strings.TrimSpace(getenv("PRODREADY_TARGET_LEVEL")),
		ChartDir:      strings.TrimSpace(getenv("PRODREADY_CHART_DIR")),
	}
	var err error
	if cfg.ReminderEvery, err = envDays(getenv, "PRODREADY_REMINDER_EVERY", 7); err != nil {
		return cfg, err
	}
	if cfg.Retention, err = envDays(getenv, "PRODREADY_RETENTION", 400); err != nil {
		return cfg, err
	}
	if v := strings.TrimSpace(getenv("PRODREADY_DELIVERY_LEASE")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return cfg, fmt.Errorf("PRODREADY_DELIVERY_LEASE=%q: want a duration of at least 1s (\"30s\"), how long a message being posted stays reserved to one process", v)
		}
		cfg.DeliveryLease = d
	}
	if v := strings.TrimSpace(getenv("PRODREADY_TEST_DIGEST_PERIOD")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return cfg, fmt.Errorf("PRODREADY_TEST_DIGEST_PERIOD=%q: want a duration of at least 1s; for tests and demos only, it replaces the digests' weeks and months with periods this long", v)
		}
		cfg.DigestPeriod = d
	}
	if path := strings.TrimSpace(getenv("PRODREADY_TEAMS")); path != "" {
		if cfg.Routes, err = LoadTeamRoutes(path); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// envDays reads a duration: days as a bare number or with "d" ("7",
// "7d"), or a Go duration ("36h").
func envDays(getenv func(string) string, name string, def int) (time.Duration, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return time.Duration(def) * 24 * time.Hour, nil
	}
	if n, err := strconv.Atoi(strings.TrimSuffix(v, "d")); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("%s=%q: must be more than 0 days", name, v)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a number of days (\"7d\") or a duration (\"36h\")", name, v)
	}
	return d, nil
}

// everyPeriod is a schedule at the start of every period of length d, as
// report.Every counts them.
type everyPeriod time.Duration

func (e everyPeriod) Next(t time.Time) time.Time {
	d := time.Duration(e)
	return t.Truncate(d).Add(d)
}

// testSchedules: with PRODREADY_TEST_DIGEST_PERIOD, the weekly digest runs
// at the start of every such period instead of on its cron schedule.
func (j *Jobs) testSchedules(c ScheduleConfig) ScheduleConfig {
	d := j.cfg.DigestPeriod
	if d <= 0 {
		return c
	}
	specs, scheds := map[string]string{}, map[string]cron.Schedule{}
	for k, v := range c.Specs {
		specs[k] = v
	}
	for k, v := range c.Schedules {
		scheds[k] = v
	}
	specs[JobWeekly] = fmt.Sprintf("every %s (PRODREADY_TEST_DIGEST_PERIOD)", d)
	scheds[JobWeekly] = everyPeriod(d)
	return ScheduleConfig{Specs: specs, Schedules: scheds}
}
