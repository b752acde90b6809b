package files_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/files"
)

// repoRoot walks up to the directory with go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}

// documentedLevels reads the table between the example-levels markers of
// docs/catalog.md: service -> level.
func documentedLevels(t *testing.T, root string) map[string]string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(root, "docs", "catalog.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "<!-- example-levels:begin -->")
	table, _, ok2 := strings.Cut(rest, "<!-- example-levels:end -->")
	if !ok || !ok2 {
		t.Fatal("docs/catalog.md has no example-levels table")
	}
	out := map[string]string{}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 2 {
			continue
		}
		svc, lvl := strings.TrimSpace(cells[0]), strings.TrimSpace(cells[1])
		if svc == "Service" || strings.HasPrefix(svc, "---") {
			continue
		}
		out[svc] = lvl
	}
	if len(out) == 0 {
		t.Fatal("the example-levels table is empty")
	}
	return out
}

// The example catalog, as JSON and as a YAML directory, evaluates to the
// levels docs/catalog.md documents, and passes its own check.
func TestExampleLevels(t *testing.T) {
	root := repoRoot(t)
	want := documentedLevels(t, root)
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	scPath := filepath.Join(root, "examples", "catalog", "scorecards.json")
	scs, fs, err := files.ReadScorecards(scPath)
	if err != nil || fs.Err() != nil || len(scs) != 1 {
		t.Fatalf("scorecards: %v %v", err, fs.Err())
	}
	for _, variant := range []string{"catalog.json", "yaml"} {
		t.Run(variant, func(t *testing.T) {
			path := filepath.Join(root, "examples", "catalog", variant)
			findings, err := files.CheckCatalog(path, scs...)
			if err != nil || len(findings) > 0 {
				t.Fatalf("the example does not pass its check: %v\n%s", err, lines(findings))
			}
			cat, err := files.ReadCatalog(path)
			if err != nil {
				t.Fatal(err)
			}
			ev := scorecard.Evaluate(now, scs, cat)
			got := map[string]string{}
			for i, e := range ev.Catalog.Entities {
				got[e.Identifier] = scs[0].Levels[ev.Result(i, 0).Level].Title
			}
			if len(got) != len(want) {
				t.Errorf("%d services, the documentation lists %d", len(got), len(want))
			}
			for svc, lvl := range want {
				if got[svc] != lvl {
					t.Errorf("%s: level %q, documented %q", svc, got[svc], lvl)
				}
			}
		})
	}
}
