package files_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/prodready/prodready/scorecard/files"
)

// FuzzCheckCatalog: any bytes, as JSON or YAML, give findings or an
// error, never a panic; and a catalog that loads has no error findings.
func FuzzCheckCatalog(f *testing.F) {
	for _, s := range []string{
		`[{"identifier": "a", "team": "x", "properties": {"p": 1}}]`,
		`{"ok": true, "entities": [{"identifier": "a", "relations": {"r": ["b"]}}]}`,
		"- identifier: a\n  team: [x]\n",
		"identifier: a\n---\nidentifier: b\n",
		"a: &x [1]\nb: *x\n",
		"- identifier: a\n  team:\n    name: x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		for _, name := range []string{"c.json", "c.yaml"} {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			fs, err := files.CheckCatalog(p)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if name == "c.yaml" {
				if _, err := files.ReadCatalog(p); err == nil && fs.Err() != nil {
					t.Fatalf("the catalog loads, yet its check has errors:\n%v", fs.Err())
				}
			}
		}
	})
}
