package gate

// JSON is the shape of `check --format json`, for reading it back (a
// baseline); WriteJSON streams the same shape without it.
type JSON struct {
	Now      string       `json:"now"`
	Entities []EntityJSON `json:"entities"`
}

// EntityJSON is one service of JSON.
type EntityJSON struct {
	Identifier string                   `json:"identifier"`
	Title      string                   `json:"title"`
	Team       []string                 `json:"team"`
	Scorecards map[string]ScorecardJSON `json:"scorecards"`
}

// ScorecardJSON is a service's result on one scorecard.
type ScorecardJSON struct {
	Level string     `json:"level"`
	Rules []RuleJSON `json:"rules"`
}

// RuleJSON is one rule's outcome.
type RuleJSON struct {
	Identifier string   `json:"identifier"`
	Title      string   `json:"title"`
	Level      string   `json:"level"`
	Status     string   `json:"status"`
	Reasons    []string `json:"reasons"`
	// CountsFrom is set on an announced rule that does not count yet: its
	// status is reported, but the level is computed without it.
	CountsFrom string `json:"counts_from,omitempty"`
	// Exempt is set when an active exemption makes the failing rule count
	// as passing for the level; Status stays FAILURE.
	Exempt *ExemptJSON `json:"exempt,omitempty"`
}

// ExemptJSON is the exemption a rule is waived by.
type ExemptJSON struct {
	Until  string `json:"until"`
	Reason string `json:"reason"`
	By     string `json:"by"`
	Origin string `json:"origin"`
}
