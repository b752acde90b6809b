package scorecard

import (
	"strings"
	"testing"
)

// rule wraps conditions in a minimal scorecard at Bronze.
func withRule(level, conds string) string {
	return `{"identifier":"sc","rules":[{"identifier":"r1","title":"Rule one","level":"` + level + `","query":{"combinator":"and","conditions":[` + conds + `]}}]}`
}

// TestLintFindings covers each error and warning SEMANTICS lists for validate.
func TestLintFindings(t *testing.T) {
	cases := []struct {
		name   string
		src    string
		sev    Severity
		substr string // in Finding.String()
		line   int    // 0: do not check
		col    int
	}{
		// Errors.
		{"unparseable JSON", "{\n  \"identifier\": \"x\",\n  \"rules\": [,]\n}", Error, "invalid JSON", 3, 13},
		{"truncated JSON", `{"identifier": "x"`, Error, "unexpected end of JSON input", 1, 19},
		{"empty file", ``, Error, "the file is empty", 0, 0},
		{"missing identifier", `{"rules":[]}`, Error, `missing required field "identifier"`, 1, 1},
		{"missing rules", `{"identifier":"x"}`, Error, `scorecard x, missing required field "rules"`, 0, 0},
		{"identifier too long", `{"identifier":"` + strings.Repeat("a", 101) + `","rules":[]}`, Error, "101 characters long; at most 100", 0, 0},
		{"rule missing title", `{"identifier":"sc","rules":[{"identifier":"r","level":"Gold","query":{"combinator":"and","conditions":[{"property":"x","operator":"isEmpty"}]}}]}`, Error, `rule r, missing required field "title"`, 0, 0},
		{"rule missing query", `{"identifier":"sc","rules":[{"identifier":"r","title":"R","level":"Gold"}]}`, Error, `rule r, missing required field "query"`, 0, 0},
		{"wrong type", `{"identifier":"sc","rules":[{"identifier":7,"title":"R","level":"Gold","query":{}}]}`, Error, `field "identifier" must be a string, not number`, 1, 43},
		{"unknown operator", withRule("Gold", `{"property":"x","operator":"contain","value":"a"}`), Error, `unknown operator "contain" (did you mean "contains"?)`, 0, 0},
		{"unknown level with hint", withRule("Sliver", `{"property":"x","operator":"isEmpty"}`), Error, `level "Sliver" is not defined; levels are Basic, Bronze, Silver, Gold (did you mean "Silver"?)`, 0, 0},
		{"unknown level custom", `{"identifier":"sc","levels":[{"title":"Low"},{"title":"High"}],"rules":[{"identifier":"r","title":"R","level":"Gold","query":{"combinator":"and","conditions":[{"property":"x","operator":"isEmpty"}]}}]}`, Error, `level "Gold" is not defined; levels are Low, High`, 0, 0},
		{"rule at base level", withRule("Basic", `{"property":"x","operator":"isEmpty"}`), Error, `rule is at the base level "Basic"`, 0, 0},
		{"duplicate level titles", `{"identifier":"sc","levels":[{"title":"A"},{"title":"B"},{"title":"B"}],"rules":[]}`, Error, `duplicate level title "B"`, 0, 0},
		{"duplicate rule identifiers", `{"identifier":"sc","rules":[
			{"identifier":"r","title":"R1","level":"Gold","query":{"combinator":"and","conditions":[{"property":"x","operator":"isEmpty"}]}},
			{"identifier":"r","title":"R2","level":"Gold","query":{"combinator":"and","conditions":[{"property":"y","operator":"isEmpty"}]}}]}`, Error, `duplicate rule identifier "r" (first at line 2)`, 3, 4},
		{"both property and relation", withRule("Gold", `{"property":"x","relation":"y","operator":"isEmpty"}`), Error, `both "property" and "relation"`, 0, 0},
		{"neither property nor relation", withRule("Gold", `{"operator":"isEmpty"}`), Error, `neither "property" nor "relation"`, 0, 0},
		{"in needs array", withRule("Gold", `{"property":"x","operator":"in","value":"a"}`), Error, `operator "in" needs an array of values, got string`, 0, 0},
		{"containsAny needs array", withRule("Gold", `{"property":"x","operator":"containsAny","value":3}`), Error, `operator "containsAny" needs an array`, 0, 0},
		{"< needs scalar", withRule("Gold", `{"property":"x","operator":"<","value":[1]}`), Error, `operator "<" needs a number, a date or a string, got array`, 0, 0},
		{"beginsWith needs string", withRule("Gold", `{"property":"x","operator":"beginsWith","value":1}`), Error, `needs a string, got number`, 0, 0},
		{"between needs range", withRule("Gold", `{"property":"x","operator":"between","value":"2026-01-01"}`), Error, `needs a date range`, 0, 0},
		{"between bad end", withRule("Gold", `{"property":"x","operator":"between","value":{"from":"soon","to":"2026-01-01"}}`), Error, `date range end "soon" is not a date`, 0, 0},
		{"missing value", withRule("Gold", `{"property":"x","operator":"="}`), Error, `operator "=" needs a value, got no value`, 0, 0},
		{"unknown preset", withRule("Gold", `{"property":"x","operator":"between","value":{"preset":"lastweek"}}`), Error, `unknown date preset "lastweek"`, 0, 0},
		{"unknown preset hint", withRule("Gold", `{"property":"x","operator":"between","value":{"preset":"last3Month"}}`), Error, `did you mean "last3Months"?`, 0, 0},
		{"bad combinator", `{"identifier":"sc","rules":[{"identifier":"r","title":"R","level":"Gold","query":{"combinator":"AND","conditions":[{"property":"x","operator":"isEmpty"}]}}]}`, Error, `combinator "AND" is not and/or (did you mean "and"?)`, 0, 0},
		{"empty conditions", `{"identifier":"sc","rules":[{"identifier":"r","title":"R","level":"Gold","query":{"combinator":"and","conditions":[]}}]}`, Error, `"conditions" is empty`, 0, 0},
		{"nested conditions", withRule("Gold", `{"combinator":"or","conditions":[]}`), Error, `conditions do not nest`, 0, 0},
		{"not on other operator", withRule("Gold", `{"property":"x","operator":"=","value":1,"not":true}`), Error, `"not" is only allowed with isEmpty and isNotEmpty`, 0, 0},
		{"catalog given as scorecards", `[{"identifier":"svc","properties":{"a":1}}]`, Error, `catalog of entities, not scorecard definitions (pass it with --catalog)`, 0, 0},
		{"port entities response", `{"ok":true,"entities":[]}`, Error, `catalog of entities`, 0, 0},
		{"single rule", `{"identifier":"r","title":"R","level":"Gold","query":{"combinator":"and","conditions":[{"property":"x","operator":"isEmpty"}]}}`, Error, `a single rule, not a scorecard`, 0, 0},
		{"scalar top level", `42`, Error, `expected a scorecard object or an array of scorecards, not number`, 0, 0},
		{"filter error", `{"identifier":"sc","filter":{"combinator":"and","conditions":[{"property":"x","operator":"like","value":1}]},"rules":[]}`, Error, `unknown operator "like"`, 0, 0},
		// Warnings.
		{"same title", `{"identifier":"sc","rules":[
			{"identifier":"a","title":"Same","level":"Gold","query":{"combinator":"and","conditions":[{"property":"x","operator":"isEmpty"}]}},
			{"identifier":"b","title":"Same","level":"Gold","query":{"combinator":"and","conditions":[{"property":"y","operator":"isEmpty"}]}}]}`, Warning, `rule b, has the same title "Same" as rule a`, 0, 0},
		{"empty level below used level", withRule("Silver", `{"property":"x","operator":"isEmpty"}`), Warning, `level "Bronze" has no rules but "Silver" above it has`, 0, 0},
		{"boolean as string", withRule("Gold", `{"property":"x","operator":"=","value":"true"}`), Warning, `the string "true" is compared where a boolean is probably meant`, 0, 0},
		{"number as string", withRule("Gold", `{"property":"x","operator":">","value":"10"}`), Warning, `the string "10" is compared where a number is probably meant`, 0, 0},
		{"array with =", withRule("Gold", `{"property":"x","operator":"=","value":["a"]}`), Warning, `an array is compared with "="`, 0, 0},
		{"misspelt identifier", `{"identifier":"sc","rules":[{"identifier":"hasReadnme","title":"Has a readme","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"x","operator":"isEmpty"}]}}]}`, Warning, `identifier word "readnme" and title word "readme" differ`, 0, 0},
		{"repeated conditions", `{"identifier":"sc","rules":[
			{"identifier":"a","title":"A","level":"Gold","query":{"combinator":"and","conditions":[{"property":"x","operator":"isEmpty"},{"property":"y","operator":"=","value":1}]}},
			{"identifier":"b","title":"B","level":"Gold","query":{"combinator":"and","conditions":[{"property":"y","operator":"=","value":1},{"property":"x","operator":"isEmpty"}]}}]}`, Warning, `rule b, repeats the conditions of rule a`, 0, 0},
		{"unknown meta-property", withRule("Gold", `{"property":"$teams","operator":"isEmpty"}`), Warning, `"$teams" is not a meta-property; it reads properties["$teams"] (did you mean "$team"?)`, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			scs, findings := ParseScorecards("f.json", []byte(tc.src))
			var hit *Finding
			for i := range findings {
				if findings[i].Severity == tc.sev && strings.Contains(findings[i].String(), tc.substr) {
					hit = &findings[i]
				}
			}
			if hit == nil {
				t.Fatalf("no %s containing %q in:\n%v", tc.sev, tc.substr, findings)
			}
			if !strings.HasPrefix(hit.String(), "f.json:") {
				t.Errorf("finding does not name the file: %s", hit)
			}
			if tc.line > 0 && (hit.Line != tc.line || hit.Col != tc.col) {
				t.Errorf("at %d:%d, want %d:%d: %s", hit.Line, hit.Col, tc.line, tc.col, hit)
			}
			if tc.sev == Error && len(scs) != 0 {
				t.Errorf("a scorecard with an error loaded")
			}
			if tc.sev == Warning && len(scs) != 1 {
				t.Errorf("a scorecard with only warnings did not load: %v", findings)
			}
		})
	}
}

// TestRejectedScorecardLeavesOthers: SEMANTICS, Levels 4 — other scorecards still load.
func TestRejectedScorecardLeavesOthers(t *testing.T) {
	src := `[` + withRule("Gold", `{"property":"x","operator":"isEmpty"}`) + `,` +
		strings.Replace(withRule("Nope", `{"property":"x","operator":"isEmpty"}`), `"sc"`, `"bad"`, 1) + `]`
	scs, findings := ParseScorecards("f.json", []byte(src))
	if len(scs) != 1 || scs[0].Identifier != "sc" {
		t.Fatalf("loaded %v", scs)
	}
	errs := findings.Errors()
	if len(errs) != 1 || errs[0].Scorecard != "bad" || errs[0].Rule != "r1" {
		t.Errorf("errors %v", errs)
	}
}

// TestAcceptedShapes: every definitions shape SEMANTICS accepts.
func TestAcceptedShapes(t *testing.T) {
	one := withRule("Bronze", `{"property":"x","operator":"isEmpty"}`)
	cases := map[string]struct {
		src       string
		blueprint string
	}{
		"object":          {one, ""},
		"array":           {"[" + one + "]", ""},
		"port response":   {`{"ok":true,"scorecards":[` + strings.Replace(one, `{"identifier"`, `{"blueprint":"service","identifier"`, 1) + `]}`, "service"},
		"single response": {`{"ok":true,"scorecard":` + one + `}`, ""},
		"wrapper":         {`[{"blueprint":"service","data":[` + one + `]}]`, "service"},
	}
	for name, tc := range cases {
		scs, findings := ParseScorecards("f.json", []byte(tc.src))
		if findings.Err() != nil || len(scs) != 1 {
			t.Errorf("%s: %d scorecards, %v", name, len(scs), findings)
			continue
		}
		if scs[0].Blueprint != tc.blueprint {
			t.Errorf("%s: blueprint %q, want %q", name, scs[0].Blueprint, tc.blueprint)
		}
	}
	// Unknown keys are ignored, not fatal.
	if _, fs := ParseScorecards("f.json", []byte(strings.Replace(one, `{"identifier":"sc"`, `{"identifier":"sc","id":"x","createdAt":"y","extra":{"a":1}`, 1))); len(fs) != 0 {
		t.Errorf("unknown keys gave findings: %v", fs)
	}
}

// TestCatalogBadInput: every bad catalog says which file, where, and what to do.
func TestCatalogBadInput(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"malformed", "[\n {\"identifier\": \"a\",}\n]", "c.json:2:21: invalid JSON"},
		{"truncated", `[{"identifier": "a"`, "c.json:1:20: invalid JSON: unexpected end of input"},
		{"wrong type", "[\n{\"identifier\": \"a\", \"properties\": []}]", `c.json:2:36: entity #1: field "properties" must be an object, not array`},
		{"wrong type identifier", `[{"identifier": 5}]`, `entity #1: field "identifier" must be a string, not number`},
		{"team wrong type", `[{"identifier": "a", "team": 5}]`, `team must be a string or an array of strings`},
		{"no identifier", "[\n{\"identifier\": \"a\"},\n{\"title\": \"B\"}]", `c.json:3:1: entity #2 has no "identifier"`},
		{"blank identifier", "[\n{\"identifier\": \"a\"},\n{\"identifier\": \"  \"}]", `c.json:3:1: entity #2 has no "identifier"`},
		{"duplicate identifier", "[\n{\"identifier\": \"a\"},\n{\"identifier\": \"a\"}]", `c.json:3:1: entity #2 has the identifier "a", like entity #1 at line 2`},
		{"empty array", `[]`, "c.json: the catalog has no entities"},
		{"empty port response", `{"ok": true, "entities": []}`, "c.json: the catalog has no entities"},
		{"empty file", ``, "c.json: the file is empty"},
		{"scorecards as catalog", `[{"identifier": "sc", "rules": []}]`, `this is scorecard definitions, not a catalog (pass it with --scorecards)`},
		{"port scorecards response", `{"ok": true, "scorecards": []}`, `this is scorecard definitions (it has "scorecards"), not a catalog`},
		{"not ok", `{"ok": false, "error": "not_found"}`, `the response says "ok": false`},
		{"single entity", `{"identifier": "a", "properties": {}}`, `this is a single entity, not a catalog`},
		{"entity not object", `["a"]`, `entity #1 is not an object`},
		{"trailing data", `[{"identifier":"a"}] x`, `unexpected data after the catalog`},
		{"scalar", `7`, `expected a JSON array of entities`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCatalog("c.json", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v; want %q", err, tc.want)
			}
		})
	}
}

// TestCatalogShapes: a JSON array, Port's search response, or {"entity"}.
func TestCatalogShapes(t *testing.T) {
	for name, src := range map[string]string{
		"array":         `[{"identifier":"a","team":"payments","scorecards":{"s":{"level":"Gold","rules":[]}}}]`,
		"port response": `{"ok":true,"entities":[{"identifier":"a","team":["payments"]}],"next":null}`,
		"single entity": `{"ok":true,"entity":{"identifier":"a","team":["payments"]}}`,
	} {
		cat, err := ParseCatalog("c.json", []byte(src))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(cat.Entities) != 1 || cat.Entities[0].Team[0] != "payments" {
			t.Errorf("%s: %+v", name, cat.Entities)
		}
	}
}

// TestCatalogFind: identifier or title, any case, surrounding spaces ignored.
func TestCatalogFind(t *testing.T) {
	cat, err := NewCatalog([]Entity{{Identifier: "payments-api", Title: "Payments API"}, {Identifier: "search", Title: "payments-api-old"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"payments-api", "PAYMENTS-API", " Payments API ", "payments api"} {
		if i, ok := cat.Find(n); !ok || i != 0 {
			t.Errorf("Find(%q) = %d, %v", n, i, ok)
		}
	}
	if _, ok := cat.Find("payment"); ok {
		t.Error("a prefix matched")
	}
	if s := cat.Suggest("payment-api", 3); len(s) == 0 || s[0] != "payments-api" {
		t.Errorf("suggestions %v", s)
	}
}

// TestCatalogFindMarkup (issue 13 #12): a name is looked up as written
// first, so a service whose identifier carries Slack markup characters or is
// very long is found; markup around a name is dropped only when the name as
// written finds nothing.
func TestCatalogFindMarkup(t *testing.T) {
	long := strings.Repeat("very-long-service-name-", 12) + "end" // 279 characters
	cat, err := NewCatalog([]Entity{
		{Identifier: "payments-api", Title: "Payments API"},
		{Identifier: "evil-4-*bold*"},
		{Identifier: "tilde~"},
		{Identifier: "`quoted`"},
		{Identifier: "quoted"},
		{Identifier: long},
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		query, want string // want "" means not found
	}{
		{"evil-4-*bold*", "evil-4-*bold*"},
		{"EVIL-4-*BOLD*", "evil-4-*bold*"},
		{"*evil-4-*bold**", "evil-4-*bold*"},
		{"tilde~", "tilde~"},
		{"`quoted`", "`quoted`"}, // the exact name wins over the name without its markup
		{"quoted", "quoted"},
		{long, long},
		{" " + long + " ", long},
		{"*payments-api*", "payments-api"},
		{"`payments-api`", "payments-api"},
		{"~payments-api~", "payments-api"},
		{"_Payments API_", "payments-api"},
		{"* payments-api *", "payments-api"},
		{"payments-api*", "payments-api"}, // a stray mark, as Slack leaves one mid-edit
		{"**", ""},
		{"*payments*", ""},
	}
	for _, tc := range cases {
		i, ok := cat.Find(tc.query)
		got := ""
		if ok {
			got = cat.Entities[i].Identifier
		}
		if got != tc.want {
			t.Errorf("Find(%q) = %q, want %q", tc.query, got, tc.want)
		}
	}
}

// TestTeamsShapes: the fast reader of team lists agrees with encoding/json.
func TestTeamsShapes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{`["a","b"]`, []string{"a", "b"}, true},
		{` [ "a" , "b" ] `, []string{"a", "b"}, true},
		{`[]`, nil, true},
		{`"payments"`, []string{"payments"}, true},
		{`""`, nil, true},
		{`null`, nil, true},
		{`["a\"b"]`, []string{`a"b`}, true},
		{`["é"]`, []string{"é"}, true},
		{`[1]`, nil, false},
		{`{"a":1}`, nil, false},
	} {
		var got Teams
		err := got.UnmarshalJSON([]byte(tc.in))
		if (err == nil) != tc.ok || strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b        string
		limit, want int
	}{
		{"kitten", "sitting", -1, 3},
		{"kitten", "sitting", 1, 2}, // gave up: more than the limit
		{"Payments-API", "payments-api", -1, 0},
		{"", "abc", -1, 3},
		{"abc", "", 2, 3},
		{"café", "cafe", -1, 1},
		{"Café", "cAFÉ", -1, 0},
		{strings.Repeat("a", 100), strings.Repeat("a", 99) + "b", -1, 1},
	} {
		if got := boundedDistance(tc.a, tc.b, tc.limit); got != tc.want {
			t.Errorf("boundedDistance(%q, %q, %d) = %d, want %d", tc.a, tc.b, tc.limit, got, tc.want)
		}
	}
}
