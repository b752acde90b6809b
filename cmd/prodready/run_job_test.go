package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prodready/prodready/bot/slackemu"
)

func runJobCLI(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code := run(context.Background(), e, append([]string{"run"}, args...))
	return code, out.String(), errb.String()
}

func TestRunWeeklyReportWithNoConfiguration(t *testing.T) {
	t.Chdir(t.TempDir()) // the default database is ./prodready.db
	code, out, errs := runJobCLI(t, nil, "weekly-report")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"Weekly production-readiness digest", "Source: embedded demo", "First digest", "Production Readiness (30 services)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat("prodready.db"); err != nil {
		t.Errorf("the history was not kept in ./prodready.db: %v", err)
	}
}

func TestRunMonthlyReportWritesChart(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"PRODREADY_DB": filepath.Join(dir, "h.db"), "PRODREADY_CHART_DIR": dir}
	code, out, errs := runJobCLI(t, vars, "monthly-report")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	m := regexp.MustCompile(`Chart of the level mix: (\S+\.png)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no chart path printed:\n%s", out)
	}
	data, err := os.ReadFile(m[1])
	if err != nil || !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Errorf("chart %s: %v", m[1], err)
	}
}

func TestRunWeeklyReportToSlackOncePerPeriod(t *testing.T) {
	emu := slackemu.New(t)
	ch := emu.AddChannel("eng-managers")
	vars := map[string]string{
		"PRODREADY_DB": filepath.Join(t.TempDir(), "h.db"), "SLACK_BOT_TOKEN": emu.BotToken(), "SLACK_API_URL": strings.TrimSuffix(emu.URL(), "/"),
		"PRODREADY_REPORT_CHANNEL": ch,
	}
	steps := []struct {
		args     []string
		messages int
		stderr   string
	}{
		{[]string{"weekly-report"}, 1, "1 sent"},
		{[]string{"weekly-report"}, 1, "already sent to " + ch},
		{[]string{"weekly-report", "--dry-run"}, 1, ""},
		{[]string{"weekly-report", "--force"}, 2, "1 sent"},
	}
	for _, st := range steps {
		code, _, errs := runJobCLI(t, vars, st.args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", st.args, code, errs)
		}
		if n := len(emu.Messages(ch)); n != st.messages {
			t.Errorf("%v: channel has %d digests, want %d", st.args, n, st.messages)
		}
		if !strings.Contains(errs, st.stderr) {
			t.Errorf("%v: stderr %q lacks %q", st.args, errs, st.stderr)
		}
	}
}

func TestRunJobErrors(t *testing.T) {
	dir := t.TempDir()
	teams := filepath.Join(dir, "teams.yaml")
	os.WriteFile(teams, []byte("teams:\n  payments:\n    chanel: C1\n"), 0o644)
	db := filepath.Join(dir, "h.db")
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"no job", nil, nil, "Usage: prodready run JOB"},
		{"unknown job", nil, []string{"daily-report"}, `unknown job "daily-report"`},
		{"bad schedule", map[string]string{"PRODREADY_WEEKLY_CRON": "every monday"}, []string{"weekly-report"}, "PRODREADY_WEEKLY_CRON"},
		{"bad teams file", map[string]string{"PRODREADY_TEAMS": teams}, []string{"team-notices"}, teams + `:3: unknown key "chanel"`},
		{"bad retention", map[string]string{"PRODREADY_RETENTION": "forever"}, []string{"refresh"}, "PRODREADY_RETENTION"},
		{"database in a missing directory", map[string]string{"PRODREADY_DB": filepath.Join(dir, "no", "h.db")}, []string{"refresh"}, filepath.Join(dir, "no", "h.db")},
		{"report channel unset", map[string]string{"PRODREADY_DB": db, "SLACK_BOT_TOKEN": "xoxb-x"}, []string{"weekly-report"}, "PRODREADY_REPORT_CHANNEL"},
		{"teams unset", map[string]string{"PRODREADY_DB": db, "SLACK_BOT_TOKEN": "xoxb-x"}, []string{"team-notices"}, "PRODREADY_TEAMS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runJobCLI(t, tt.vars, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(errs, tt.want) {
				t.Errorf("stderr %q lacks %q", errs, tt.want)
			}
		})
	}
}

func TestRunTargetLevel(t *testing.T) {
	tests := []struct {
		target string
		code   int
		out    string // in the digest
		note   string // on stderr
	}{
		{"Silver", exitOK, "At or above Silver: 17 of 30", ""},
		{"silver", exitOK, "At or above Silver: 17 of 30", ""},
		{"production_readiness:Silver,operational_maturity:Operable", exitOK, "At or above Silver: 17 of 30", ""},
		// A target level no scorecard has is an error once the scorecards are loaded.
		{"Platinum", exitUsage, "", `PRODREADY_TARGET_LEVEL: level "Platinum" is not a level of any scorecard`},
		{"production_readiness:Platinum", exitUsage, "", `scorecard production_readiness has no level "Platinum" (levels: Basic, Bronze, Silver, Gold)`},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			vars := map[string]string{"PRODREADY_DB": filepath.Join(t.TempDir(), "h.db"), "PRODREADY_TARGET_LEVEL": tt.target}
			code, out, errs := runJobCLI(t, vars, "weekly-report")
			if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(errs, tt.note) {
				t.Errorf("exit %d (want %d); stdout lacks %q or stderr %q lacks %q:\n%s", code, tt.code, tt.out, errs, tt.note, out)
			}
		})
	}
}
