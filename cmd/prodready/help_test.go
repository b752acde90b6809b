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

// TestHelpCommand: `prodready help COMMAND` and `prodready COMMAND --help`
// print the same help, that command's, even when the configuration is bad
// (help is how a person finds out what to fix).
func TestHelpCommand(t *testing.T) {
	bad := map[string]string{"PRODREADY_LOG_LEVEL": "loud"}
	for name := range commands() {
		t.Run(name, func(t *testing.T) {
			outputs := map[string]string{}
			for _, args := range [][]string{{"help", name}, {name, "--help"}, {name, "-h"}} {
				var out, errb bytes.Buffer
				e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return bad[k] }}
				if code := run(context.Background(), e, args); code != exitOK {
					t.Fatalf("prodready %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
				}
				if !strings.HasPrefix(out.String(), "Usage: prodready "+name) || errb.Len() != 0 {
					t.Errorf("prodready %s: stdout %q, stderr %q; want %s's usage", strings.Join(args, " "), out.String(), errb.String(), name)
				}
				outputs[strings.Join(args, " ")] = out.String()
			}
			if outputs["help "+name] != outputs[name+" --help"] {
				t.Errorf("help %s and %s --help differ:\n%s\n---\n%s", name, name, outputs["help "+name], outputs[name+" --help"])
			}
		})
	}
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	if code := run(context.Background(), e, []string{"help", "no-such-command"}); code != exitUsage || !strings.Contains(errb.String(), `unknown command "no-such-command"`) {
		t.Errorf("help of an unknown command: exit %d, stderr %q", code, errb.String())
	}
}
