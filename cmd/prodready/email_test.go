package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/prodready/prodready/bot/email/smtptest"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report/history/historytest"
)

func emailVars(srv *smtptest.Server, db string) map[string]string {
	user, pass := "", ""
	if srv.NeedsLogin() {
		user, pass = "prodready", "smtp-s3cret"
	}
	return map[string]string{
		"PRODREADY_SMTP_URL":     srv.URL(user, pass),
		"PRODREADY_REPORT_EMAIL": "cto@example.com, vp@example.com",
		"PRODREADY_EMAIL_FROM":   "prodready <prodready@example.com>",
		"PRODREADY_DB":           db,
	}
}

// TestWeeklyDigestByEmailOncePerPeriod is issue 19's acceptance of the
// e-mail notifier: run weekly-report delivers the digest to an SMTP server,
// once per period however often it runs.
func TestWeeklyDigestByEmailOncePerPeriod(t *testing.T) {
	// A password goes only over TLS (tested in bot/email, where the test
	// can trust the server's certificate): this server takes mail without.
	srv := smtptest.Start(t, smtptest.Options{})
	vars := emailVars(srv, filepath.Join(t.TempDir(), "h.db"))
	for i := range 3 {
		code, out, errs := runJobCLI(t, vars, "weekly-report")
		if code != exitOK {
			t.Fatalf("run %d: exit %d: %s%s", i, code, out, errs)
		}
		if strings.Contains(out+errs, "smtp-s3cret") {
			t.Fatalf("run %d shows the SMTP password:\n%s%s", i, out, errs)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d e-mails after three runs, want 1", len(msgs))
	}
	m := msgs[0]
	body := string(m.Data)
	if strings.Join(m.To, ",") != "cto@example.com,vp@example.com" || !strings.Contains(body, "Subject: Weekly production-readiness digest") ||
		!strings.Contains(body, "text/html") || !strings.Contains(body, "text/plain") || !strings.Contains(body, "image/png") {
		t.Errorf("e-mail to %v:\n%.2000s", m.To, body)
	}
	// --force sends the next copy.
	if code, out, errs := runJobCLI(t, vars, "weekly-report", "--force"); code != exitOK {
		t.Fatalf("--force: exit %d: %s%s", code, out, errs)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("%d e-mails after --force, want 2", n)
	}
}

// TestDigestBySlackAndEmail: with both configured, each gets the digest
// once, and a rerun sends neither again.
func TestDigestBySlackAndEmail(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	emu := slackemu.New(t)
	reports := emu.AddChannel("eng-managers")
	vars := emailVars(srv, filepath.Join(t.TempDir(), "h.db"))
	vars["PRODREADY_SMTP_URL"] = srv.URL("", "")
	vars["SLACK_BOT_TOKEN"], vars["SLACK_API_URL"], vars["PRODREADY_REPORT_CHANNEL"] = emu.BotToken(), emu.URL(), reports
	for i := range 2 {
		if code, out, errs := runJobCLI(t, vars, "weekly-report"); code != exitOK {
			t.Fatalf("run %d: exit %d: %s%s", i, code, out, errs)
		}
	}
	if n, m := len(srv.Messages()), len(emu.Messages(reports)); n != 1 || m != 1 {
		t.Errorf("%d e-mails and %d Slack messages after two runs, want 1 and 1", n, m)
	}
}

// TestDigestByEmailAcrossReplicas: two replicas running the digest at
// once on one Postgres history send one e-mail.
func TestDigestByEmailAcrossReplicas(t *testing.T) {
	dsn := historytest.PostgresDSN(t) // skips, saying why, with no server
	srv := smtptest.Start(t, smtptest.Options{})
	vars := emailVars(srv, dsn)
	vars["PRODREADY_SMTP_URL"] = srv.URL("", "")
	var wg sync.WaitGroup
	codes := make([]int, 4)
	outs := make([]string, 4)
	for i := range codes {
		wg.Go(func() {
			var out, errb bytes.Buffer
			e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
			codes[i] = run(context.Background(), e, []string{"run", "weekly-report"})
			outs[i] = out.String() + errb.String()
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != exitOK {
			t.Errorf("replica %d: exit %d: %s", i, c, outs[i])
		}
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d e-mails from four replicas, want 1", n)
	}
}

// TestEmailPasswordNeverInTheClear: a server that offers only PLAIN on a
// connection without TLS gets no password, and the run says what to do.
func TestEmailPasswordNeverInTheClear(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Username: "prodready", Password: "smtp-s3cret"})
	vars := emailVars(srv, filepath.Join(t.TempDir(), "h.db"))
	code, out, errs := runJobCLI(t, vars, "weekly-report")
	if code == exitOK || len(srv.Messages()) != 0 {
		t.Fatalf("exit %d, %d e-mails: a password went over a connection in the clear", code, len(srv.Messages()))
	}
	if !strings.Contains(errs, "no way to log in") || !strings.Contains(errs, "PRODREADY_REPORT_EMAIL") || strings.Contains(out+errs, "smtp-s3cret") {
		t.Errorf("stderr:\n%s", errs)
	}
}

func TestEmailSettingsGoTogether(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	tests := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"PRODREADY_SMTP_URL": srv.URL("", "")}, "PRODREADY_EMAIL_FROM is not"},
		{map[string]string{"PRODREADY_REPORT_EMAIL": "cto@example.com"}, "PRODREADY_SMTP_URL is not"},
		{map[string]string{"PRODREADY_SMTP_URL": "smtp://u:pw-s3cret@:25", "PRODREADY_EMAIL_FROM": "a@example.com"}, "PRODREADY_SMTP_URL: no host"},
		{map[string]string{"PRODREADY_SMTP_URL": srv.URL("", ""), "PRODREADY_EMAIL_FROM": "not an address"}, "PRODREADY_EMAIL_FROM"},
	}
	for _, tt := range tests {
		code, out, errs := runJobCLI(t, tt.vars, "weekly-report")
		if code != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 saying %q", tt.vars, code, errs, tt.want)
		}
		if strings.Contains(out+errs, "s3cret") {
			t.Errorf("%v: the password shows:\n%s%s", tt.vars, out, errs)
		}
	}
}
