package scorecard

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

const exemptCard = `{"identifier":"sc","title":"SC","levels":[{"title":"Basic"},{"title":"Bronze"},{"title":"Silver"}],"rules":[
{"identifier":"owner","title":"Has owner","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"owner","operator":"isNotEmpty"}]}},
{"identifier":"docs","title":"Has docs","level":"Silver","query":{"combinator":"and","conditions":[{"property":"docs","operator":"isNotEmpty"}]}}]}`

func exemptFixture(t *testing.T) ([]*Scorecard, *Catalog) {
	t.Helper()
	scs, fs := ParseScorecards("sc.json", []byte(exemptCard))
	if err := fs.Err(); err != nil {
		t.Fatal(err)
	}
	cat, err := NewCatalog([]Entity{
		{Identifier: "a", Properties: map[string]any{"docs": "x"}},              // fails owner (Bronze)
		{Identifier: "b", Properties: map[string]any{"owner": "t", "docs": ""}}, // fails docs (Silver)
	})
	if err != nil {
		t.Fatal(err)
	}
	return scs, cat
}

func TestExemptRaisesLevelUntilItExpires(t *testing.T) {
	scs, cat := exemptFixture(t)
	until := now.Add(48 * time.Hour)
	xs := []Exemption{{Service: "a", Scorecard: "sc", Rule: "owner", Until: until, Reason: "moving teams", By: "alice", Origin: OriginFile}}
	cases := []struct {
		name      string
		at        time.Time
		level     string
		exempt    bool
		nextFixes int
	}{
		{"before until", now, "Silver", true, 0},
		{"at until", until, "Silver", true, 0},
		{"after until", until.Add(time.Second), "Basic", false, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev := Evaluate(tc.at, scs, cat)
			if p := ev.Exempt(xs); len(p) != 0 {
				t.Fatalf("problems: %v", p)
			}
			r := ev.Result(0, 0)
			if r.LevelName() != tc.level {
				t.Errorf("level %s, want %s", r.LevelName(), tc.level)
			}
			if r.Pass[0] {
				t.Error("the exempt rule's status changed to passing")
			}
			if got := r.Exemption(0) != nil; got != tc.exempt {
				t.Errorf("exempt %v, want %v", got, tc.exempt)
			}
			if tc.exempt && r.Exemption(0).String() != "exempt until "+until.Format(time.DateOnly)+": moving teams — by alice" {
				t.Errorf("text %q", r.Exemption(0).String())
			}
			if _, fix, ok := r.NextLevel(); ok && len(fix) != tc.nextFixes {
				t.Errorf("fixes %v, want %d", fix, tc.nextFixes)
			}
			// The other service is untouched.
			if ev.Result(1, 0).LevelName() != "Bronze" || ev.Result(1, 0).Exemption(1) != nil {
				t.Errorf("service b changed: %s", ev.Result(1, 0).LevelName())
			}
		})
	}
}

func TestExemptNamesWhatDoesNotExist(t *testing.T) {
	scs, cat := exemptFixture(t)
	ev := Evaluate(now, scs, cat)
	until := now.Add(time.Hour)
	p := ev.Exempt([]Exemption{
		{Service: "zz", Scorecard: "sc", Rule: "owner", Until: until},
		{Service: "a", Scorecard: "nope", Rule: "owner", Until: until},
		{Service: "a", Scorecard: "sc", Rule: "nope", Until: until},
	})
	want := []string{`no service "zz"`, `no scorecard "nope"`, `has no rule "nope"`}
	if len(p) != len(want) {
		t.Fatalf("problems %v", p)
	}
	for i, w := range want {
		if !strings.Contains(p[i].String(), w) {
			t.Errorf("problem %d = %q, want ~ %q", i, p[i], w)
		}
	}
	if ev.Result(0, 0).LevelName() != "Basic" {
		t.Error("a bad exemption changed a level")
	}
}

func TestParseExemptions(t *testing.T) {
	max := 90 * 24 * time.Hour
	cases := []struct {
		name  string
		src   string
		n     int
		finds []string // substrings, in order
	}{
		{"good", "- service: a\n  scorecard: sc\n  rule: owner\n  until: 2026-12-31\n  reason: moving\n  by: alice\n", 1, nil},
		{"empty file", "", 0, nil},
		{"missing field", "- service: a\n  scorecard: sc\n  rule: owner\n  until: 2026-12-31\n  by: alice\n", 0, []string{`x.yaml:1:3: error: field "reason" is missing`}},
		{"unknown field", "- service: a\n  scorecard: sc\n  rule: owner\n  until: 2026-12-31\n  reason: r\n  by: alice\n  approver: bob\n", 0, []string{`x.yaml:7:3: error: unknown field "approver"`}},
		{"bad until", "- service: a\n  scorecard: sc\n  rule: owner\n  until: soon\n  reason: r\n  by: alice\n", 0, []string{`x.yaml:4:10: error: field "until": "soon" is not a date`}},
		{"past until warns", "- service: a\n  scorecard: sc\n  rule: owner\n  until: 2026-01-01\n  reason: r\n  by: alice\n", 1, []string{`x.yaml:4:10: warning: field "until": until 2026-01-01 is past`}},
		{"beyond max", "- service: a\n  scorecard: sc\n  rule: owner\n  until: 2027-12-31\n  reason: r\n  by: alice\n", 0, []string{`x.yaml:4:10: error: field "until": until 2027-12-31 is more than 90 days from now`}},
		{"not a list", "service: a\n", 0, []string{"want a list of exemptions"}},
		{"duplicate", "- {service: a, scorecard: sc, rule: owner, until: 2026-12-31, reason: r, by: x}\n- {service: a, scorecard: sc, rule: owner, until: 2026-12-30, reason: r, by: x}\n", 1, []string{"already exempt at line 1"}},
		{"empty value", "- service: \"\"\n  scorecard: sc\n  rule: owner\n  until: 2026-12-31\n  reason: r\n  by: alice\n", 0, []string{`field "service" must be a non-empty value`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			xs, fs := ParseExemptions("x.yaml", []byte(tc.src), now, max)
			if len(xs) != tc.n {
				t.Errorf("%d exemptions, want %d (%v)", len(xs), tc.n, fs)
			}
			if len(fs) != len(tc.finds) {
				t.Fatalf("findings %v, want %q", fs, tc.finds)
			}
			for i, w := range tc.finds {
				if !strings.Contains(fs[i].String(), w) {
					t.Errorf("finding %q, want ~ %q", fs[i], w)
				}
			}
			for _, x := range xs {
				if x.Origin != OriginFile {
					t.Errorf("origin %q", x.Origin)
				}
			}
		})
	}
}

// TestExemptionMaxInclusive: the day PRODREADY_EXEMPTION_MAX away is the
// last one allowed, and the one the refusal of a later date says to pick.
func TestExemptionMaxInclusive(t *testing.T) {
	max := 90 * 24 * time.Hour
	for _, now := range []time.Time{
		time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 26, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 11, 26, 22, 30, 0, 0, time.FixedZone("UTC-5", -5*3600)),
	} {
		last := now.Add(max).UTC().Format(time.DateOnly)
		until, err := ParseUntil(last)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := CheckUntil(until, now, max); err != nil {
			t.Errorf("now %s: until %s, exactly %s away, refused: %v", now, last, Days(max), err)
		}
		next, _ := ParseUntil(now.Add(max + 24*time.Hour).UTC().Format(time.DateOnly))
		_, err = CheckUntil(next, now, max)
		if err == nil || !strings.Contains(err.Error(), "pick "+last+" or earlier") {
			t.Errorf("now %s: the day after the limit: %v; want it to say pick %s or earlier", now, err, last)
		}
		// What it says to pick is accepted: the advice is true.
		if m := regexp.MustCompile(`pick (\S+) or earlier`).FindStringSubmatch(fmt.Sprint(err)); m != nil {
			picked, _ := ParseUntil(m[1])
			if _, err := CheckUntil(picked, now, max); err != nil {
				t.Errorf("now %s: the date it says to pick (%s) is refused: %v", now, m[1], err)
			}
		}
	}
}

// TestParseExemptionsOneDocument: a second YAML document is refused with
// file:line, in a block list and in a flow list (JSON) alike, rather than
// its exemptions silently never counting; a leading --- is only a marker.
func TestParseExemptionsOneDocument(t *testing.T) {
	entry := "- service: a\n  scorecard: sc\n  rule: owner\n  until: 2026-12-31\n  reason: r\n  by: alice\n"
	other := strings.ReplaceAll(entry, "service: a", "service: b")
	cases := []struct {
		name, src string
		n         int
		want      string
	}{
		{"block list", entry + "---\n" + other, 0, "x.yaml:7:1: error: a second YAML document"},
		{"block list, document end", entry + "...\n" + other, 0, "x.yaml:7:1: error: a second YAML document"},
		{"flow list", `[{service: a, scorecard: sc, rule: owner, until: 2026-12-31, reason: r, by: x}]` + "\n---\n" + `[{service: b, scorecard: sc, rule: owner, until: 2026-12-31, reason: r, by: x}]`, 0, "x.yaml:3:1: error: a second YAML document"},
		{"leading marker", "# exemptions\n---\n" + entry + other, 2, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			xs, fs := ParseExemptions("x.yaml", []byte(c.src), now, 90*24*time.Hour)
			if c.want == "" {
				if len(fs) != 0 || len(xs) != c.n {
					t.Errorf("%d exemptions, findings %v", len(xs), fs)
				}
				return
			}
			if len(fs.Errors()) == 0 || !strings.Contains(fs[0].String(), c.want) {
				t.Errorf("findings %v; want an error ~ %q", fs, c.want)
			}
		})
	}
}

// TestParseExemptionsSummarisesFindings: past maxFindingsPerKind findings
// of one kind, one line says how many more there are; every entry is
// still read, and lines are those of the file.
func TestParseExemptionsSummarisesFindings(t *testing.T) {
	var b strings.Builder
	b.WriteString("# many expired entries\n")
	for i := range 50 {
		fmt.Fprintf(&b, "- service: s%d\n  scorecard: sc\n  rule: owner\n  until: 2026-01-01\n  reason: r\n  by: alice\n", i)
	}
	for i := range 25 {
		fmt.Fprintf(&b, "- service: u%d\n  scorecard: sc\n  rule: owner\n  until: 2026-12-31\n  reason: r\n  by: alice\n  approver: bob\n", i)
	}
	xs, fs := ParseExemptions("x.yaml", []byte(b.String()), now, 90*24*time.Hour)
	if len(xs) != 50 {
		t.Errorf("%d exemptions, want 50", len(xs))
	}
	var warnings, errs []string
	for _, f := range fs {
		if f.Severity == Warning {
			warnings = append(warnings, f.String())
		} else {
			errs = append(errs, f.String())
		}
	}
	if len(warnings) != maxFindingsPerKind+1 || !strings.Contains(warnings[len(warnings)-1], "30 more warnings like") {
		t.Errorf("%d warnings (want %d, the last a summary of 30 more):\n%s", len(warnings), maxFindingsPerKind+1, strings.Join(warnings, "\n"))
	}
	if len(errs) != maxFindingsPerKind+1 || !strings.Contains(errs[len(errs)-1], "5 more errors like") {
		t.Errorf("%d errors (want %d, the last a summary of 5 more):\n%s", len(errs), maxFindingsPerKind+1, strings.Join(errs, "\n"))
	}
	if len(warnings) > 0 && !strings.HasPrefix(warnings[0], "x.yaml:5:10: warning:") {
		t.Errorf("first warning %q, want it at x.yaml:5:10", warnings[0])
	}
	if len(errs) > 0 && !strings.HasPrefix(errs[0], fmt.Sprintf("x.yaml:%d:3: error: unknown field", 1+50*6+7)) {
		t.Errorf("first error %q, want it at line %d", errs[0], 1+50*6+7)
	}
}

// TestParseExemptionsBlockListLikeWhole: reading a block list an entry at
// a time finds what reading it whole does: syntax errors at their line,
// anchors shared across entries, entries after comments.
func TestParseExemptionsBlockListLikeWhole(t *testing.T) {
	entry := "- service: a\n  scorecard: sc\n  rule: owner\n  until: 2026-12-31\n  reason: r\n  by: &alice alice\n"
	cases := []struct {
		name, src string
		n         int
		want      string
	}{
		{"anchor across entries", entry + "- service: b\n  scorecard: sc\n  rule: owner\n  until: 2026-12-31\n  reason: r\n  by: *alice\n", 2, ""},
		{"syntax error in the second entry", entry + "# next\n- service: b\n  scorecard: [sc\n  rule: owner\n", 1, "x.yaml:8:1: error: not YAML"},
		{"text after the list", entry + "service: b\n", 0, "x.yaml:"},
		{"indented list", "  - service: a\n    scorecard: sc\n    rule: owner\n    until: 2026-12-31\n    reason: r\n    by: x\n", 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			xs, fs := ParseExemptions("x.yaml", []byte(c.src), now, 90*24*time.Hour)
			if len(xs) != c.n {
				t.Errorf("%d exemptions, want %d (%v)", len(xs), c.n, fs)
			}
			if c.want == "" && len(fs) > 0 || c.want != "" && (len(fs.Errors()) == 0 || !strings.Contains(fs.Errors()[0].String(), c.want)) {
				t.Errorf("findings %v; want ~ %q", fs, c.want)
			}
			if len(xs) == 2 && xs[1].By != "alice" {
				t.Errorf("the alias reads %q", xs[1].By)
			}
		})
	}
}
