package main

// checkJSON is the shape of `check --format json`, for reading it back (a
// baseline); writeCheckJSON streams the same shape without it.
type checkJSON struct {
	Now      string       `json:"now"`
	Entities []entityJSON `json:"entities"`
}

type entityJSON struct {
	Identifier string                   `json:"identifier"`
	Title      string                   `json:"title"`
	Team       []string                 `json:"team"`
	Scorecards map[string]scorecardJSON `json:"scorecards"`
}

type scorecardJSON struct {
	Level string     `json:"level"`
	Rules []ruleJSON `json:"rules"`
}

type ruleJSON struct {
	Identifier string   `json:"identifier"`
	Title      string   `json:"title"`
	Level      string   `json:"level"`
	Status     string   `json:"status"`
	Reasons    []string `json:"reasons"`
	// Exempt is set when an active exemption makes the failing rule count
	// as passing for the level; Status stays FAILURE.
	Exempt *exemptJSON `json:"exempt,omitempty"`
}

type exemptJSON struct {
	Until  string `json:"until"`
	Reason string `json:"reason"`
	By     string `json:"by"`
	Origin string `json:"origin"`
}
