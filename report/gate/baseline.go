package gate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	fastjson "github.com/goccy/go-json"

	"github.com/prodready/prodready/scorecard"
)

// baseline is a previous `check --format json` output, indexed.
type baseline struct {
	now      string
	entities map[string]map[string]baselineCard // entity -> scorecard -> result
}

type baselineCard struct {
	level string
	rules map[string]string // rule identifier -> status
}

// readBaseline reads and checks a baseline file; every error names it.
func readBaseline(path string) (*baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--baseline %s: no such file (write one with --write-baseline %s, or from a `prodready check --format json` run)", path, path)
		}
		return nil, fmt.Errorf("--baseline %s: %w", path, err)
	}
	// Only what the comparison reads is decoded, by the fast decoder; on
	// any error encoding/json reads the file again, to say where and what
	// is wrong exactly as it always has.
	var doc struct {
		Now      *string           `json:"now"`
		Entities *[]baselineEntity `json:"entities"`
	}
	if fastjson.Unmarshal(data, &doc) != nil {
		var full struct {
			Now      *string       `json:"now"`
			Entities *[]EntityJSON `json:"entities"`
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&full); err != nil {
			return nil, fmt.Errorf("--baseline %s: %s: not a `prodready check --format json` output", path, jsonErrAt(data, err))
		}
		doc.Now, doc.Entities = full.Now, nil
		if full.Entities != nil {
			lean := make([]baselineEntity, len(*full.Entities))
			for i, ej := range *full.Entities {
				lean[i] = baselineEntity{Identifier: ej.Identifier, Scorecards: map[string]baselineScorecard{}}
				for id, sj := range ej.Scorecards {
					bs := baselineScorecard{Level: sj.Level, Rules: make([]baselineRule, len(sj.Rules))}
					for k, r := range sj.Rules {
						bs.Rules[k] = baselineRule{Identifier: r.Identifier, Status: r.Status}
					}
					lean[i].Scorecards[id] = bs
				}
			}
			doc.Entities = &lean
		}
	}
	if doc.Entities == nil || doc.Now == nil {
		return nil, fmt.Errorf("--baseline %s: not a `prodready check --format json` output (it has no \"now\" and \"entities\")", path)
	}
	b := &baseline{now: *doc.Now, entities: map[string]map[string]baselineCard{}}
	for i, ej := range *doc.Entities {
		if ej.Identifier == "" {
			return nil, fmt.Errorf("--baseline %s: entity #%d has no \"identifier\"", path, i+1)
		}
		cards := map[string]baselineCard{}
		for id, sj := range ej.Scorecards {
			if sj.Level == "" {
				return nil, fmt.Errorf("--baseline %s: entity %s, scorecard %s has no \"level\"", path, ej.Identifier, id)
			}
			bc := baselineCard{level: sj.Level, rules: map[string]string{}}
			for _, r := range sj.Rules {
				bc.rules[r.Identifier] = r.Status
			}
			cards[id] = bc
		}
		b.entities[ej.Identifier] = cards
	}
	return b, nil
}

// baselineEntity is what a baseline's entity holds for the comparison.
type baselineEntity struct {
	Identifier string                       `json:"identifier"`
	Scorecards map[string]baselineScorecard `json:"scorecards"`
}

type baselineScorecard struct {
	Level string         `json:"level"`
	Rules []baselineRule `json:"rules"`
}

type baselineRule struct {
	Identifier string `json:"identifier"`
	Status     string `json:"status"`
}

// jsonErrAt places a JSON error at its line and column.
func jsonErrAt(data []byte, err error) string {
	idx := int64(-1) // the offending byte
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		idx = se.Offset - 1
	case errors.As(err, &te):
		// The offset is past the value; its start is where a person looks.
		idx = te.Offset - 1
		for idx > 0 && !bytes.ContainsAny(data[idx:idx+1], "[{\"") {
			idx--
		}
		what := "the top level"
		if te.Field != "" {
			what = "\"" + te.Field + "\""
		}
		err = fmt.Errorf("%s is a JSON %s, not %s", what, te.Value, jsonKind(te.Type.Kind()))
	}
	if idx < 0 || idx >= int64(len(data)) {
		return err.Error()
	}
	line := 1 + bytes.Count(data[:idx], []byte("\n"))
	col := int(idx) - bytes.LastIndexByte(data[:idx], '\n')
	return fmt.Sprintf("%d:%d: %v", line, col, err)
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Pointer:
		return "an object"
	}
	return "a " + k.String()
}

// writeBaselineFile writes the results in the --format json shape.
func writeBaselineFile(path string, ev *scorecard.Evaluation, entities []int) error {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, ev, entities); err != nil {
		return fmt.Errorf("--write-baseline %s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--write-baseline %s: %w", path, err)
	}
	return nil
}

// regression is one thing that got worse since the baseline: a level that
// dropped (Rule empty) or a rule that passed and now fails.
type regression struct {
	Entity, Scorecard, ScorecardTitle string
	From, To                          string // levels, for a drop
	Rule, RuleTitle, RuleLevel        string
	Reasons                           []string
}

func (g regression) String() string {
	if g.Rule == "" {
		return fmt.Sprintf("%s: %s dropped from %s to %s", g.Entity, g.ScorecardTitle, g.From, g.To)
	}
	s := fmt.Sprintf("%s: %s: the %s rule %q (%s) passed, now fails", g.Entity, g.ScorecardTitle, g.RuleLevel, g.RuleTitle, g.Rule)
	if len(g.Reasons) > 0 {
		s += ": " + strings.Join(g.Reasons, "; ")
	}
	return s
}

// compare lists what got worse for the selected services. Services,
// scorecards and rules absent from the baseline are new, not worse.
func (c *Run) compare(b *baseline) []regression {
	var out []regression
	c.results(func(_, _ int, r scorecard.Result) {
		cards, ok := b.entities[r.Entity.Identifier]
		if !ok {
			return
		}
		bc, ok := cards[r.Scorecard.Identifier]
		if !ok {
			return
		}
		sc := r.Scorecard
		if was := sc.LevelRankFold(bc.level); was >= 0 && r.Level < was {
			out = append(out, regression{Entity: r.Entity.Identifier, Scorecard: sc.Identifier, ScorecardTitle: sc.Name(), From: sc.Levels[was].Title, To: r.LevelName()})
		}
		for _, ri := range r.Failing() {
			rule := &sc.Rules[ri]
			if bc.rules[rule.Identifier] == "SUCCESS" {
				out = append(out, regression{Entity: r.Entity.Identifier, Scorecard: sc.Identifier, ScorecardTitle: sc.Name(),
					Rule: rule.Identifier, RuleTitle: rule.Name(), RuleLevel: rule.Level, Reasons: r.Reasons(ri)})
			}
		}
	})
	return out
}

// baselineNotes says what could not be compared, so that a service that
// is new, or a baseline from another catalog, does not pass unnoticed.
func (c *Run) baselineNotes() []string {
	if c.base == nil {
		return nil
	}
	var fresh []string
	var gone []string
	c.results(func(_, _ int, r scorecard.Result) {
		cards, ok := c.base.entities[r.Entity.Identifier]
		switch {
		case !ok:
			fresh = append(fresh, r.Entity.Identifier)
		default:
			if bc, ok := cards[r.Scorecard.Identifier]; ok && r.Scorecard.LevelRankFold(bc.level) < 0 {
				gone = append(gone, fmt.Sprintf("%s's level %q on %s in the baseline is no longer a level of the scorecard", r.Entity.Identifier, bc.level, r.Scorecard.Identifier))
			}
		}
	})
	var notes []string
	if fresh = uniq(fresh); len(fresh) > 0 {
		notes = append(notes, fmt.Sprintf("not in the baseline, so not compared: %s", strings.Join(fresh, ", ")))
	}
	return append(notes, gone...)
}

// GateOnBaseline prints what got worse since the baseline (or that nothing
// did) and returns the exit status: 1 only for a regression. Results below
// --min-level are then listed for information; they do not fail.
func (c *Run) GateOnBaseline(stderr io.Writer, below []Below) int {
	for _, n := range c.baselineNotes() {
		fmt.Fprintf(stderr, "prodready: baseline %s: %s\n", c.baselineFile, logData(n))
	}
	if len(below) > 0 {
		sortBelow(below)
		fmt.Fprintf(stderr, "prodready: %s below %s (with --baseline, only what got worse fails):\n", scorecard.Plural(len(below), "result"), logData(c.minLevel))
		for _, l := range below {
			fmt.Fprintf(stderr, "  %s\n", l)
		}
	}
	if len(c.regressions) == 0 {
		fmt.Fprintf(stderr, "prodready check: nothing got worse since the baseline %s (taken at %s)\n", c.baselineFile, c.base.now)
		return ExitOK
	}
	fmt.Fprintf(stderr, "prodready check: %s since the baseline %s (taken at %s):\n", scorecard.Plural(len(c.regressions), "regression"), c.baselineFile, c.base.now)
	for _, g := range c.regressions {
		fmt.Fprintf(stderr, "  %s\n", logData(g.String()))
	}
	return ExitBelow
}
