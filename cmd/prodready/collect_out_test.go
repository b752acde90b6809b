package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestCollectOutputKeepsWhatIsThere (issue 21.18): -o writes through a
// temporary file and a rename, keeps the mode of the file it replaces, and
// refuses to replace what is not a regular file (a symlink, a FIFO).
func TestCollectOutputKeepsWhatIsThere(t *testing.T) {
	dir := t.TempDir()
	private := filepath.Join(dir, "private.json")
	if err := os.WriteFile(private, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, nil, "collect", "-o", private); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if fi, err := os.Stat(private); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("a 0600 file became %v (%v)", fi.Mode().Perm(), err)
	}

	target := filepath.Join(dir, "elsewhere.json")
	os.WriteFile(target, []byte("keep me"), 0o644)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, nil, "collect", "-o", link)
	if code != exitUsage || !strings.Contains(errs, "not a regular file") {
		t.Errorf("a symlink: exit %d, %q", code, errs)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the symlink was replaced")
	}
	if b, _ := os.ReadFile(target); string(b) != "keep me" {
		t.Error("the symlink's target was written")
	}

	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	code, _, errs = runCLI(t, nil, "collect", "-o", fifo)
	if code != exitUsage || !strings.Contains(errs, "not a regular file") {
		t.Errorf("a FIFO: exit %d, %q", code, errs)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Error("the FIFO was replaced")
	}
}
