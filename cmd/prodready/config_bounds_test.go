package main

import (
	"strings"
	"testing"
	"time"
)

// TestDurationBounds: every duration setting has a floor and a ceiling,
// and a number of days too large for a Duration is refused rather than
// wrapped to a negative one; retention never goes below what the digests'
// exactly-once records need.
func TestDurationBounds(t *testing.T) {
	cases := []struct {
		name, value string
		err         string // "" for accepted
	}{
		{"PRODREADY_RETENTION", "1ns", "want from 100d to 3650d"},
		{"PRODREADY_RETENTION", "30d", "want from 100d to 3650d"},
		{"PRODREADY_RETENTION", "99d", "longest period a digest covers"},
		{"PRODREADY_RETENTION", "100d", ""},
		{"PRODREADY_RETENTION", "3650", ""},
		{"PRODREADY_RETENTION", "3651d", "want from 100d to 3650d"},
		{"PRODREADY_RETENTION", "106752d", "PRODREADY_RETENTION"},
		{"PRODREADY_LEADER_POLL", "1ns", "at least 500ms"},
		{"PRODREADY_LEADER_POLL", "500ms", ""},
		{"PRODREADY_LEADER_POLL", "31s", "at most 30s"},
		{"PRODREADY_EXEMPTION_MAX", "106752d", "PRODREADY_EXEMPTION_MAX"},
		{"PRODREADY_EXEMPTION_MAX", "9223372036854775807d", "PRODREADY_EXEMPTION_MAX"},
		{"PRODREADY_EXEMPTION_MAX", "731d", "want from 1d to 730d"},
		{"PRODREADY_EXEMPTION_MAX", "1h", "want from 1d to 730d"},
		{"PRODREADY_EXEMPTION_MAX", "730d", ""},
		{"PRODREADY_REMINDER_EVERY", "1s", "want from 1h to 365d"},
		{"PRODREADY_REMINDER_EVERY", "366d", "want from 1h to 365d"},
		{"PRODREADY_REMINDER_EVERY", "1h", ""},
		{"PRODREADY_DELIVERY_LEASE", "11m", "want from 1s to 10m"},
		{"PRODREADY_DELIVERY_LEASE", "10m", ""},
		{"PRODREADY_REFRESH_EVERY", "25h", "above the maximum of 1d"},
		{"PRODREADY_REFRESH_EVERY", "24h", ""},
		{"PORT_FETCH_TIMEOUT", "1ns", "want from 10s to 1d"},
		{"PORT_FETCH_TIMEOUT", "25h", "want from 10s to 1d"},
		{"PRODREADY_GITHUB_EVERY", "8d", "PRODREADY_GITHUB_EVERY"},
		{"PRODREADY_GITHUB_EVERY", "200h", "want from 1m to 7d"},
		{"PRODREADY_GITHUB_EVERY", "168h", ""},
	}
	for _, c := range cases {
		t.Run(c.name+"="+c.value, func(t *testing.T) {
			s, err := loadSettings(envOf(map[string]string{c.name: c.value}))
			switch {
			case c.err == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.err != "" && err == nil:
				t.Errorf("accepted (retention %v, exemption max %v, leader poll %v)", s.jobs.Retention, s.exemptions.max, s.leaderPoll)
			case c.err != "" && (!strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), c.name)):
				t.Errorf("error %q; want it to name %s and say %q", err, c.name, c.err)
			}
		})
	}
	// Every default is within its own bounds (TestDefaultsAreTheEffectiveOnes
	// parses them), and the retention floor covers every digest's period.
	if minRetention < 92*24*time.Hour {
		t.Errorf("minRetention %v is shorter than a quarter", minRetention)
	}
	for d, want := range map[time.Duration]string{500 * time.Millisecond: "500ms", time.Second: "1s", 90 * time.Second: "1m30s", time.Hour: "1h", 36 * time.Hour: "36h", 48 * time.Hour: "2d", 10 * time.Minute: "10m"} {
		if got := showDuration(d); got != want {
			t.Errorf("showDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
