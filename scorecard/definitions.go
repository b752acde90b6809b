package scorecard

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
)

const maxIdentifier = 100

// ParseScorecards reads scorecard definitions in any shape SEMANTICS accepts:
// one scorecard, an array of them, Port's {"ok", "scorecards"} or
// {"scorecard"} responses, or the integration wrapper [{"blueprint", "data"}].
// It returns the scorecards that are usable and every finding; a scorecard
// with an error finding is left out, and the others still load. file names
// the input in findings.
func ParseScorecards(file string, data []byte) ([]*Scorecard, Findings) {
	p := &defParser{file: file, data: data}
	root, err := parseTree(data)
	if err != nil {
		f := Finding{File: file, Severity: Error, Message: "invalid JSON: " + err.Error()}
		if se, ok := err.(*SyntaxError); ok {
			f.Line, f.Col, f.Message = se.Line, se.Col, "invalid JSON: "+se.Msg
		}
		return nil, Findings{f}
	}
	var out []*Scorecard
	for _, it := range p.items(root) {
		if sc := p.scorecard(it.n, it.blueprint); sc != nil {
			out = append(out, sc)
		}
	}
	p.duplicateScorecards(out)
	return out, p.findings
}

type defParser struct {
	file     string
	data     []byte
	findings Findings
}

type defItem struct {
	n         *node
	blueprint string
}

func (p *defParser) add(n *node, sev Severity, sc, rule, msg, hint string) {
	f := Finding{File: p.file, Severity: sev, Scorecard: sc, Rule: rule, Message: msg, Hint: hint}
	if n != nil {
		f.Line, f.Col = lineCol(p.data, n.off)
	}
	p.findings = append(p.findings, f)
}

func looksLikeRule(n *node) bool {
	return n.kind == nObject && !n.has("rules") && n.has("query") && n.has("level")
}

func looksLikeEntity(n *node) bool {
	return n.kind == nObject && !n.has("rules") && (n.has("properties") || n.has("relations"))
}

// items finds the scorecard objects in any accepted top-level shape.
func (p *defParser) items(root *node) []defItem {
	switch root.kind {
	case nObject:
		switch {
		case root.has("scorecards"):
			list := root.get("scorecards")
			if list.kind != nArray {
				p.add(list, Error, "", "", fmt.Sprintf(`"scorecards" must be an array, not %s`, list.kind), "")
				return nil
			}
			return p.arrayItems(list, "")
		case root.has("scorecard"):
			return []defItem{{root.get("scorecard"), ""}}
		case root.has("entities") || root.has("entity") || looksLikeEntity(root):
			p.add(root, Error, "", "", "this is a catalog of entities, not scorecard definitions", "pass it with --catalog")
			return nil
		case looksLikeRule(root):
			p.add(root, Error, "", "", "this is a single rule, not a scorecard", `put it in a scorecard: {"identifier": "…", "title": "…", "rules": [ … ]}`)
			return nil
		}
		return []defItem{{root, ""}}
	case nArray:
		if len(root.items) == 0 {
			p.add(root, Error, "", "", "no scorecards: the array is empty", "")
			return nil
		}
		return p.arrayItems(root, "")
	}
	p.add(root, Error, "", "", fmt.Sprintf("expected a scorecard object or an array of scorecards, not %s", root.kind), "")
	return nil
}

func (p *defParser) arrayItems(list *node, blueprint string) []defItem {
	rules, entities := 0, 0
	for _, it := range list.items {
		if looksLikeRule(it) {
			rules++
		}
		if looksLikeEntity(it) {
			entities++
		}
	}
	switch {
	case rules > 0 && rules == len(list.items):
		p.add(list, Error, "", "", fmt.Sprintf("this is a bare list of %d rules, not a scorecard", rules),
			`wrap the rules in a scorecard: {"identifier": "…", "title": "…", "rules": [ … ]}`)
		return nil
	case entities > 0 && entities == len(list.items):
		p.add(list, Error, "", "", "this is a catalog of entities, not scorecard definitions", "pass it with --catalog")
		return nil
	}
	var out []defItem
	for _, it := range list.items {
		if it.kind == nObject && it.has("data") && !it.has("rules") {
			bp := blueprint
			if b := it.get("blueprint"); b != nil && b.kind == nString {
				bp = b.str
			}
			data := it.get("data")
			if data.kind != nArray {
				p.add(data, Error, "", "", fmt.Sprintf(`"data" must be an array of scorecards, not %s`, data.kind), "")
				continue
			}
			out = append(out, p.arrayItems(data, bp)...)
			continue
		}
		out = append(out, defItem{it, blueprint})
	}
	return out
}

// str reads an optional string field; a wrong type is an error.
func (p *defParser) str(obj *node, key, sc, rule string, required bool) (string, bool) {
	v := obj.get(key)
	if v == nil || (v.kind == nNull && !required) {
		if required {
			p.add(obj, Error, sc, rule, fmt.Sprintf("missing required field %q", key), "")
			return "", false
		}
		return "", true
	}
	if v.kind != nString {
		p.add(v, Error, sc, rule, fmt.Sprintf("field %q must be a string, not %s", key, v.kind), "")
		return "", false
	}
	if required && strings.TrimSpace(v.str) == "" {
		p.add(v, Error, sc, rule, fmt.Sprintf("field %q is empty", key), "")
		return "", false
	}
	return v.str, true
}

func (p *defParser) scorecard(n *node, blueprint string) *Scorecard {
	if n.kind != nObject {
		p.add(n, Error, "", "", fmt.Sprintf("a scorecard must be an object, not %s", n.kind), "")
		return nil
	}
	before := len(p.findings.Errors())
	id, _ := p.str(n, "identifier", "", "", true)
	name := id
	if name == "" {
		name = "#unnamed"
	}
	if len(id) > maxIdentifier {
		p.add(n.get("identifier"), Error, name, "", fmt.Sprintf("identifier is %d characters long; at most %d are allowed", len(id), maxIdentifier), "")
	}
	sc := &Scorecard{Identifier: id, Blueprint: blueprint}
	sc.Title, _ = p.str(n, "title", name, "", false)
	sc.Description, _ = p.str(n, "description", name, "", false)
	if bp, ok := p.str(n, "blueprint", name, "", false); ok && bp != "" {
		sc.Blueprint = bp
	}
	sc.Levels = p.levels(n, name)
	if f := n.get("filter"); f != nil && f.kind != nNull {
		q, ok := p.query(f, name, "", "filter")
		if ok {
			sc.Filter = &q
		}
	}
	rules := n.get("rules")
	switch {
	case rules == nil:
		p.add(n, Error, name, "", `missing required field "rules"`, "")
	case rules.kind != nArray:
		p.add(rules, Error, name, "", fmt.Sprintf(`"rules" must be an array, not %s`, rules.kind), "")
	default:
		if len(rules.items) == 0 {
			p.add(rules, Warning, name, "", "the scorecard has no rules: every entity stays at the base level", "")
		}
		seen := map[string]*node{}
		var all []Rule // every rule that has an identifier, for the warnings
		for _, rn := range rules.items {
			r, ok := p.rule(rn, sc, name)
			if r.Identifier != "" {
				all = append(all, r)
			}
			if !ok {
				continue
			}
			if first, dup := seen[r.Identifier]; dup {
				line, _ := lineCol(p.data, first.off)
				p.add(rn, Error, name, r.Identifier, fmt.Sprintf("duplicate rule identifier %q (first at line %d)", r.Identifier, line), "rule identifiers must be unique within a scorecard")
				continue
			}
			seen[r.Identifier] = rn
			sc.Rules = append(sc.Rules, r)
		}
		p.ruleWarnings(all, name, rules)
	}
	if len(p.findings.Errors()) > before {
		return nil
	}
	sc.index()
	p.levelWarnings(sc, name, n)
	return sc
}

func (p *defParser) levels(n *node, sc string) []Level {
	ln := n.get("levels")
	if ln == nil || ln.kind == nNull {
		return DefaultLevels()
	}
	if ln.kind != nArray {
		p.add(ln, Error, sc, "", fmt.Sprintf(`"levels" must be an array, not %s`, ln.kind), "")
		return DefaultLevels()
	}
	if len(ln.items) == 0 {
		p.add(ln, Error, sc, "", `"levels" is empty`, "list at least two levels, or leave \"levels\" out for Basic, Bronze, Silver, Gold")
		return DefaultLevels()
	}
	var out []Level
	seen := map[string]bool{}
	for _, it := range ln.items {
		if it.kind != nObject {
			p.add(it, Error, sc, "", fmt.Sprintf("a level must be an object with a title, not %s", it.kind), "")
			continue
		}
		title, ok := p.str(it, "title", sc, "", true)
		if !ok {
			continue
		}
		color, _ := p.str(it, "color", sc, "", false)
		if seen[title] {
			p.add(it, Error, sc, "", fmt.Sprintf("duplicate level title %q", title), "level titles must be unique")
			continue
		}
		seen[title] = true
		out = append(out, Level{Title: title, Color: color})
	}
	if len(out) == 0 {
		return DefaultLevels()
	}
	return out
}

func (p *defParser) rule(n *node, sc *Scorecard, scName string) (Rule, bool) {
	if n.kind != nObject {
		p.add(n, Error, scName, "", fmt.Sprintf("a rule must be an object, not %s", n.kind), "")
		return Rule{}, false
	}
	before := len(p.findings.Errors())
	id, _ := p.str(n, "identifier", scName, "", true)
	name := id
	if name == "" {
		name = "#unnamed"
	}
	r := Rule{Identifier: id}
	r.Title, _ = p.str(n, "title", scName, name, true)
	r.Description, _ = p.str(n, "description", scName, name, false)
	r.Level, _ = p.str(n, "level", scName, name, true)
	if r.Level != "" {
		r.Rank = sc.LevelRank(r.Level)
		names := sc.LevelNames()
		switch {
		case r.Rank < 0:
			hint := ""
			if s := Suggest(r.Level, names, 1); len(s) > 0 {
				hint = fmt.Sprintf("did you mean %q?", s[0])
			}
			p.add(n.get("level"), Error, scName, name, fmt.Sprintf("level %q is not defined; levels are %s", r.Level, strings.Join(names, ", ")), hint)
		case r.Rank == 0:
			hint := ""
			if len(names) > 1 {
				hint = fmt.Sprintf("every entity starts at %s; put the rule at %s or above", names[0], names[1])
			}
			p.add(n.get("level"), Error, scName, name, fmt.Sprintf("rule is at the base level %q, which cannot have rules", r.Level), hint)
		}
	}
	if q := n.get("query"); q == nil {
		p.add(n, Error, scName, name, `missing required field "query"`, "")
	} else {
		r.Query, _ = p.query(q, scName, name, "query")
	}
	return r, len(p.findings.Errors()) == before
}

func (p *defParser) query(n *node, sc, rule, what string) (Query, bool) {
	before := len(p.findings.Errors())
	if n.kind != nObject {
		p.add(n, Error, sc, rule, fmt.Sprintf("%s must be an object with combinator and conditions, not %s", what, n.kind), "")
		return Query{}, false
	}
	var q Query
	comb, ok := p.str(n, "combinator", sc, rule, true)
	if ok && comb != "and" && comb != "or" {
		hint := ""
		if l := strings.ToLower(comb); l == "and" || l == "or" {
			hint = fmt.Sprintf("did you mean %q?", l)
		}
		p.add(n.get("combinator"), Error, sc, rule, fmt.Sprintf("%s combinator %q is not and/or", what, comb), hint)
	}
	q.Combinator = comb
	conds := n.get("conditions")
	switch {
	case conds == nil:
		p.add(n, Error, sc, rule, fmt.Sprintf(`%s is missing required field "conditions"`, what), "")
	case conds.kind != nArray:
		p.add(conds, Error, sc, rule, fmt.Sprintf(`%s "conditions" must be an array, not %s`, what, conds.kind), "")
	case len(conds.items) == 0:
		p.add(conds, Error, sc, rule, fmt.Sprintf(`%s "conditions" is empty`, what), "a query needs at least one condition")
	default:
		for _, cn := range conds.items {
			if c, ok := p.condition(cn, sc, rule); ok {
				q.Conditions = append(q.Conditions, c)
			}
		}
	}
	return q, len(p.findings.Errors()) == before
}

var metaProperties = []string{"$identifier", "$title", "$team", "$blueprint", "$icon", "$createdAt", "$updatedAt", "$createdBy", "$updatedBy"}

func (p *defParser) condition(n *node, sc, rule string) (Condition, bool) {
	var c Condition
	if n.kind != nObject {
		p.add(n, Error, sc, rule, fmt.Sprintf("a condition must be an object, not %s", n.kind), "")
		return c, false
	}
	if n.has("combinator") || n.has("conditions") {
		p.add(n, Error, sc, rule, "conditions do not nest", "split the nested query into its own rule")
		return c, false
	}
	before := len(p.findings.Errors())
	prop, rel := n.get("property"), n.get("relation")
	switch {
	case prop != nil && rel != nil:
		p.add(n, Error, sc, rule, `condition names both "property" and "relation"`, "keep one")
	case prop == nil && rel == nil:
		p.add(n, Error, sc, rule, `condition names neither "property" nor "relation"`, "")
	case prop != nil:
		c.Property, _ = p.str(n, "property", sc, rule, true)
		if strings.HasPrefix(c.Property, "$") && !containsStr(metaProperties, c.Property) {
			hint := ""
			if s := Suggest(c.Property, metaProperties, 1); len(s) > 0 {
				hint = fmt.Sprintf("did you mean %q?", s[0])
			}
			p.add(prop, Warning, sc, rule, fmt.Sprintf("%q is not a meta-property; it reads properties[%q]", c.Property, c.Property), hint)
		}
	default:
		c.Relation, _ = p.str(n, "relation", sc, rule, true)
	}
	op, ok := p.str(n, "operator", sc, rule, true)
	if ok && op != "" && !knownOperator(op) {
		names := make([]string, len(operators))
		for i, o := range operators {
			names[i] = string(o)
		}
		hint := ""
		if s := Suggest(op, names, 1); len(s) > 0 {
			hint = fmt.Sprintf("did you mean %q?", s[0])
		}
		p.add(n.get("operator"), Error, sc, rule, fmt.Sprintf("unknown operator %q", op), hint)
	}
	c.Operator = Operator(op)
	if len(p.findings.Errors()) > before {
		return c, false
	}
	if nn := n.get("not"); nn != nil && nn.kind != nNull {
		switch {
		case nn.kind != nBool:
			p.add(nn, Error, sc, rule, fmt.Sprintf(`"not" must be a boolean, not %s`, nn.kind), "")
		case c.Operator != OpIsEmpty && c.Operator != OpIsNotEmpty:
			p.add(nn, Error, sc, rule, fmt.Sprintf(`"not" is only allowed with isEmpty and isNotEmpty, not with %q`, op), "")
		default:
			c.Not = nn.b
		}
	}
	p.conditionValue(n, &c, sc, rule)
	if len(p.findings.Errors()) > before {
		return c, false
	}
	c.compile()
	return c, true
}

// conditionValue checks that the value has the shape the operator needs.
func (p *defParser) conditionValue(n *node, c *Condition, sc, rule string) {
	v := n.get("value")
	op := c.Operator
	bad := func(want string) {
		got := "no value"
		at := n
		if v != nil {
			got, at = v.kind.String(), v
		}
		p.add(at, Error, sc, rule, fmt.Sprintf("operator %q needs %s, got %s", op, want, got), "")
	}
	if op == OpIsEmpty || op == OpIsNotEmpty {
		if v != nil {
			p.add(v, Warning, sc, rule, fmt.Sprintf("operator %q takes no value; the value is ignored", op), "")
		}
		return
	}
	if v == nil {
		bad("a value")
		return
	}
	c.Value = v.value()
	typeWarn := func() {
		if v.kind != nString {
			return
		}
		if v.str == "true" || v.str == "false" {
			p.add(v, Warning, sc, rule, fmt.Sprintf("the string %q is compared where a boolean is probably meant", v.str), fmt.Sprintf("write %s without quotes", v.str))
		} else if _, ok := fromAny(v.str).numeric(); ok && strings.TrimSpace(v.str) != "" {
			p.add(v, Warning, sc, rule, fmt.Sprintf("the string %q is compared where a number is probably meant", v.str), fmt.Sprintf("write %s without quotes", strings.TrimSpace(v.str)))
		}
	}
	switch op {
	case OpEq, OpNeq:
		switch v.kind {
		case nObject:
			if !p.dateRange(v, c, sc, rule) {
				return
			}
		case nArray:
			p.add(v, Warning, sc, rule, fmt.Sprintf("an array is compared with %q: it matches only an array with the same elements in the same order", op), `to match any of several values use "in" or "containsAny"`)
		default:
			typeWarn()
		}
	case OpGt, OpLt, OpGte, OpLte:
		if v.kind != nNumber && v.kind != nString {
			bad("a number, a date or a string")
			return
		}
		typeWarn()
	case OpContains, OpDoesNotContains:
		if v.kind == nArray || v.kind == nObject || v.kind == nNull {
			bad("a single value (a string, number or boolean)")
		}
	case OpBeginsWith, OpDoesNotBeginsWith, OpEndsWith, OpDoesNotEndsWith:
		if v.kind != nString {
			bad("a string")
		}
	case OpIn, OpContainsAny:
		if v.kind != nArray {
			bad("an array of values")
			return
		}
		for _, it := range v.items {
			if it.kind == nArray || it.kind == nObject {
				p.add(it, Error, sc, rule, fmt.Sprintf("operator %q needs an array of single values, and this element is %s", op, it.kind), "")
			}
		}
	case OpBetween, OpNotBetween:
		if v.kind != nObject {
			bad(`a date range {"from", "to"} or {"preset"}`)
			return
		}
		p.dateRange(v, c, sc, rule)
	}
}

// dateRange reads {"from", "to"} or {"preset"} into c.rng.
func (p *defParser) dateRange(v *node, c *Condition, sc, rule string) bool {
	if pr := v.get("preset"); pr != nil {
		if pr.kind != nString {
			p.add(pr, Error, sc, rule, fmt.Sprintf(`"preset" must be a string, not %s`, pr.kind), "")
			return false
		}
		if !knownPreset(pr.str) {
			hint := ""
			if s := Suggest(pr.str, presetNames, 1); len(s) > 0 {
				hint = fmt.Sprintf("did you mean %q?", s[0])
			}
			p.add(pr, Error, sc, rule, fmt.Sprintf("unknown date preset %q; presets are %s", pr.str, strings.Join(presetNames, ", ")), hint)
			return false
		}
		c.rng, c.hasRng = dateRange{preset: pr.str}, true
		return true
	}
	from, to := v.get("from"), v.get("to")
	if from == nil || to == nil {
		p.add(v, Error, sc, rule, fmt.Sprintf(`operator %q needs a date range: {"from": date, "to": date} or {"preset": name}`, c.Operator), "")
		return false
	}
	var ends [2]time.Time
	for i, e := range []*node{from, to} {
		t, ok := time.Time{}, false
		if e.kind == nString {
			t, ok = parseTime(e.str)
		}
		if !ok {
			p.add(e, Error, sc, rule, fmt.Sprintf("date range end %s is not a date (RFC 3339 or YYYY-MM-DD)", describeNode(e)), "")
			return false
		}
		ends[i] = t
	}
	if ends[0].After(ends[1]) {
		p.add(v, Warning, sc, rule, `the date range ends before it starts: nothing is between "from" and "to"`, "swap them")
	}
	c.rng, c.hasRng = dateRange{from: ends[0], to: ends[1]}, true
	return true
}

func describeNode(n *node) string {
	switch n.kind {
	case nString:
		return fmt.Sprintf("%q", n.str)
	case nNumber:
		return n.raw
	}
	return n.kind.String()
}

// ruleWarnings: same titles, misspelt identifiers, repeated conditions.
func (p *defParser) ruleWarnings(all []Rule, name string, rules *node) {
	nodeOf := map[string]*node{}
	for _, rn := range rules.items {
		if id := rn.get("identifier"); id != nil && id.kind == nString {
			if _, ok := nodeOf[id.str]; !ok {
				nodeOf[id.str] = rn
			}
		}
	}
	titles := map[string]string{}
	queries := map[string]string{}
	for _, r := range all {
		rn := nodeOf[r.Identifier]
		if first, ok := titles[r.Title]; ok && r.Title != "" {
			p.add(rn, Warning, name, r.Identifier, fmt.Sprintf("has the same title %q as rule %s", r.Title, first), "give each rule its own title")
		} else {
			titles[r.Title] = r.Identifier
		}
		key := queryKey(r.Query)
		if first, ok := queries[key]; ok {
			p.add(rn, Warning, name, r.Identifier, fmt.Sprintf("repeats the conditions of rule %s", first), "remove one, or change its conditions")
		} else {
			queries[key] = r.Identifier
		}
		if idw, tw, ok := misspelt(r.Identifier, r.Title); ok {
			p.add(rn.get("identifier"), Warning, name, r.Identifier, fmt.Sprintf("identifier word %q and title word %q differ by a letter or two: one of them looks misspelt (title %q)", idw, tw, r.Title), "")
		}
	}
}

// levelWarnings: a level with no rules below one that has some is never reached.
func (p *defParser) levelWarnings(sc *Scorecard, name string, n *node) {
	top := -1
	for r := len(sc.Levels) - 1; r > 0; r-- {
		if len(sc.byRank[r]) > 0 {
			top = r
			break
		}
	}
	at := n.get("levels")
	if at == nil {
		at = n
	}
	for r := 1; r < top; r++ {
		if len(sc.byRank[r]) > 0 {
			continue
		}
		above := r + 1
		for len(sc.byRank[above]) == 0 {
			above++
		}
		p.add(at, Warning, name, "", fmt.Sprintf("level %q has no rules but %q above it has: no entity is ever at %s", sc.Levels[r].Title, sc.Levels[above].Title, sc.Levels[r].Title), "add rules at "+sc.Levels[r].Title+", or remove the level")
	}
}

// queryKey is a canonical form of a query, to find rules that repeat another.
func queryKey(q Query) string {
	parts := make([]string, len(q.Conditions))
	for i, c := range q.Conditions {
		parts[i] = fmt.Sprintf("%s|%s|%s|%v|%#v", c.Property, c.Relation, c.Operator, c.Not, c.Value)
	}
	sort.Strings(parts)
	comb := q.Combinator
	if len(parts) == 1 {
		comb = "" // one condition reads the same under and/or
	}
	return comb + "\x00" + strings.Join(parts, "\x00")
}

// misspelt finds an identifier word within a couple of edits of a title word
// ("fressness" against "Freshness") without being the same word.
func misspelt(identifier, title string) (string, string, bool) {
	tws := words(title)
	tset := map[string]bool{}
	for _, w := range tws {
		tset[w] = true
	}
	for _, iw := range words(identifier) {
		if len(iw) < 5 || tset[iw] {
			continue
		}
		for _, tw := range tws {
			if len(tw) < 5 || strings.HasPrefix(iw, tw) || strings.HasPrefix(tw, iw) {
				continue // an inflection ("approvals", "approval"), not a misspelling
			}
			d := distance(iw, tw)
			if d > 0 && d <= 1+len(iw)/8 {
				return iw, tw, true
			}
		}
	}
	return "", "", false
}

// words splits camelCase, snake_case, kebab-case and prose into lower-case words.
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r):
			if unicode.IsUpper(r) && len(cur) > 0 && (unicode.IsLower(cur[len(cur)-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
				flush()
			}
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

func (p *defParser) duplicateScorecards(scs []*Scorecard) {
	seen := map[string]bool{}
	for _, sc := range scs {
		key := sc.Blueprint + "\x00" + sc.Identifier
		if seen[key] {
			p.add(nil, Warning, sc.Identifier, "", "another scorecard in this file has the same identifier", "identifiers must be unique per blueprint")
		}
		seen[key] = true
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
