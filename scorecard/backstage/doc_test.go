package backstage_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/backstage"
)

// The catalog-info.yaml in docs/catalog.md maps to the example catalog's
// payments-api, less the dates that come from collectors.
func TestDocumentedMapping(t *testing.T) {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		dir = filepath.Dir(dir)
	}
	doc, err := os.ReadFile(filepath.Join(dir, "docs", "catalog.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(doc), "This `catalog-info.yaml`:\n\n```yaml\n")
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("docs/catalog.md has no catalog-info.yaml example")
	}
	var raw any
	if err := yaml.Unmarshal([]byte(block), &raw); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(raw)
	var e backstage.Entity
	if err := json.Unmarshal(js, &e); err != nil {
		t.Fatal(err)
	}
	got, ws := backstage.Map(&e)
	if len(ws) > 0 {
		t.Errorf("warnings %q", ws)
	}

	data, err := os.ReadFile(filepath.Join(dir, "examples", "catalog", "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := scorecard.ParseCatalog("catalog.json", data)
	if err != nil {
		t.Fatal(err)
	}
	i, _ := cat.Find("payments-api")
	want := cat.Entities[i]
	delete(want.Properties, "last_deploy")
	delete(want.Properties, "last_security_scan")
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	var g, w any
	json.Unmarshal(gj, &g)
	json.Unmarshal(wj, &w)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("mapped:\n%s\nexample:\n%s", gj, wj)
	}
}
