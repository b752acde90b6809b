package main

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/report/history"

	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/schedule"
	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/scorecard/port"
)

// TestEnvExampleMatchesTable: .env.example lists every variable of the
// table, once, with the table's default and a comment line above it; and
// nothing else.
func TestEnvExampleMatchesTable(t *testing.T) {
	f, err := os.Open("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type line struct {
		value, comment string
	}
	seen := map[string]line{}
	prev := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if name, value, ok := strings.Cut(text, "="); ok && !strings.HasPrefix(text, "#") {
			if _, dup := seen[name]; dup {
				t.Errorf(".env.example:%d: %s listed twice", n, name)
			}
			seen[name] = line{value, prev}
		}
		prev = text
	}
	table := map[string]variable{}
	for _, v := range variables() {
		table[v.name] = v
		got, ok := seen[v.name]
		switch {
		case !ok:
			t.Errorf(".env.example lacks %s", v.name)
		case got.value != v.def:
			t.Errorf(".env.example: %s=%q, but its default is %q", v.name, got.value, v.def)
		case !strings.HasPrefix(got.comment, "# "):
			t.Errorf(".env.example: %s has no explanation on the line above", v.name)
		}
	}
	for name := range seen {
		if _, ok := table[name]; !ok {
			t.Errorf(".env.example lists %s, which prodready does not read (not in cmd/prodready/config.go)", name)
		}
	}
}

// TestTableHasEveryVariableTheCodeReads scans the non-test sources for
// variable names, so that a new variable cannot escape the start-up check,
// `prodready config` and .env.example.
func TestTableHasEveryVariableTheCodeReads(t *testing.T) {
	table := map[string]bool{}
	for _, v := range variables() {
		table[v.name] = true
	}
	for _, name := range ciVariables() {
		table[name] = true // set by the CI itself (check --report-to's defaults)
	}
	for name := range notOurs() {
		table[name] = true // named only to be let through (the Action's)
	}
	re := regexp.MustCompile(`"((?:PRODREADY|PORT|SLACK|GITHUB|PAGERDUTY|BACKSTAGE)_[A-Z0-9_]+)"`)
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || strings.HasSuffix(d.Name(), "test")) {
			return filepath.SkipDir // emulators (porttest) and test helpers (historytest)
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllSubmatch(data, -1) {
			if name := string(m[1]); !table[name] && !strings.HasPrefix(name, "PRODREADY_TEST_") {
				t.Errorf("%s reads %s, which is not in the table of variables (cmd/prodready/config.go)", path, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDefaultsAreTheEffectiveOnes: the defaults shown are those the code
// applies when the variable is unset, and each passes its own check.
func TestDefaultsAreTheEffectiveOnes(t *testing.T) {
	for _, v := range variables() {
		if v.def != "" && v.set != nil {
			s := &settings{cronSpecs: map[string]string{}}
			if err := v.set(s, v.def); err != nil {
				t.Errorf("%s: its default %q is refused: %v", v.name, v.def, err)
			}
		}
	}
	defs := map[string]string{}
	for _, v := range variables() {
		defs[v.name] = v.def
	}
	if d, _ := parseRefreshEvery(defs["PRODREADY_REFRESH_EVERY"]); d != slackapp.DefaultRefreshEvery {
		t.Errorf("PRODREADY_REFRESH_EVERY default %s, serve uses %s", d, slackapp.DefaultRefreshEvery)
	}
	if defs["PRODREADY_LISTEN_ADDR"] != slackapp.DefaultListenAddr {
		t.Error("listen address default differs from the code's")
	}
	if d, _ := parseLeaderPoll(defs["PRODREADY_LEADER_POLL"]); d != schedule.DefaultLeaderPoll {
		t.Errorf("PRODREADY_LEADER_POLL default %s, the leader uses %s", d, schedule.DefaultLeaderPoll)
	}
	unset, err := loadSettings(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, job := range jobs.All() {
		env, spec := cronVariables()[job.Name()], job.Cron()
		if defs[env] != spec {
			t.Errorf("%s default %q, the %s job's is %q", env, defs[env], job.Name(), spec)
		}
		for _, e := range unset.schedules {
			if e.Job == job.Name() && e.Spec != spec {
				t.Errorf("%s unset: the scheduler uses %q, want %q", env, e.Spec, spec)
			}
		}
	}
	if unset.jobs.ReminderEvery != 7*24*time.Hour || unset.jobs.Retention != 400*24*time.Hour || unset.db != defaultDB {
		t.Errorf("reminder/retention/db defaults: %s/%s/%s", unset.jobs.ReminderEvery, unset.jobs.Retention, unset.db)
	}
	withPort, err := loadSettings(func(k string) string {
		if k == "PORT_CLIENT_ID" || k == "PORT_CLIENT_SECRET" {
			return "x"
		}
		return ""
	})
	if err != nil || withPort.port.BaseURL != port.BaseURLEU || withPort.port.Blueprint != "service" {
		t.Errorf("Port defaults: %+v %v", withPort.port, err)
	}
}

// TestBadValueStopsEveryCommand: a bad value stops any command before it
// does anything, with exit 2 and the variable's name.
func TestBadValueStopsEveryCommand(t *testing.T) {
	cases := []struct{ name, value string }{
		{"PORT_REGION", "mars"},
		{"PORT_API_URL", "ftp://port"},
		{"PORT_SCORECARDS", "a,,b"},
		{"PRODREADY_CATALOG", "/nonexistent/catalog.json"},
		{"PRODREADY_SCORECARDS", "/nonexistent/sc.json"},
		{"SLACK_BOT_TOKEN", "xoxp-user-token"},
		{"SLACK_APP_TOKEN", "xoxb-not-app"},
		{"SLACK_API_URL", "slack.com/api"},
		{"PRODREADY_LISTEN_ADDR", "8080"},
		{"PRODREADY_LISTEN_ADDR", ":99999"},
		{"PRODREADY_REFRESH_EVERY", "-1m"},
		{"PRODREADY_REFRESH_EVERY", "1ns"},
		{"PRODREADY_REFRESH_EVERY", "59s"},
		{"PRODREADY_NOTICE_CRON", "0 0 31 2 *"},
		{"PRODREADY_WEEKLY_CRON", "CRON_TZ=UTC 0 9 30 2 *"},
		{"PRODREADY_REFRESH_CRON", "every minute"},
		{"PRODREADY_WEEKLY_CRON", "0 9 * *"},
		{"PRODREADY_MONTHLY_CRON", "61 9 1 * *"},
		{"PRODREADY_NOTICE_CRON", "CRON_TZ=Mars/Base 0 10 * * *"},
		{"PRODREADY_TEAMS", "/nonexistent/teams.yaml"},
		{"PRODREADY_REMINDER_EVERY", "soon"},
		{"PRODREADY_RETENTION", "0"},
		{"PRODREADY_LEADER_POLL", "2m"},
		{"PRODREADY_DELIVERY_LEASE", "1ms"},
		{"PRODREADY_LOG_FORMAT", "xml"},
		{"PRODREADY_LOG_LEVEL", "loud"},
		{"PRODREADY_DB", "postgres://user:hunter2-db-pass@[::1"},
	}
	for _, c := range cases {
		for _, cmd := range [][]string{{"check", "payments-api"}, {"serve"}, {"run", "refresh"}} {
			t.Run(c.name+"/"+cmd[0], func(t *testing.T) {
				dir := t.TempDir()
				vars := map[string]string{c.name: c.value, "PRODREADY_DB": filepath.Join(dir, "h.db")}
				if c.name == "PRODREADY_DB" {
					vars[c.name] = c.value
				}
				code, out, errs := cli(t, vars, cmd...)
				if code != exitUsage || !strings.Contains(errs, c.name) {
					t.Fatalf("%s=%q: exit %d, stderr %q; want 2 naming %s", c.name, c.value, code, errs, c.name)
				}
				if out != "" {
					t.Errorf("something ran: %q", out)
				}
				if strings.Contains(errs, "hunter2-db-pass") {
					t.Errorf("the database password is in the error: %s", errs)
				}
				if _, err := os.Stat(filepath.Join(dir, "h.db")); err == nil {
					t.Error("the database was opened before the configuration was checked")
				}
			})
		}
	}
}

func TestConfigCommand(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{
		"SLACK_BOT_TOKEN":      "xoxb-1234-abcdefsecret",
		"SLACK_SIGNING_SECRET": "signing-secret-value-42",
		"PORT_CLIENT_ID":       "client-id-visible",
		"PORT_CLIENT_SECRET":   "port-secret-value-77",
		"PRODREADY_DB":         "postgres://prodready:db-pass-value-9@db.internal:5432/prodready?sslmode=require",
		"PRODREADY_LOG_FORMAT": "json",
		"PRODREADY_CHART_DIR":  dir,
	}
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] },
		dotenv: map[string]bool{"PRODREADY_LOG_FORMAT": true}}
	if code := run(context.Background(), e, []string{"config"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := out.String()
	for _, secret := range []string{"xoxb-1234-abcdefsecret", "signing-secret-value-42", "port-secret-value-77", "db-pass-value-9"} {
		if strings.Contains(text, secret) {
			t.Errorf("config prints the secret %q:\n%s", secret, text)
		}
	}
	rows := map[string][]string{}
	for _, l := range strings.Split(text, "\n") {
		if f := strings.Fields(l); len(f) >= 3 {
			rows[f[0]] = f[1:]
		}
	}
	for _, c := range []struct{ name, value, from string }{
		{"PORT_CLIENT_ID", "client-id-visible", "environment"},
		{"SLACK_BOT_TOKEN", "********", "environment"},
		{"PRODREADY_DB", "postgres://prodready:xxxxx@db.internal:5432/prodready?sslmode=require", "environment"},
		{"PRODREADY_LOG_FORMAT", "json", ".env"},
		{"PRODREADY_WEEKLY_CRON", "0", "default"}, // "0 9 * * MON": the first field
		{"PORT_BLUEPRINT", "service", "default"},
	} {
		r := rows[c.name]
		if len(r) < 2 || r[0] != c.value || !contains(r, c.from) {
			t.Errorf("%s: row %q, want value %q from %s", c.name, r, c.value, c.from)
		}
	}
	if len(rows) != len(variables())+1 {
		t.Errorf("%d rows for %d variables:\n%s", len(rows), len(variables()), text)
	}

	vars["PRODREADY_WEEKLY_CRON"] = "tuesdays"
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), e, []string{"config"}); code != exitUsage || !strings.Contains(errb.String(), "PRODREADY_WEEKLY_CRON") {
		t.Fatalf("a bad value: exit %d, %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "tuesdays") {
		t.Error("config hides the bad value it complains about")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestMaskAndPassword(t *testing.T) {
	for _, c := range []struct{ in, pass, masked string }{
		{"postgres://u:p4ss-word@h/db", "p4ss-word", "postgres://u:xxxxx@h/db"},
		{"postgresql://u@h/db", "", "postgresql://u@h/db"},
		{"host=h user=u password=s3cr3t-pw dbname=d", "s3cr3t-pw", "host=h user=u password=xxxxx dbname=d"},
		{"./prodready.db", "", "./prodready.db"},
	} {
		if got := history.Secrets(c.in); c.pass != "" && !contains(got, c.pass) || c.pass == "" && len(got) > 0 {
			t.Errorf("history.Secrets(%q) = %q, want %q among them", c.in, got, c.pass)
		}
		if got := mask("PRODREADY_DB", c.in); got != c.masked {
			t.Errorf("mask(%q) = %q, want %q", c.in, got, c.masked)
		}
	}
	if got := mask("SLACK_BOT_TOKEN", "xoxb-1"); strings.Contains(got, "xoxb") {
		t.Errorf("mask shows the token: %q", got)
	}
}

// TestDotenvOrigin: .env fills in what the environment lacks, the
// environment wins, and `prodready config` says which is which.
func TestDotenvOrigin(t *testing.T) {
	t.Chdir(t.TempDir())
	dotenv := []byte("PRODREADY_REPORT_CHANNEL=C0FROMFILE\nPRODREADY_TARGET_LEVEL=Gold\n")
	if err := os.WriteFile(".env", dotenv, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PRODREADY_TARGET_LEVEL", "Silver")
	t.Setenv("PRODREADY_REPORT_CHANNEL", "") // restored after the test
	os.Unsetenv("PRODREADY_REPORT_CHANNEL")
	from, err := loadDotenv()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("PRODREADY_REPORT_CHANNEL") != "C0FROMFILE" || os.Getenv("PRODREADY_TARGET_LEVEL") != "Silver" {
		t.Fatalf("after .env: channel %q, level %q", os.Getenv("PRODREADY_REPORT_CHANNEL"), os.Getenv("PRODREADY_TARGET_LEVEL"))
	}
	var out bytes.Buffer
	e := &env{stdout: &out, stderr: &out, getenv: os.Getenv, dotenv: from}
	if code := run(context.Background(), e, []string{"config"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^PRODREADY_REPORT_CHANNEL +C0FROMFILE +\.env `),
		regexp.MustCompile(`(?m)^PRODREADY_TARGET_LEVEL +Silver +environment `),
	} {
		if !want.MatchString(out.String()) {
			t.Errorf("config output lacks %s:\n%s", want, out.String())
		}
	}
	if err := os.WriteFile(".env", []byte("NOT A LINE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadDotenv(); err == nil || !strings.Contains(err.Error(), ".env") {
		t.Errorf("a broken .env: %v", err)
	}
}

// TestReadmeListsEveryVariable: the README's configuration table has a row
// for every variable of the table, with its default, and no other.
func TestReadmeListsEveryVariable(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // variable -> its row
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		for _, m := range regexp.MustCompile("`([A-Z][A-Z0-9_]+)`").FindAllStringSubmatch(cells[1], -1) {
			rows[m[1]] = line
		}
	}
	for _, v := range variables() {
		row, ok := rows[v.name]
		switch {
		case !ok:
			t.Errorf("README's configuration table lacks %s", v.name)
		case v.def != "" && !strings.Contains(row, "`"+v.def+"`"):
			t.Errorf("README gives %s a default other than %q: %s", v.name, v.def, row)
		}
		delete(rows, v.name)
	}
	for name := range rows {
		if regexp.MustCompile(`^(PRODREADY|SLACK|PORT|GITHUB|PAGERDUTY|BACKSTAGE)_`).MatchString(name) {
			t.Errorf("README's table lists %s, which prodready does not read", name)
		}
	}
}
