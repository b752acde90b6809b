package gate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/files"
)

const placesScorecard = `{
  "identifier": "pr",
  "title": "PR",
  "levels": [{"title": "Basic"}, {"title": "Bronze"}],
  "rules": [
    {"identifier": "owner", "title": "Has owner", "level": "Bronze",
     "query": {"combinator": "and", "conditions": [{"property": "owner", "operator": "isNotEmpty"}]}}
  ]
}
`

// evaluate loads a catalog and scorecards from files and evaluates them.
func evaluate(t *testing.T, catalog, scorecards string) (*scorecard.Evaluation, []int) {
	t.Helper()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	b, err := files.Source{Catalog: catalog, Scorecards: []string{scorecards}}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	ev := scorecard.Evaluate(now, b.Scorecards, b.Catalog)
	all := make([]int, len(b.Catalog.Entities))
	for i := range all {
		all[i] = i
	}
	return ev, all
}

// TestGitHubAnnotationPlaces: an annotation points at the service's line
// in the catalog when the catalog is a file in the workspace, else at the
// rule's line in the scorecards when those are, else at no file.
func TestGitHubAnnotationPlaces(t *testing.T) {
	ws := t.TempDir()
	outside := t.TempDir()
	write := func(dir, name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	catalog := "[\n{\"identifier\": \"ok\", \"properties\": {\"owner\": \"x\"}},\n{\"identifier\": \"b,c\", \"properties\": {}},\n{\"identifier\": \"d\", \"properties\": {}}\n]\n"
	catIn := write(ws, "catalog/services.json", catalog)
	catOut := write(outside, "services.json", catalog)
	scIn := write(ws, "scorecards.json", placesScorecard)
	scOut := write(outside, "scorecards.json", placesScorecard)
	cases := []struct {
		name, catalog, scorecards string
		want, lacks               []string
	}{
		{"catalog in the workspace", catIn, scIn,
			[]string{"::error file=catalog/services.json,line=3,title=b%2Cc%3A Has owner (Bronze)::", "::error file=catalog/services.json,line=4,title=d%3A"}, nil},
		{"scorecards in the workspace", catOut, scIn,
			[]string{"::error file=scorecards.json,line=6,title=b%2Cc%3A Has owner (Bronze)::"}, []string{"services.json"}},
		{"neither", catOut, scOut,
			[]string{"::error title=b%2Cc%3A Has owner (Bronze)::"}, []string{"file="}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, all := evaluate(t, tc.catalog, tc.scorecards)
			run, err := NewRun(ev, all, nil, "Bronze", []int{1}, "")
			if err != nil {
				t.Fatal(err)
			}
			run.SetPlaces(Places{Workspace: ws, Catalog: tc.catalog, Scorecards: []string{tc.scorecards}})
			var b strings.Builder
			if err := run.WriteGitHub(&b); err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.want {
				if !strings.Contains(b.String(), s) {
					t.Errorf("no %q in\n%s", s, b.String())
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(b.String(), s) {
					t.Errorf("%q in\n%s", s, b.String())
				}
			}
		})
	}
	// Without a bar every failing rule is a warning: warnings point too.
	ev, all := evaluate(t, catIn, scIn)
	run, err := NewRun(ev, all, nil, "", []int{-1}, "")
	if err != nil {
		t.Fatal(err)
	}
	run.SetPlaces(Places{Workspace: ws, Catalog: catIn})
	var b strings.Builder
	if err := run.WriteGitHub(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "::warning file=catalog/services.json,line=3,title=b%2Cc%3A Has owner (Bronze)::") {
		t.Errorf("a warning without file= and line=:\n%s", b.String())
	}
}
