package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelpOnceOnStdout: each command's --help prints its usage once, on
// stdout, with no empty "Flags:" section; a bad flag prints the error and
// the usage once, on stderr; --version prints the version.
func TestHelpOnceOnStdout(t *testing.T) {
	for _, cmd := range []string{"check", "validate", "serve", "config", "run", "version"} {
		t.Run(cmd, func(t *testing.T) {
			var out, errb bytes.Buffer
			e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
			if code := run(context.Background(), e, []string{cmd, "--help"}); code != exitOK {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if n := strings.Count(out.String(), "Usage: prodready "+cmd); n != 1 || errb.Len() != 0 {
				t.Errorf("usage printed %d times on stdout (want 1), stderr %q:\n%s", n, errb.String(), out.String())
			}
			if strings.HasSuffix(strings.TrimSpace(out.String()), "Flags:") {
				t.Errorf("an empty Flags: section:\n%s", out.String())
			}
			if cmd == "run" {
				synopsis, _, _ := strings.Cut(out.String(), "\n")
				if !strings.Contains(synopsis, "--catalog") || !strings.Contains(synopsis, "--scorecards") {
					t.Errorf("run's synopsis leaves out flags it takes: %s", synopsis)
				}
			}
			if cmd == "version" {
				return
			}
			out.Reset()
			errb.Reset()
			if code := run(context.Background(), e, []string{cmd, "--no-such-flag"}); code != exitUsage {
				t.Errorf("a bad flag: exit %d", code)
			}
			if n := strings.Count(errb.String(), "Usage: prodready "+cmd); n != 1 || !strings.Contains(errb.String(), "no-such-flag") || out.Len() != 0 {
				t.Errorf("a bad flag: usage %d times on stderr (want 1, with the error), stdout %q:\n%s", n, out.String(), errb.String())
			}
		})
	}
	for _, flag := range []string{"--version", "-version", "-v"} {
		var out, errb bytes.Buffer
		e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		if code := run(context.Background(), e, []string{flag}); code != exitOK || out.String() != "prodready "+readBuild().version+"\n" {
			t.Errorf("prodready %s: exit %d, stdout %q, stderr %q", flag, code, out.String(), errb.String())
		}
	}
}
