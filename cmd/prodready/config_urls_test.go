package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestURLCredentialsRefusedUnseen: an API URL with user:password@ in it is
// refused for every API (Slack's included) by every command, and no
// command prints it, config included (it lists every value before saying
// which are bad).
func TestURLCredentialsRefusedUnseen(t *testing.T) {
	const pw = "p4ss-w0rd-77"
	for _, name := range []string{"SLACK_API_URL", "PORT_API_URL", "BACKSTAGE_URL", "GITHUB_API_URL", "PAGERDUTY_API_URL"} {
		for _, val := range []string{
			"https://admin:" + pw + "@api.example.com/",
			"http://" + pw + "@127.0.0.1:9/api/",
			"https://admin:" + pw + " x@api.example.com/", // url.Parse refuses it
		} {
			for _, cmd := range []string{"config", "check", "doctor", "serve"} {
				t.Run(name+"/"+cmd, func(t *testing.T) {
					vars := map[string]string{name: val, "SLACK_SIGNING_SECRET": "signing-secret-1"}
					var out, errb bytes.Buffer
					e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
					ctx, cancel := context.WithCancel(context.Background())
					cancel() // serve, were it to start, stops at once
					if code := run(ctx, e, []string{cmd}); code != exitUsage {
						t.Errorf("%s=%s: exit %d, want %d", name, val, code, exitUsage)
					}
					all := out.String() + errb.String()
					if strings.Contains(all, pw) {
						t.Errorf("%s printed the URL's password:\n%s", cmd, all)
					}
					if !strings.Contains(errb.String(), name+" must not carry credentials") {
						t.Errorf("the error does not name %s:\n%s", name, errb.String())
					}
				})
			}
		}
	}
}
