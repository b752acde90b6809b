package port

import (
	"fmt"
	"sort"

	"github.com/prodready/prodready/scorecard"
)

// Port's rule statuses.
const (
	StatusSuccess = "SUCCESS"
	StatusFailure = "FAILURE"
)

// Difference is one place where prodready's result and Port's differ: a
// scorecard's level (Rule empty), a rule's status, or a result one side has
// and the other has not. Empty Prodready or Port means that side has no result.
type Difference struct {
	Entity    string `json:"entity"`              // entity identifier
	Scorecard string `json:"scorecard"`           // scorecard identifier
	Rule      string `json:"rule,omitempty"`      // rule identifier; empty for the level or the whole scorecard
	Prodready string `json:"prodready,omitempty"` // level title or rule status; "" when prodready has none
	Port      string `json:"port,omitempty"`      // level title or rule status; "" when Port has none
	// Note explains a missing side ("Port has no result for this rule").
	Note string `json:"note,omitempty"`
}

// String reads as one terminal line:
// "payments-api: scorecard ProductionReadiness: level Silver in prodready, Bronze in Port",
// "payments-api: scorecard Security: level Gold in Port only (prodready did not evaluate …)".
func (d Difference) String() string {
	what := "level"
	if d.Rule != "" {
		what = "rule " + d.Rule
	}
	var s string
	switch {
	case d.Prodready == "":
		s = fmt.Sprintf("%s: scorecard %s: %s %s in Port only", d.Entity, d.Scorecard, what, d.Port)
	case d.Port == "":
		s = fmt.Sprintf("%s: scorecard %s: %s %s in prodready only", d.Entity, d.Scorecard, what, d.Prodready)
	default:
		s = fmt.Sprintf("%s: scorecard %s: %s %s in prodready, %s in Port", d.Entity, d.Scorecard, what, d.Prodready, d.Port)
	}
	if d.Note != "" {
		s += " (" + d.Note + ")"
	}
	return s
}

// Compare returns every entity, scorecard and rule where prodready's
// evaluation differs from the results Port computed itself (Entity.Scorecards),
// in catalog order, then scorecard and rule order. A scorecard Port has
// results for that prodready did not evaluate, and one prodready evaluated
// where Port has no result, are differences too.
func Compare(ev *scorecard.Evaluation) []Difference {
	var out []Difference
	known := map[string]bool{}
	for _, sc := range ev.Scorecards {
		known[sc.Identifier] = true
	}
	for ei := range ev.Catalog.Entities {
		ent := &ev.Catalog.Entities[ei]
		for si, sc := range ev.Scorecards {
			r := ev.Result(ei, si)
			port, has := ent.Scorecards[sc.Identifier]
			switch {
			case !r.Applies && !has:
				continue
			case !r.Applies:
				out = append(out, Difference{Entity: ent.Identifier, Scorecard: sc.Identifier, Port: port.Level,
					Note: "the scorecard does not apply to this entity in prodready (blueprint or filter)"})
				continue
			case !has:
				out = append(out, Difference{Entity: ent.Identifier, Scorecard: sc.Identifier, Prodready: r.LevelName(),
					Note: "Port has no result for this scorecard on this entity"})
				continue
			}
			if lvl := r.LevelName(); lvl != port.Level {
				out = append(out, Difference{Entity: ent.Identifier, Scorecard: sc.Identifier, Prodready: lvl, Port: port.Level})
			}
			portRules := make(map[string]string, len(port.Rules))
			for _, pr := range port.Rules {
				portRules[pr.Identifier] = pr.Status
			}
			for ri := range sc.Rules {
				mine := StatusFailure
				if r.Pass[ri] {
					mine = StatusSuccess
				}
				id := sc.Rules[ri].Identifier
				theirs, ok := portRules[id]
				delete(portRules, id)
				if !ok {
					out = append(out, Difference{Entity: ent.Identifier, Scorecard: sc.Identifier, Rule: id, Prodready: mine,
						Note: "Port has no result for this rule"})
				} else if theirs != mine {
					out = append(out, Difference{Entity: ent.Identifier, Scorecard: sc.Identifier, Rule: id, Prodready: mine, Port: theirs})
				}
			}
			for _, pr := range port.Rules { // rules Port evaluated that prodready's scorecard lacks
				if _, left := portRules[pr.Identifier]; left {
					delete(portRules, pr.Identifier)
					out = append(out, Difference{Entity: ent.Identifier, Scorecard: sc.Identifier, Rule: pr.Identifier, Port: pr.Status,
						Note: "prodready's scorecard has no such rule"})
				}
			}
		}
		var extra []string
		for id := range ent.Scorecards {
			if !known[id] {
				extra = append(extra, id)
			}
		}
		sort.Strings(extra)
		for _, id := range extra {
			out = append(out, Difference{Entity: ent.Identifier, Scorecard: id, Port: ent.Scorecards[id].Level,
				Note: "prodready did not evaluate this scorecard: rejected, or left out by port.Config.Scorecards"})
		}
	}
	return out
}
