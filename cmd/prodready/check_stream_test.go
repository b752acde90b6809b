package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/report/gate"
	"github.com/prodready/prodready/scorecard/demo"
	"github.com/prodready/prodready/scorecard/files"
)

// scaledCatalog writes the demo's services multiplied to n as a JSON
// array, one entity a line, and returns its path.
func scaledCatalog(t *testing.T, n int) string {
	t.Helper()
	bd, err := demo.Scaled(context.Background(), time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), n, 7)
	if err != nil {
		t.Fatal(err)
	}
	buf := []byte{'['}
	for i := range bd.Catalog.Entities {
		if i > 0 {
			buf = append(buf, ',', '\n')
		}
		if buf, err = appendJSON(buf, &bd.Catalog.Entities[i]); err != nil {
			t.Fatal(err)
		}
	}
	buf = append(buf, ']', '\n')
	p := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCheckStreamedAsWhole: a check that reads its catalog in pieces says
// byte for byte what reading it whole says, on stdout and stderr, with the
// same exit status: JSON, the quiet gate, the full text and GitHub's
// annotations, with
// exemptions that apply in different pieces, and exemptions that name
// nothing.
func TestCheckStreamedAsWhole(t *testing.T) {
	cat := scaledCatalog(t, 3000) // about 12 pieces
	if p, ok, err := files.ReadCatalogPieces(cat, gate.StreamPiece); err != nil || !ok || p.Len() < 4 {
		t.Fatalf("the catalog would not be streamed: ok %v, err %v", ok, err)
	}
	xs := writeFile(t, "exemptions.yaml", `
- service: refunds-worker-00004
  scorecard: production_readiness
  rule: has_readme
  until: 2026-12-31
  reason: split
  by: alice
- service: legacy-billing-02998
  scorecard: production_readiness
  rule: has_readme
  until: 2026-12-31
  reason: retired soon
  by: bob
- service: no-such-service
  scorecard: production_readiness
  rule: has_readme
  until: 2026-12-31
  reason: typo
  by: carol
- service: legacy-billing-00008
  scorecard: production_readiness
  rule: no_such_rule
  until: 2026-12-31
  reason: typo
  by: dave
`)
	cases := [][]string{
		{"--format", "json"},
		{"--format", "json", "--min-level", "Gold"},
		{"--format", "json", "--scorecard", "operational_maturity"},
		{"--min-level", "Silver"},
		{"--min-level", "bronze", "--scorecard", "production_readiness"},
		{"--min-level", "Basic"}, // nothing below: exit 0
		{},                       // the full text
		{"--min-level", "Silver", "--verbose"},
		{"--scorecard", "operational_maturity"}, // services it does not apply to
		{"--format", "github", "--min-level", "Silver"},
		{"--format", "github"},
	}
	for _, withXs := range []bool{false, true} {
		vars := map[string]string{}
		if withXs {
			vars["PRODREADY_EXEMPTIONS"] = xs
		}
		for _, args := range cases {
			name := fmt.Sprintf("%s exemptions=%v", strings.Join(args, " "), withXs)
			t.Run(name, func(t *testing.T) {
				args := append([]string{"check", "--catalog", cat, "--now", fixedNow}, args...)
				wc, wout, werr := cliRead(vars, true, args...)
				sc, sout, serr := cliRead(vars, false, args...)
				if sc != wc {
					t.Errorf("exit %d streamed, %d whole", sc, wc)
				}
				if sout != wout {
					t.Errorf("stdout differs: %d bytes streamed, %d whole; first difference at byte %d", len(sout), len(wout), firstDiff(sout, wout))
				}
				if serr != werr {
					t.Errorf("stderr differs:\nstreamed:\n%s\nwhole:\n%s", head(serr, 20), head(werr, 20))
				}
				if len(wout) < 40 {
					t.Fatalf("almost no output: %q", wout)
				}
				if withXs && !strings.Contains(werr, `no service "no-such-service"`) {
					t.Errorf("the exemption of no service was not reported:\n%s", head(werr, 20))
				}
			})
		}
	}
}

// cliRead runs the command as cli does, reading a catalog file whole or,
// where check can, in pieces.
func cliRead(vars map[string]string, whole bool, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }, whole: whole}
	return run(context.Background(), e, args), out.String(), errb.String()
}

func firstDiff(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func head(s string, lines int) string {
	l := strings.SplitN(s, "\n", lines+1)
	return strings.Join(l[:min(len(l), lines)], "\n")
}

// TestCheckStreamStopsAtBadPiece: a value of the wrong type far into the
// catalog is found when its piece is decoded, after earlier pieces were
// written. The output stops there, the careful parser says where the
// mistake is, and check exits 2; it never passes for a whole result.
func TestCheckStreamStopsAtBadPiece(t *testing.T) {
	path := scaledCatalog(t, 3000)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The 2,500th entity's team becomes an object, which no decoder takes.
	lines := bytes.Split(data, []byte("\n"))
	lines[2499] = bytes.Replace(lines[2499], []byte(`"team":[`), []byte(`"team":{"x":[`), 1)
	lines[2499] = bytes.Replace(lines[2499], []byte(`],"properties"`), []byte(`]},"properties"`), 1)
	if err := os.WriteFile(path, bytes.Join(lines, []byte("\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli(t, nil, "check", "--catalog", path, "--now", fixedNow, "--format", "json")
	if code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitUsage, head(errs, 10))
	}
	if !strings.Contains(errs, path+":2500:") {
		t.Errorf("stderr does not say the line of the mistake (%s:2500:…):\n%s", path, head(errs, 10))
	}
	if !strings.Contains(errs, "the output above stops") {
		t.Errorf("stderr does not say the output is incomplete:\n%s", head(errs, 10))
	}
	if strings.HasSuffix(out, "]\n}\n") || !strings.Contains(out, `"identifier"`) {
		t.Errorf("stdout should hold the first pieces and no end: %d bytes, ends %q", len(out), out[max(0, len(out)-20):])
	}
}

// A catalog whose first piece does not decode (here a one-entity catalog
// with a team given as an object) writes nothing on stdout: the JSON's
// head goes out with the first piece.
func TestCheckStreamBadFirstPieceWritesNothing(t *testing.T) {
	path := writeFile(t, "catalog.json", `[{"identifier":"a","team":{"x":1}}]`)
	if _, ok, _ := files.ReadCatalogPieces(path, gate.StreamPiece); !ok {
		t.Fatal("the cut refuses the catalog; the test would not reach a piece")
	}
	code, out, errs := cli(t, nil, "check", "--catalog", path, "--now", fixedNow, "--format", "json")
	if code != exitUsage || out != "" || !strings.Contains(errs, path+":1:") || strings.Contains(errs, "output above") {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
}

// TestCheckServiceDecodesItsPiece: check SERVICE decodes only the pieces
// that hold the services named, by identifier or title in any case, so a
// mistake far from them is not read (and not reported); a name that finds
// nothing reads the catalog whole, to suggest one.
func TestCheckServiceDecodesItsPiece(t *testing.T) {
	clean := scaledCatalog(t, 5000)
	data, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(data, []byte("\n"))
	lines[4800] = bytes.Replace(lines[4800], []byte(`"team":[`), []byte(`"team":{"x":[`), 1)
	lines[4800] = bytes.Replace(lines[4800], []byte(`],"properties"`), []byte(`]},"properties"`), 1)
	broken := writeFile(t, "broken.json", string(bytes.Join(lines, []byte("\n"))))

	code, out, errs := cli(t, nil, "check", "payments-api-00000", "PAYMENTS-API-00030", "--catalog", broken, "--now", fixedNow)
	if code == exitUsage || !strings.Contains(out, "payments-api-00000") || !strings.Contains(out, "payments-api-00030") {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, head(out, 10), head(errs, 10))
	}
	// The whole catalog is refused for the mistake at line 4801.
	code, _, errs = cli(t, nil, "check", "--catalog", broken, "--now", fixedNow)
	if code != exitUsage || !strings.Contains(errs, ":4801:") {
		t.Fatalf("the broken catalog read whole: exit %d, stderr:\n%s", code, head(errs, 10))
	}
	// A misspelt name reads it whole and suggests.
	code, _, errs = cli(t, nil, "check", "paymnts-api-00000", "--catalog", clean, "--now", fixedNow)
	if code != exitUsage || !strings.Contains(errs, "did you mean") || !strings.Contains(errs, "payments-api-00000") {
		t.Fatalf("exit %d, stderr:\n%s", code, head(errs, 10))
	}
}

// TestCheckStreamRefusedLate: a catalog the cut refuses only near its end
// (a key of its last entities, a repeated identifier), after pieces were
// already being worked on, is read whole: check says exactly what the
// whole path says, once, and writes nothing of the refused pass.
func TestCheckStreamRefusedLate(t *testing.T) {
	path := scaledCatalog(t, 3000)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(data, []byte("\n"))
	cases := map[string]func(l [][]byte){
		"a top-level property": func(l [][]byte) {
			l[2998] = bytes.Replace(l[2998], []byte(`{"identifier"`), []byte(`{"readme":"x","identifier"`), 1)
		},
		"a repeated identifier": func(l [][]byte) {
			id := regexp.MustCompile(`"identifier":"[^"]*"`)
			l[2998] = id.ReplaceAll(l[2998], id.Find(l[1]))
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			l := make([][]byte, len(lines))
			for i := range lines {
				l[i] = bytes.Clone(lines[i])
			}
			mutate(l)
			p := writeFile(t, "catalog.json", string(bytes.Join(l, []byte("\n"))))
			if _, ok, _ := files.ReadCatalogPieces(p, gate.StreamPiece); ok {
				t.Fatal("the cut takes the mutated catalog; the test would not test the late refusal")
			}
			args := []string{"check", "--catalog", p, "--now", fixedNow, "--format", "json"}
			wc, wout, werr := cliRead(nil, true, args...)
			sc, sout, serr := cliRead(nil, false, args...)
			if sc != wc || sout != wout || serr != werr {
				t.Fatalf("streamed: exit %d, %d bytes, stderr:\n%s\nwhole: exit %d, %d bytes, stderr:\n%s", sc, len(sout), head(serr, 8), wc, len(wout), head(werr, 8))
			}
			if strings.Count(serr, "prodready: reading") != 1 {
				t.Errorf("reading said %d times:\n%s", strings.Count(serr, "prodready: reading"), head(serr, 8))
			}
		})
	}
}

// TestCheckStreamedTextSmall: the streamed text of a catalog of one
// service no scorecard applies to (printed in full), and of a few where
// some are grouped by reason, is the whole path's.
func TestCheckStreamedTextSmall(t *testing.T) {
	defs := writeFile(t, "defs.json", `{"identifier":"pr","title":"PR","filter":{"combinator":"and","conditions":[{"property":"tier","operator":"=","value":1}]},"levels":[{"title":"Basic"},{"title":"Bronze"}],"rules":[{"identifier":"o","title":"O","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"owner","operator":"isNotEmpty"}]}}]}`)
	for name, catalog := range map[string]string{
		"one left out": `[{"identifier":"solo","properties":{}}]`,
		"one in":       `[{"identifier":"solo","properties":{"tier":1}}]`,
		"some of each": `[{"identifier":"z","properties":{}},{"identifier":"b","properties":{"tier":1,"owner":"x"}},{"identifier":"a","properties":{}},{"identifier":"c","properties":{"tier":1}}]`,
	} {
		t.Run(name, func(t *testing.T) {
			cat := writeFile(t, "cat.json", catalog)
			args := []string{"check", "--catalog", cat, "--scorecards", defs, "--now", fixedNow}
			wc, wout, werr := cliRead(nil, true, args...)
			sc, sout, serr := cliRead(nil, false, args...)
			if sc != wc || sout != wout || serr != werr {
				t.Errorf("streamed: exit %d\n%s\n%s\nwhole: exit %d\n%s\n%s", sc, sout, serr, wc, wout, werr)
			}
			if !strings.Contains(wout, "solo") && !strings.Contains(wout, "no scorecard applies to 2 services (a, z)") {
				t.Errorf("output:\n%s", wout)
			}
		})
	}
}
