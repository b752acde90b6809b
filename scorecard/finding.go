package scorecard

import (
	"fmt"
	"strings"
)

// Severity of a lint finding.
type Severity string

// Errors make a scorecard unusable; warnings say it probably does not do what was meant.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Finding is one thing the linter says about a definitions file.
type Finding struct {
	File      string   `json:"file"`
	Line      int      `json:"line,omitempty"`
	Col       int      `json:"col,omitempty"`
	Severity  Severity `json:"severity"`
	Scorecard string   `json:"scorecard,omitempty"`
	Rule      string   `json:"rule,omitempty"`
	Message   string   `json:"message"`
	Hint      string   `json:"hint,omitempty"`
}

// String renders file:line:col: severity: scorecard S, rule R: message (hint).
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(f.File)
	if f.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", f.Line, f.Col)
	}
	fmt.Fprintf(&b, ": %s: ", f.Severity)
	if f.Scorecard != "" {
		fmt.Fprintf(&b, "scorecard %s, ", f.Scorecard)
	}
	if f.Rule != "" {
		fmt.Fprintf(&b, "rule %s, ", f.Rule)
	}
	b.WriteString(f.Message)
	if f.Hint != "" {
		fmt.Fprintf(&b, " (%s)", f.Hint)
	}
	return b.String()
}

// Findings is a list of findings; as an error it reports its errors.
type Findings []Finding

// Errors returns only the error findings.
func (fs Findings) Errors() Findings {
	var out Findings
	for _, f := range fs {
		if f.Severity == Error {
			out = append(out, f)
		}
	}
	return out
}

// Err returns the findings' errors as one error, or nil when there are none.
func (fs Findings) Err() error {
	errs := fs.Errors()
	if len(errs) == 0 {
		return nil
	}
	return &DefinitionError{Findings: errs}
}

// DefinitionError carries the error findings that rejected definitions.
type DefinitionError struct{ Findings Findings }

func (e *DefinitionError) Error() string {
	lines := make([]string, len(e.Findings))
	for i, f := range e.Findings {
		lines[i] = f.String()
	}
	return strings.Join(lines, "\n")
}
