package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSourcesDocRunsOnTheDemo runs docs/sources.md's demo commands, as
// written, with no configuration: each must succeed.
func TestSourcesDocRunsOnTheDemo(t *testing.T) {
	data, err := os.ReadFile("../../docs/sources.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "<!-- demo commands")
	block, _, ok2 := strings.Cut(rest, "<!-- end demo commands -->")
	if !ok || !ok2 {
		t.Fatal("docs/sources.md has no demo commands between its markers")
	}
	tmp := t.TempDir()
	ran := 0
	for _, line := range strings.Split(block, "\n") {
		if !strings.HasPrefix(line, "prodready ") {
			continue
		}
		// The commands run from the repository's root; tests run in cmd/prodready.
		line = strings.ReplaceAll(line, "/tmp/", tmp+string(filepath.Separator))
		line = strings.ReplaceAll(line, "examples/", "../../examples/")
		args := strings.Fields(line)[1:]
		if code, out, errOut := cli(t, map[string]string{}, args...); code != exitOK {
			t.Errorf("%s: exit %d\n%s\n%s", line, code, out, errOut)
		}
		ran++
	}
	if ran < 4 {
		t.Errorf("only %d demo commands found", ran)
	}
}
