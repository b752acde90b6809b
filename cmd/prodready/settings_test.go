package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestSettingsSchedules(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		err  string
		job  string
		next string // the job's next run after Monday 2026-11-23 07:30 UTC
	}{
		{"defaults", nil, "", "weekly-report", "2026-11-23T09:00:00Z"},
		{"default refresh", nil, "", "refresh", "2026-11-23T07:45:00Z"},
		{"default notices", nil, "", "team-notices", "2026-11-23T10:00:00Z"},
		{"default monthly", nil, "", "monthly-report", "2026-12-01T09:00:00Z"},
		{"CRON_TZ", map[string]string{"PRODREADY_WEEKLY_CRON": "CRON_TZ=Europe/Paris 0 9 * * MON"}, "", "weekly-report", "2026-11-23T08:00:00Z"},
		{"bad spec names the variable", map[string]string{"PRODREADY_NOTICE_CRON": "0 10 * * FUNDAY"}, "PRODREADY_NOTICE_CRON=\"0 10 * * FUNDAY\"", "", ""},
		{"six fields", map[string]string{"PRODREADY_REFRESH_CRON": "0 */15 * * * *"}, "PRODREADY_REFRESH_CRON", "", ""},
		{"bad zone", map[string]string{"PRODREADY_MONTHLY_CRON": "CRON_TZ=Mars/Olympus 0 9 1 * *"}, "PRODREADY_MONTHLY_CRON", "", ""},
	}
	from := time.Date(2026, 11, 23, 7, 30, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TZ", "UTC")
			s, err := loadSettings(envOf(tt.env))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want it to name %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range s.schedules {
				if e.Job == tt.job {
					if got := e.Schedule.Next(from).UTC().Format(time.RFC3339); got != tt.next {
						t.Errorf("next %s run: %s, want %s", tt.job, got, tt.next)
					}
					return
				}
			}
			t.Errorf("no schedule for %s", tt.job)
		})
	}
}

func TestParseDays(t *testing.T) {
	tests := []struct {
		v    string
		want time.Duration
		err  bool
	}{
		{"3", 3 * 24 * time.Hour, false},
		{"10d", 10 * 24 * time.Hour, false},
		{"36h", 36 * time.Hour, false},
		{"0", 0, true},
		{"soon", 0, true},
	}
	for _, tt := range tests {
		got, err := parseDays("X", tt.v)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("%q: %v, %v", tt.v, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "X=") {
			t.Errorf("error %q does not name the variable", err)
		}
	}
	s, err := loadSettings(envOf(nil))
	if err != nil || s.jobs.ReminderEvery != 7*24*time.Hour {
		t.Errorf("PRODREADY_REMINDER_EVERY unset: %v, %v", s.jobs.ReminderEvery, err)
	}
}

func TestSettingsLeaderPoll(t *testing.T) {
	for v, want := range map[string]string{"": "", "2s": "", "0s": "PRODREADY_LEADER_POLL", "soon": "PRODREADY_LEADER_POLL", "1m": "at most 30s"} {
		_, err := loadSettings(envOf(map[string]string{"PRODREADY_LEADER_POLL": v}))
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("PRODREADY_LEADER_POLL=%q: %v", v, err)
		}
	}
}

func TestSettingsJobs(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("team:\n  x: {}\n"), 0o644)
	if _, err := loadSettings(envOf(map[string]string{"PRODREADY_TEAMS": bad})); err == nil || !strings.Contains(err.Error(), bad+":1") {
		t.Errorf("bad teams file through the environment: %v", err)
	}
	for name, v := range map[string]string{"PRODREADY_WEEKLY_CRON": "weekly", "PRODREADY_REMINDER_EVERY": "often", "PRODREADY_TEST_DIGEST_PERIOD": "1ms"} {
		if _, err := loadSettings(envOf(map[string]string{name: v})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: %v, want an error naming it", name, v, err)
		}
	}
}

func TestSettingsPort(t *testing.T) {
	base := map[string]string{"PORT_CLIENT_ID": "id-1", "PORT_CLIENT_SECRET": "hunter2-secret"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name       string
		env        map[string]string
		baseURL    string
		appURL     string
		blueprint  string
		scorecards []string
		err        string
	}{
		{name: "defaults", env: base, baseURL: "https://api.port.io", appURL: "https://app.port.io", blueprint: "service"},
		{name: "us region", env: with("PORT_REGION", "us"), baseURL: "https://api.us.port.io", appURL: "https://app.us.port.io", blueprint: "service"},
		{name: "eu region", env: with("PORT_REGION", "EU"), baseURL: "https://api.port.io", appURL: "https://app.port.io", blueprint: "service"},
		{name: "bad region", env: with("PORT_REGION", "asia"), err: `PORT_REGION is "asia"`},
		{name: "api url", env: with("PORT_API_URL", "http://127.0.0.1:9999/"), baseURL: "http://127.0.0.1:9999", appURL: "https://app.port.io", blueprint: "service"},
		{name: "bad api url", env: with("PORT_API_URL", "api.port.io"), err: `PORT_API_URL is "api.port.io"`},
		{name: "api url with credentials", env: with("PORT_API_URL", "https://u:p@api.port.io"), err: "PORT_API_URL must not carry credentials"},
		{name: "blueprint and scorecards", env: with("PORT_BLUEPRINT", "microservice", "PORT_SCORECARDS", " a, b ,a"), baseURL: "https://api.port.io", appURL: "https://app.port.io", blueprint: "microservice", scorecards: []string{"a", "b"}},
		{name: "empty scorecard id", env: with("PORT_SCORECARDS", "a,,b"), err: "PORT_SCORECARDS"},
		{name: "id without secret", env: map[string]string{"PORT_CLIENT_ID": "id-1"}, err: "PORT_CLIENT_SECRET is not set"},
		{name: "page limit", env: with("PORT_MAX_PAGE_MB", "0"), err: `PORT_MAX_PAGE_MB is "0"`},
		{name: "page limit not a number", env: with("PORT_MAX_PAGE_MB", "64MB"), err: `PORT_MAX_PAGE_MB is "64MB"`},
		{name: "fetch timeout", env: with("PORT_FETCH_TIMEOUT", "soon"), err: `PORT_FETCH_TIMEOUT is "soon"`},
		{name: "negative fetch timeout", env: with("PORT_FETCH_TIMEOUT", "-1m"), err: `PORT_FETCH_TIMEOUT is "-1m"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := loadSettings(envOf(tc.env))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v; want one containing %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "hunter2-secret") {
					t.Errorf("error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cfg := s.port
			if cfg.BaseURL != tc.baseURL || cfg.AppURL != tc.appURL || cfg.Blueprint != tc.blueprint || !slices.Equal(cfg.Scorecards, tc.scorecards) {
				t.Errorf("got %+v", cfg)
			}
			if s := fmt.Sprint(cfg) + fmt.Sprintf("%v %s", cfg, cfg); strings.Contains(s, "hunter2-secret") {
				t.Errorf("printing the config shows the secret: %s", s)
			}
		})
	}
}

// PORT_MAX_PAGE_MB and PORT_FETCH_TIMEOUT set the bounds on Port's answers.
func TestSettingsPortBounds(t *testing.T) {
	s, err := loadSettings(envOf(map[string]string{"PORT_CLIENT_ID": "id", "PORT_CLIENT_SECRET": "x",
		"PORT_MAX_PAGE_MB": "128", "PORT_FETCH_TIMEOUT": "1h"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.port.MaxPageBytes != 128<<20 || s.port.MaxFetchTime != time.Hour {
		t.Errorf("MaxPageBytes %d, MaxFetchTime %s", s.port.MaxPageBytes, s.port.MaxFetchTime)
	}
}
