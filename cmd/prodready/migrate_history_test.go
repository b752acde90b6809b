package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrateHistory: the command on a history of this version says it
// is migrated already, its dry run writes nothing, and a bad --batch is
// a usage error. Moving an old history is history.MigrateLayout's test.
func TestMigrateHistory(t *testing.T) {
	db := filepath.Join(t.TempDir(), "history.db")
	vars := map[string]string{"PRODREADY_DB": db}
	cli := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
		code := run(context.Background(), e, append([]string{"migrate-history"}, args...))
		return code, out.String(), errb.String()
	}
	if code, out, errs := runJobCLI(t, vars, "refresh"); code != exitOK {
		t.Fatalf("refresh: exit %d: %s%s", code, out, errs)
	}
	for _, c := range []struct {
		args []string
		code int
		out  string
	}{
		{nil, exitOK, "in the change layout already: 1 snapshots"},
		{[]string{"--dry-run"}, exitOK, "in the change layout already"},
		{[]string{"--batch", "0"}, exitUsage, ""},
		{[]string{"extra"}, exitUsage, ""},
		{[]string{"--help"}, exitOK, "Usage: prodready migrate-history"},
	} {
		code, out, errs := cli(c.args...)
		if code != c.code || !strings.Contains(out, c.out) {
			t.Errorf("migrate-history %v: exit %d (want %d), stdout %q (want %q), stderr %q", c.args, code, c.code, out, c.out, errs)
		}
	}
	// A new file: created, and empty, in the change layout.
	vars["PRODREADY_DB"] = filepath.Join(t.TempDir(), "new.db")
	if code, out, errs := cli(); code != exitOK || !strings.Contains(out, "moved 0 snapshots") {
		t.Errorf("a new file: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, out, errs := runJobCLI(t, vars, "refresh"); code != exitOK {
		t.Errorf("refresh of the migrated new file: exit %d: %s%s", code, out, errs)
	}
}
