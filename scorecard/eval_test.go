package scorecard

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// oneCondition builds a scorecard whose only rule (at Bronze) is one condition.
func oneCondition(t *testing.T, cond string) *Scorecard {
	t.Helper()
	src := fmt.Sprintf(`{"identifier":"sc","title":"SC","rules":[{"identifier":"r","title":"R","level":"Bronze","query":{"combinator":"and","conditions":[%s]}}]}`, cond)
	scs, findings := ParseScorecards("test.json", []byte(src))
	if err := findings.Err(); err != nil {
		t.Fatalf("condition %s: %v", cond, err)
	}
	return scs[0]
}

func entity(t *testing.T, js string) *Entity {
	t.Helper()
	var e Entity
	if err := json.Unmarshal([]byte(js), &e); err != nil {
		t.Fatalf("entity %s: %v", js, err)
	}
	return &e
}

// TestOperators checks each row of SEMANTICS' operator table, with the
// equality coercions it decides.
func TestOperators(t *testing.T) {
	cases := []struct {
		name   string
		cond   string
		entity string // properties/relations/meta of the entity
		want   bool
	}{
		// Operators: isEmpty / isNotEmpty; Values: empty is null, "", [], {}; absent reads as null.
		{"isEmpty absent", `{"property":"x","operator":"isEmpty"}`, `{}`, true},
		{"isEmpty null", `{"property":"x","operator":"isEmpty"}`, `{"properties":{"x":null}}`, true},
		{"isEmpty empty string", `{"property":"x","operator":"isEmpty"}`, `{"properties":{"x":""}}`, true},
		{"isEmpty empty array", `{"property":"x","operator":"isEmpty"}`, `{"properties":{"x":[]}}`, true},
		{"isEmpty empty object", `{"property":"x","operator":"isEmpty"}`, `{"properties":{"x":{}}}`, true},
		{"isEmpty zero is not empty", `{"property":"x","operator":"isEmpty"}`, `{"properties":{"x":0}}`, false},
		{"isEmpty false is not empty", `{"property":"x","operator":"isEmpty"}`, `{"properties":{"x":false}}`, false},
		{"isNotEmpty string", `{"property":"x","operator":"isNotEmpty"}`, `{"properties":{"x":"a"}}`, true},
		{"isNotEmpty absent", `{"property":"x","operator":"isNotEmpty"}`, `{}`, false},
		// Definitions: "not": true inverts isEmpty/isNotEmpty.
		{"isEmpty not", `{"property":"x","operator":"isEmpty","not":true}`, `{"properties":{"x":"a"}}`, true},
		{"isNotEmpty not", `{"property":"x","operator":"isNotEmpty","not":true}`, `{"properties":{"x":"a"}}`, false},
		// Equality: numbers numerically, strings byte for byte, booleans.
		{"= number", `{"property":"x","operator":"=","value":1}`, `{"properties":{"x":1.0}}`, true},
		{"= number differs", `{"property":"x","operator":"=","value":1}`, `{"properties":{"x":2}}`, false},
		{"= string", `{"property":"x","operator":"=","value":"Go"}`, `{"properties":{"x":"Go"}}`, true},
		{"= string case", `{"property":"x","operator":"=","value":"Go"}`, `{"properties":{"x":"go"}}`, false},
		{"= bool", `{"property":"x","operator":"=","value":true}`, `{"properties":{"x":true}}`, true},
		{"= null absent", `{"property":"x","operator":"=","value":true}`, `{}`, false},
		// Equality (decided): boolean against "true"/"false"; number against numeric string.
		{"= bool vs string true", `{"property":"x","operator":"=","value":"true"}`, `{"properties":{"x":true}}`, true},
		{"= bool vs string false", `{"property":"x","operator":"=","value":"false"}`, `{"properties":{"x":true}}`, false},
		{"= string true vs bool", `{"property":"x","operator":"=","value":true}`, `{"properties":{"x":"true"}}`, true},
		{"= number vs numeric string", `{"property":"x","operator":"=","value":"5"}`, `{"properties":{"x":5}}`, true},
		{"= numeric string vs number", `{"property":"x","operator":"=","value":5}`, `{"properties":{"x":"5.0"}}`, true},
		{"= bool vs number", `{"property":"x","operator":"=","value":1}`, `{"properties":{"x":true}}`, false},
		// Equality: arrays equal arrays of equal elements in order; never a scalar.
		{"= array in order", `{"property":"x","operator":"=","value":["a","b"]}`, `{"properties":{"x":["a","b"]}}`, true},
		{"= array out of order", `{"property":"x","operator":"=","value":["a","b"]}`, `{"properties":{"x":["b","a"]}}`, false},
		{"= array vs scalar", `{"property":"x","operator":"=","value":["a"]}`, `{"properties":{"x":"a"}}`, false},
		{"= scalar vs array", `{"property":"x","operator":"=","value":"a"}`, `{"properties":{"x":["a"]}}`, false},
		// != is not =.
		{"!= differs", `{"property":"x","operator":"!=","value":"default"}`, `{"properties":{"x":"prod"}}`, true},
		{"!= absent", `{"property":"x","operator":"!=","value":"default"}`, `{}`, true},
		{"!= bool vs string (port k8s 07)", `{"property":"x","operator":"!=","value":"false"}`, `{"properties":{"x":false}}`, false},
		// Ordering: numbers; number and numeric string; date-times; other strings bytewise; null or mixed false.
		{"< number", `{"property":"x","operator":"<","value":366}`, `{"properties":{"x":365}}`, true},
		{"< number equal", `{"property":"x","operator":"<","value":366}`, `{"properties":{"x":366}}`, false},
		{"<= number equal", `{"property":"x","operator":"<=","value":366}`, `{"properties":{"x":366}}`, true},
		{">= fractional", `{"property":"x","operator":">=","value":0.25}`, `{"properties":{"x":0.25}}`, true},
		{"> numeric string entity", `{"property":"x","operator":">","value":0}`, `{"properties":{"x":"2"}}`, true},
		{"> numeric string rule", `{"property":"x","operator":">","value":"10"}`, `{"properties":{"x":9}}`, false},
		{"< null", `{"property":"x","operator":"<","value":5}`, `{}`, false},
		{"> null", `{"property":"x","operator":">","value":5}`, `{"properties":{"x":null}}`, false},
		{"< mixed string", `{"property":"x","operator":"<","value":5}`, `{"properties":{"x":"abc"}}`, false},
		{"< mixed bool", `{"property":"x","operator":"<","value":5}`, `{"properties":{"x":true}}`, false},
		{"> date-time", `{"property":"x","operator":">","value":"2026-01-01T00:00:00Z"}`, `{"properties":{"x":"2026-06-01T00:00:00+02:00"}}`, true},
		{"> bare date", `{"property":"x","operator":">","value":"2026-01-01"}`, `{"properties":{"x":"2025-12-31T23:59:59Z"}}`, false},
		{"< date-time zones", `{"property":"x","operator":"<","value":"2026-01-01T00:00:00Z"}`, `{"properties":{"x":"2026-01-01T00:30:00+01:00"}}`, true},
		{"< strings bytewise", `{"property":"x","operator":"<","value":"b"}`, `{"properties":{"x":"a"}}`, true},
		{"< strings bytewise digits", `{"property":"x","operator":"<","value":"v9"}`, `{"properties":{"x":"v10"}}`, true},
		// Ordering (issue 13 #13): a date-time against a string that is not one is false, either way round,
		// with every ordering operator, even where byte order would say true.
		{"> garbage vs date-time", `{"property":"x","operator":">","value":"2026-06-01T00:00:00Z"}`, `{"properties":{"x":"garbage"}}`, false},
		{">= garbage vs date-time", `{"property":"x","operator":">=","value":"2026-06-01T00:00:00Z"}`, `{"properties":{"x":"garbage"}}`, false},
		{"< garbage vs bare date", `{"property":"x","operator":"<","value":"garbage"}`, `{"properties":{"x":"2026-06-01"}}`, false},
		{"<= date-time vs garbage rule", `{"property":"x","operator":"<=","value":"zzz"}`, `{"properties":{"x":"2026-06-01T00:00:00Z"}}`, false},
		{"> impossible date vs date", `{"property":"x","operator":">","value":"2026-06-01"}`, `{"properties":{"x":"2026-13-45"}}`, false},
		{"< two non-dates still bytewise", `{"property":"x","operator":"<","value":"garbage"}`, `{"properties":{"x":"apple"}}`, true},
		// contains / doesNotContains.
		{"contains substring", `{"property":"x","operator":"contains","value":"- [ ]"}`, `{"properties":{"x":"todo\n- [ ] a"}}`, true},
		{"contains element", `{"property":"x","operator":"contains","value":"go"}`, `{"properties":{"x":["rust","go"]}}`, true},
		{"contains element not substring", `{"property":"x","operator":"contains","value":"go"}`, `{"properties":{"x":["golang"]}}`, false},
		{"contains numeric element", `{"property":"x","operator":"contains","value":3}`, `{"properties":{"x":[1,3]}}`, true},
		{"contains null", `{"property":"x","operator":"contains","value":"a"}`, `{}`, false},
		{"doesNotContains null", `{"property":"x","operator":"doesNotContains","value":"a"}`, `{}`, true},
		{"doesNotContains substring", `{"property":"x","operator":"doesNotContains","value":"- [ ]"}`, `{"properties":{"x":"- [x] done"}}`, true},
		// beginsWith / endsWith and negatives; a non-string is false / true.
		{"beginsWith", `{"property":"x","operator":"beginsWith","value":"https://"}`, `{"properties":{"x":"https://a"}}`, true},
		{"beginsWith no", `{"property":"x","operator":"beginsWith","value":"https://"}`, `{"properties":{"x":"http://a"}}`, false},
		{"beginsWith number", `{"property":"x","operator":"beginsWith","value":"1"}`, `{"properties":{"x":12}}`, false},
		{"doesNotBeginsWith number", `{"property":"x","operator":"doesNotBeginsWith","value":"1"}`, `{"properties":{"x":12}}`, true},
		{"doesNotBeginsWith null", `{"property":"x","operator":"doesNotBeginsWith","value":"1"}`, `{}`, true},
		{"endsWith", `{"property":"x","operator":"endsWith","value":".md"}`, `{"properties":{"x":"README.md"}}`, true},
		{"doesNotEndsWith", `{"property":"x","operator":"doesNotEndsWith","value":".md"}`, `{"properties":{"x":"README.md"}}`, false},
		{"endsWith array", `{"property":"x","operator":"endsWith","value":"a"}`, `{"properties":{"x":["a"]}}`, false},
		// in: a string equal to one of the values; an array: any element.
		{"in", `{"property":"x","operator":"in","value":["Go","Python"]}`, `{"properties":{"x":"Python"}}`, true},
		{"in no", `{"property":"x","operator":"in","value":["Go","Python"]}`, `{"properties":{"x":"Ruby"}}`, false},
		{"in array any", `{"property":"x","operator":"in","value":["Go","Python"]}`, `{"properties":{"x":["Ruby","Go"]}}`, true},
		{"in null", `{"property":"x","operator":"in","value":["Go"]}`, `{}`, false},
		// containsAny: shares an element; a lone string is one element.
		{"containsAny $team", `{"property":"$team","operator":"containsAny","value":["example_team"]}`, `{"team":["a","example_team"]}`, true},
		{"containsAny $team none", `{"property":"$team","operator":"containsAny","value":["example_team"]}`, `{"team":["a"]}`, false},
		{"containsAny lone string", `{"property":"x","operator":"containsAny","value":["a","b"]}`, `{"properties":{"x":"b"}}`, true},
		{"containsAny null", `{"property":"x","operator":"containsAny","value":["a"]}`, `{}`, false},
		// between / notBetween: both ends included; presets end now; null is false / true.
		{"between from-to inside", `{"property":"x","operator":"between","value":{"from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z"}}`, `{"properties":{"x":"2026-01-15T00:00:00Z"}}`, true},
		{"between includes from", `{"property":"x","operator":"between","value":{"from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z"}}`, `{"properties":{"x":"2026-01-01T00:00:00Z"}}`, true},
		{"between includes to", `{"property":"x","operator":"between","value":{"from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z"}}`, `{"properties":{"x":"2026-02-01T00:00:00Z"}}`, true},
		{"between outside", `{"property":"x","operator":"between","value":{"from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z"}}`, `{"properties":{"x":"2026-02-01T00:00:01Z"}}`, false},
		{"between null", `{"property":"x","operator":"between","value":{"preset":"lastWeek"}}`, `{}`, false},
		{"notBetween null", `{"property":"x","operator":"notBetween","value":{"preset":"lastWeek"}}`, `{}`, true},
		{"between not a date", `{"property":"x","operator":"between","value":{"preset":"lastWeek"}}`, `{"properties":{"x":"soon"}}`, false},
		{"lastWeek 7 days inside", `{"property":"x","operator":"between","value":{"preset":"lastWeek"}}`, `{"properties":{"x":"2026-11-19T12:00:00Z"}}`, true},
		{"lastWeek 7 days outside", `{"property":"x","operator":"between","value":{"preset":"lastWeek"}}`, `{"properties":{"x":"2026-11-19T11:59:59Z"}}`, false},
		{"lastWeek future", `{"property":"x","operator":"between","value":{"preset":"lastWeek"}}`, `{"properties":{"x":"2026-11-26T12:00:01Z"}}`, false},
		{"last2Weeks", `{"property":"x","operator":"between","value":{"preset":"last2Weeks"}}`, `{"properties":{"x":"2026-11-12T12:00:00Z"}}`, true},
		{"lastMonth 30 days", `{"property":"x","operator":"between","value":{"preset":"lastMonth"}}`, `{"properties":{"x":"2026-10-27T12:00:00Z"}}`, true},
		{"lastMonth 31 days", `{"property":"x","operator":"between","value":{"preset":"lastMonth"}}`, `{"properties":{"x":"2026-10-26T12:00:00Z"}}`, false},
		{"last3Months 90", `{"property":"x","operator":"between","value":{"preset":"last3Months"}}`, `{"properties":{"x":"2026-08-28T12:00:00Z"}}`, true},
		{"last6Months 180", `{"property":"x","operator":"between","value":{"preset":"last6Months"}}`, `{"properties":{"x":"2026-05-29T11:00:00Z"}}`, false},
		{"last12Months 365", `{"property":"x","operator":"between","value":{"preset":"last12Months"}}`, `{"properties":{"x":"2025-11-26T12:00:00Z"}}`, true},
		{"today start", `{"property":"x","operator":"between","value":{"preset":"today"}}`, `{"properties":{"x":"2026-11-26T00:00:00Z"}}`, true},
		{"today end", `{"property":"x","operator":"between","value":{"preset":"today"}}`, `{"properties":{"x":"2026-11-26T23:59:59Z"}}`, true},
		{"today bare date", `{"property":"x","operator":"between","value":{"preset":"today"}}`, `{"properties":{"x":"2026-11-26"}}`, true},
		{"today not yesterday", `{"property":"x","operator":"between","value":{"preset":"today"}}`, `{"properties":{"x":"2026-11-25T23:59:59Z"}}`, false},
		{"yesterday", `{"property":"x","operator":"between","value":{"preset":"yesterday"}}`, `{"properties":{"x":"2026-11-25T08:00:00Z"}}`, true},
		{"tomorrow", `{"property":"x","operator":"between","value":{"preset":"tomorrow"}}`, `{"properties":{"x":"2026-11-27T08:00:00Z"}}`, true},
		{"tomorrow not today", `{"property":"x","operator":"between","value":{"preset":"tomorrow"}}`, `{"properties":{"x":"2026-11-26T23:00:00Z"}}`, false},
		{"notBetween inside", `{"property":"x","operator":"notBetween","value":{"preset":"lastMonth"}}`, `{"properties":{"x":"2026-11-20T00:00:00Z"}}`, false},
		{"whole UTC day with offset", `{"property":"x","operator":"between","value":{"preset":"today"}}`, `{"properties":{"x":"2026-11-27T00:30:00+01:00"}}`, true},
		// = with a date-range value: same as between.
		{"= range", `{"property":"x","operator":"=","value":{"preset":"lastWeek"}}`, `{"properties":{"x":"2026-11-25T00:00:00Z"}}`, true},
		{"= range outside", `{"property":"x","operator":"=","value":{"preset":"lastWeek"}}`, `{"properties":{"x":"2026-10-25T00:00:00Z"}}`, false},
		// Values: meta-properties read the entity's own fields.
		{"$identifier", `{"property":"$identifier","operator":"beginsWith","value":"pay"}`, `{"identifier":"payments-api"}`, true},
		{"$title", `{"property":"$title","operator":"=","value":"Payments API"}`, `{"title":"Payments API"}`, true},
		{"$blueprint", `{"property":"$blueprint","operator":"=","value":"service"}`, `{"blueprint":"service"}`, true},
		{"$icon", `{"property":"$icon","operator":"isNotEmpty"}`, `{"icon":"Go"}`, true},
		{"$createdAt", `{"property":"$createdAt","operator":"between","value":{"preset":"lastWeek"}}`, `{"createdAt":"2026-11-24T00:00:00Z"}`, true},
		{"$updatedAt", `{"property":"$updatedAt","operator":"<","value":"2026-01-01"}`, `{"updatedAt":"2025-06-01T00:00:00Z"}`, true},
		{"$createdBy", `{"property":"$createdBy","operator":"=","value":"ci"}`, `{"createdBy":"ci"}`, true},
		{"$updatedBy", `{"property":"$updatedBy","operator":"isEmpty"}`, `{}`, true},
		// Values: $team is an array; a single string reads as one element.
		{"$team isEmpty", `{"property":"$team","operator":"isEmpty"}`, `{"team":[]}`, true},
		{"$team absent isEmpty", `{"property":"$team","operator":"isEmpty"}`, `{}`, true},
		{"$team string", `{"property":"$team","operator":"containsAny","value":["payments"]}`, `{"team":"payments"}`, true},
		{"$team contains", `{"property":"$team","operator":"contains","value":"payments"}`, `{"team":["payments"]}`, true},
		{"$team = array", `{"property":"$team","operator":"=","value":["a","b"]}`, `{"team":["a","b"]}`, true},
		// Values: relations read relations[name]: identifier, array or null.
		{"relation id", `{"relation":"team","operator":"isNotEmpty"}`, `{"relations":{"team":"payments"}}`, true},
		{"relation null", `{"relation":"team","operator":"isNotEmpty"}`, `{"relations":{"team":null}}`, false},
		{"relation array in", `{"relation":"deps","operator":"in","value":["db"]}`, `{"relations":{"deps":["cache","db"]}}`, true},
		{"relation empty array", `{"relation":"deps","operator":"isEmpty"}`, `{"relations":{"deps":[]}}`, true},
		{"relation not a property", `{"relation":"x","operator":"isNotEmpty"}`, `{"properties":{"x":"a"}}`, false},
		// Values: any other property reads properties[name], even one named like a relation.
		{"property not a relation", `{"property":"team","operator":"isNotEmpty"}`, `{"relations":{"team":"a"}}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc := oneCondition(t, tc.cond)
			e := entity(t, tc.entity)
			if got := sc.Rules[0].Query.Match(e, now); got != tc.want {
				t.Errorf("%s on %s = %v, want %v", tc.cond, tc.entity, got, tc.want)
			}
		})
	}
}

// TestCombinators: "and" needs every condition, "or" any.
func TestCombinators(t *testing.T) {
	src := `[{"identifier":"a","rules":[{"identifier":"r","title":"R","level":"Bronze","query":{"combinator":"and","conditions":[
		{"property":"x","operator":"=","value":1},{"property":"y","operator":"=","value":2}]}}]},
		{"identifier":"o","rules":[{"identifier":"r","title":"R","level":"Bronze","query":{"combinator":"or","conditions":[
		{"property":"x","operator":"=","value":1},{"property":"y","operator":"=","value":2}]}}]}]`
	scs, fs := ParseScorecards("t.json", []byte(src))
	if fs.Err() != nil {
		t.Fatal(fs.Err())
	}
	for _, tc := range []struct {
		props   string
		and, or bool
	}{
		{`{"x":1,"y":2}`, true, true},
		{`{"x":1,"y":3}`, false, true},
		{`{"x":0,"y":3}`, false, false},
	} {
		e := entity(t, `{"properties":`+tc.props+`}`)
		if got := scs[0].Rules[0].Query.Match(e, now); got != tc.and {
			t.Errorf("and on %s = %v", tc.props, got)
		}
		if got := scs[1].Rules[0].Query.Match(e, now); got != tc.or {
			t.Errorf("or on %s = %v", tc.props, got)
		}
	}
}

// levelsCase evaluates a scorecard with rules that pass or fail by name.
func levelOf(t *testing.T, levels string, rules [][2]string, failing ...string) string {
	t.Helper()
	var rs []string
	for _, r := range rules {
		rs = append(rs, fmt.Sprintf(`{"identifier":%q,"title":%q,"level":%q,"query":{"combinator":"and","conditions":[{"property":%q,"operator":"isNotEmpty"}]}}`, r[0], r[0]+" title", r[1], r[0]))
	}
	src := `{"identifier":"sc"`
	if levels != "" {
		src += `,"levels":` + levels
	}
	src += `,"rules":[` + strings.Join(rs, ",") + `]}`
	scs, fs := ParseScorecards("t.json", []byte(src))
	if fs.Err() != nil {
		t.Fatal(fs.Err())
	}
	props := map[string]any{}
	for _, r := range rules {
		props[r[0]] = "yes"
	}
	for _, f := range failing {
		delete(props, f)
	}
	cat, err := NewCatalog([]Entity{{Identifier: "e", Properties: props}})
	if err != nil {
		t.Fatal(err)
	}
	return Evaluate(now, scs, cat).Result(0, 0).LevelName()
}

// TestLevelRule: SEMANTICS, Levels 1, 2 and 5.
func TestLevelRule(t *testing.T) {
	std := [][2]string{{"b1", "Bronze"}, {"b2", "Bronze"}, {"s1", "Silver"}, {"g1", "Gold"}}
	custom := `[{"title":"Low"},{"title":"Medium"},{"title":"High"},{"title":"Elite"}]`
	reordered := `[{"title":"Basic"},{"title":"Silver"},{"title":"Bronze"},{"title":"Gold"}]`
	cases := []struct {
		name    string
		levels  string
		rules   [][2]string
		failing []string
		want    string
	}{
		{"all pass: top", "", std, nil, "Gold"},
		{"gold fails", "", std, []string{"g1"}, "Silver"},
		{"silver fails, gold passes: Bronze", "", std, []string{"s1"}, "Bronze"},
		{"one bronze fails: base even though higher pass", "", std, []string{"b2"}, "Basic"},
		{"default levels named Basic..Gold", "", [][2]string{{"x", "Gold"}}, nil, "Gold"},
		{"custom levels", custom, [][2]string{{"m", "Medium"}, {"h", "High"}, {"e", "Elite"}}, []string{"e"}, "High"},
		{"custom base", custom, [][2]string{{"m", "Medium"}}, []string{"m"}, "Low"},
		// Levels 2: rank is position, not name.
		{"reordered: Silver ranks below Bronze", reordered, [][2]string{{"s", "Silver"}, {"b", "Bronze"}}, []string{"s"}, "Basic"},
		{"reordered: Bronze above Silver", reordered, [][2]string{{"s", "Silver"}, {"b", "Bronze"}}, nil, "Bronze"},
		{"reordered: Bronze fails", reordered, [][2]string{{"s", "Silver"}, {"b", "Bronze"}}, []string{"b"}, "Silver"},
		// Levels 5 (decided): a middle level without rules neither blocks nor grants.
		{"empty middle level skipped", "", [][2]string{{"b", "Bronze"}, {"g", "Gold"}}, nil, "Gold"},
		{"empty middle level not granted", "", [][2]string{{"b", "Bronze"}, {"g", "Gold"}}, []string{"g"}, "Bronze"},
		{"only silver and gold, silver passes", "", [][2]string{{"s", "Silver"}, {"g", "Gold"}}, []string{"g"}, "Silver"},
		{"only silver and gold, silver fails", "", [][2]string{{"s", "Silver"}, {"g", "Gold"}}, []string{"s"}, "Basic"},
		// Levels 5 (decided): an entity stays below a top level that has no rules.
		{"top level without rules not granted", "", [][2]string{{"b", "Bronze"}, {"s", "Silver"}}, nil, "Silver"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := levelOf(t, tc.levels, tc.rules, tc.failing...); got != tc.want {
				t.Errorf("level %s, want %s", got, tc.want)
			}
		})
	}
}

// TestApplies: blueprint and filter (SEMANTICS, Which entities a scorecard applies to).
func TestApplies(t *testing.T) {
	src := `[{"blueprint":"service","data":[{"identifier":"f","filter":{"combinator":"and","conditions":[{"property":"is_production","operator":"=","value":true}]},
		"rules":[{"identifier":"r","title":"R","level":"Gold","query":{"combinator":"and","conditions":[{"property":"x","operator":"isNotEmpty"}]}}]}]}]`
	scs, fs := ParseScorecards("t.json", []byte(src))
	if fs.Err() != nil {
		t.Fatal(fs.Err())
	}
	cat, err := NewCatalog([]Entity{
		{Identifier: "prod", Blueprint: "service", Properties: map[string]any{"is_production": true}},
		{Identifier: "dev", Blueprint: "service", Properties: map[string]any{"is_production": false}},
		{Identifier: "other-bp", Blueprint: "workload", Properties: map[string]any{"is_production": true}},
		{Identifier: "no-bp", Properties: map[string]any{"is_production": true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := Evaluate(now, scs, cat)
	want := []bool{true, false, false, true}
	for i, w := range want {
		if got := ev.Result(i, 0).Applies; got != w {
			t.Errorf("%s: applies %v, want %v", cat.Entities[i].Identifier, got, w)
		}
	}
}

// TestNotApplies says why a scorecard leaves an entity out, in words that do
// not depend on the entity beyond its blueprint, so that a report can say
// it once for many entities ("no scorecard applies" was printed per service).
func TestNotApplies(t *testing.T) {
	src := `[{"blueprint":"service","data":[{"identifier":"f","filter":{"combinator":"and","conditions":[{"property":"is_production","operator":"=","value":true}]},
		"rules":[{"identifier":"r","title":"R","level":"Gold","query":{"combinator":"and","conditions":[{"property":"x","operator":"isNotEmpty"}]}}]}]}]`
	scs, fs := ParseScorecards("t.json", []byte(src))
	if fs.Err() != nil {
		t.Fatal(fs.Err())
	}
	cases := []struct {
		entity Entity
		want   string
	}{
		{Entity{Identifier: "prod", Blueprint: "service", Properties: map[string]any{"is_production": true}}, ""},
		{Entity{Identifier: "dev", Blueprint: "service", Properties: map[string]any{"is_production": false}}, `scorecard f's filter leaves it out`},
		{Entity{Identifier: "w", Blueprint: "workload", Properties: map[string]any{"is_production": true}}, `scorecard f is for blueprint "service", not "workload"`},
	}
	for _, tc := range cases {
		if got := scs[0].NotApplies(&tc.entity, now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.entity.Identifier, got, tc.want)
		}
		if applies := scs[0].Applies(&tc.entity, now); applies != (tc.want == "") {
			t.Errorf("%s: Applies %v but NotApplies %q", tc.entity.Identifier, applies, tc.want)
		}
	}
}

// TestReasons: each failing condition says what the entity has and what it needs.
func TestReasons(t *testing.T) {
	cases := []struct {
		cond, entity, want string
	}{
		{`{"property":"freshness","operator":"<","value":366}`, `{"properties":{"freshness":412}}`, "freshness is 412; needs < 366"},
		{`{"property":"on_call","operator":"isNotEmpty"}`, `{}`, "on_call is not set"},
		{`{"property":"on_call","operator":"isNotEmpty"}`, `{"properties":{"on_call":""}}`, "on_call is empty; needs a value"},
		{`{"property":"x","operator":"isEmpty"}`, `{"properties":{"x":"a"}}`, `x is "a"; needs to be empty`},
		{`{"property":"lang","operator":"in","value":["Go","Python"]}`, `{"properties":{"lang":"Ruby"}}`, `lang is "Ruby"; needs to be one of "Go", "Python"`},
		{`{"property":"x","operator":"=","value":true}`, `{"properties":{"x":false}}`, `x is false; needs = true`},
		{`{"relation":"pd","operator":"isNotEmpty"}`, `{}`, `relation pd is not set`},
		{`{"property":"x","operator":"<","value":5}`, `{"properties":{"x":"abc"}}`, `x is "abc"; needs < 5 (a string cannot be ordered against a number)`},
		{`{"property":"d","operator":"between","value":{"preset":"lastWeek"}}`, `{"properties":{"d":"2026-01-01T00:00:00Z"}}`, `d is "2026-01-01T00:00:00Z"; needs between 2026-11-19T12:00:00Z and 2026-11-26T12:00:00Z (lastWeek)`},
		{`{"property":"$team","operator":"isNotEmpty"}`, `{}`, `$team is empty; needs a value`},
		// SEMANTICS, Operators: the reason says which value is not a date.
		{`{"property":"deployed_at","operator":">","value":"2026-06-01T00:00:00Z"}`, `{"properties":{"deployed_at":"garbage"}}`,
			`deployed_at is "garbage"; needs > "2026-06-01T00:00:00Z" ("garbage" is not a date)`},
		{`{"property":"deployed_at","operator":"<","value":"soon"}`, `{"properties":{"deployed_at":"2026-06-01"}}`,
			`deployed_at is "2026-06-01"; needs < "soon" (the rule's value "soon" is not a date)`},
	}
	for _, tc := range cases {
		sc := oneCondition(t, tc.cond)
		e := entity(t, tc.entity)
		e.Identifier = "e"
		cat, err := NewCatalog([]Entity{*e})
		if err != nil {
			t.Fatal(err)
		}
		r := Evaluate(now, []*Scorecard{sc}, cat).Result(0, 0)
		got := r.Reasons(0)
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s on %s: reasons %q, want %q", tc.cond, tc.entity, got, tc.want)
		}
	}
}

// TestReasonsOnlyFailingConditions: an "and" rule lists only the conditions that failed.
func TestReasonsOnlyFailingConditions(t *testing.T) {
	src := `{"identifier":"s","rules":[{"identifier":"r","title":"R","level":"Gold","query":{"combinator":"and","conditions":[
		{"property":"on_call","operator":"isNotEmpty"},{"property":"open_incidents","operator":"<","value":5}]}}]}`
	scs, _ := ParseScorecards("t.json", []byte(src))
	cat, _ := NewCatalog([]Entity{{Identifier: "e", Properties: map[string]any{"open_incidents": 7.0, "on_call": "x"}}})
	r := Evaluate(now, scs, cat).Result(0, 0)
	if got := r.Reasons(0); len(got) != 1 || got[0] != "open_incidents is 7; needs < 5" {
		t.Errorf("reasons %q", got)
	}
}

// TestNextLevel: the fixes for the next level with rules are the failing rules up to it.
func TestNextLevel(t *testing.T) {
	src := `{"identifier":"s","rules":[
		{"identifier":"b","title":"B","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"b","operator":"isNotEmpty"}]}},
		{"identifier":"g1","title":"G1","level":"Gold","query":{"combinator":"and","conditions":[{"property":"g1","operator":"isNotEmpty"}]}},
		{"identifier":"g2","title":"G2","level":"Gold","query":{"combinator":"and","conditions":[{"property":"g2","operator":"isNotEmpty"}]}}]}`
	scs, _ := ParseScorecards("t.json", []byte(src))
	cat, _ := NewCatalog([]Entity{{Identifier: "e", Properties: map[string]any{"b": "y"}}, {Identifier: "top", Properties: map[string]any{"b": "y", "g1": "y", "g2": "y"}}})
	ev := Evaluate(now, scs, cat)
	r := ev.Result(0, 0)
	rank, fix, ok := r.NextLevel()
	if !ok || scs[0].Levels[rank].Title != "Gold" || len(fix) != 2 {
		t.Errorf("next %d %v %v; want Gold with 2 fixes (Silver has no rules)", rank, fix, ok)
	}
	if _, _, ok := ev.Result(1, 0).NextLevel(); ok {
		t.Error("an entity at the top level has a next level")
	}
}

// TestOneNowPerEvaluation: the same entity evaluated at two instants differs
// only through now (SEMANTICS, Time).
func TestOneNowPerEvaluation(t *testing.T) {
	sc := oneCondition(t, `{"property":"d","operator":"between","value":{"preset":"lastWeek"}}`)
	cat, _ := NewCatalog([]Entity{{Identifier: "e", Properties: map[string]any{"d": "2026-11-20T00:00:00Z"}}})
	if !Evaluate(now, []*Scorecard{sc}, cat).Result(0, 0).Pass[0] {
		t.Error("fails at now")
	}
	if Evaluate(now.AddDate(0, 1, 0), []*Scorecard{sc}, cat).Result(0, 0).Pass[0] {
		t.Error("passes a month later")
	}
}

// A range condition remembers what it needs at the last now, shared by
// the goroutines of an evaluation: asked at another now, or negated, it
// says that now's range, never the remembered one.
func TestExplainRangeAtEachNow(t *testing.T) {
	scs, fs := ParseScorecards("r.json", []byte(`{"identifier":"r","rules":[
		{"identifier":"in","title":"In","level":"Gold","query":{"combinator":"and","conditions":[{"property":"x","operator":"between","value":{"preset":"lastWeek"}}]}},
		{"identifier":"out","title":"Out","level":"Gold","query":{"combinator":"and","conditions":[{"property":"x","operator":"notBetween","value":{"preset":"lastWeek"}}]}}]}`))
	if fs.Err() != nil {
		t.Fatal(fs.Err())
	}
	in, out := &scs[0].Rules[0].Query.Conditions[0], &scs[0].Rules[1].Query.Conditions[0]
	e := &Entity{Identifier: "a", Properties: map[string]any{"x": "2020-01-01T00:00:00Z"}}
	want := func(now time.Time, not string) string {
		return fmt.Sprintf(`x is "2020-01-01T00:00:00Z"; needs %sbetween %s and %s (lastWeek)`, not, now.AddDate(0, 0, -7).Format(time.RFC3339), now.Format(time.RFC3339))
	}
	t1 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	t2 := t1.Add(36 * time.Hour)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				now := []time.Time{t1, t2}[(g+i)%2]
				if got := in.Explain(e, now); got != want(now, "") {
					t.Errorf("between at %s: %q, want %q", now, got, want(now, ""))
					return
				}
				if got := out.Explain(&Entity{Identifier: "b", Properties: map[string]any{"x": now.Format(time.RFC3339)}}, now); !strings.HasSuffix(got, want(now, "not ")[len(`x is "2020-01-01T00:00:00Z"`):]) {
					t.Errorf("notBetween at %s: %q", now, got)
					return
				}
			}
		})
	}
	wg.Wait()
}
