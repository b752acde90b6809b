package report

import (
	"sort"
	"time"
)

// Mix is the level mix of one past snapshot: scorecard identifier -> level
// title -> services. The store keeps it per snapshot, so trends and charts do
// not need the snapshots themselves.
type Mix struct {
	Label  string // the period it stands for ("2026-W47")
	Taken  time.Time
	Counts map[string]map[string]int
}

// MixOf counts a snapshot's services per scorecard and level.
func MixOf(s *Snapshot, label string) Mix {
	m := Mix{Label: label, Taken: s.Taken, Counts: make(map[string]map[string]int, len(s.Scorecards))}
	ns := len(s.Scorecards)
	for si := range s.Scorecards {
		d := &s.Scorecards[si]
		counts := make([]int, len(d.Levels))
		for e := range s.Entities {
			if r := s.Results[e*ns+si]; r.Applies {
				counts[r.Level]++
			}
		}
		byName := make(map[string]int, len(d.Levels))
		for i, n := range counts {
			byName[d.Levels[i]] = n
		}
		m.Counts[d.Identifier] = byName
	}
	return m
}

// Failure is a message that could not be delivered, for the next digest.
type Failure struct {
	Job         string
	Period      string
	Destination string // team identifier, or the channel for digests
	Reason      string // Slack's error code and our explanation
	At          time.Time
}

// DigestInput is what a manager digest is computed from.
type DigestInput struct {
	Period Period
	Cur    *Snapshot
	// Prev is the snapshot the previous period's digest reported (or the
	// closest one a period back); nil when there is no history.
	Prev *Snapshot
	// History holds the level mix of earlier periods, oldest first, for the
	// trend and the monthly chart. It need not include Prev.
	History []Mix
	// Target is the level to reach; "" or a level a scorecard lacks means
	// that scorecard's top level.
	Target    string
	TeamNames map[string]string // team identifier -> display name
	Failures  []Failure
	// Stale is set when the catalog could not be loaded: Cur is the last
	// stored snapshot, and the digest says how old it is.
	Stale *Staleness
	// Earlier, with no Prev, says snapshots older than Cur exist, only
	// none from the previous period: the digest says so rather than that
	// it is the first.
	Earlier bool
}

// Digest is the manager digest for one period, as data.
type Digest struct {
	Period     Period
	Now        time.Time
	Origin     string
	First      bool      // no snapshot a period back: changes are not shown
	Earlier    bool      // First, but snapshots of this period came before
	Since      time.Time // when the compared snapshot was taken
	Scorecards []ScorecardDigest
	NoTeam     []EntityRef // services with no owning team
	Failures   []Failure
	Stale      *Staleness // see StaleLine
	// Exemptions counts the exemptions in force and those about to end.
	Exemptions ExemptionCounts
}

// ScorecardDigest is the digest of one scorecard.
type ScorecardDigest struct {
	Identifier, Title string
	Levels            []LevelCount // rank order
	Services          int
	Target            string
	AtTarget          int
	Share             float64 // AtTarget/Services, 0..1
	PrevShare         float64
	HasPrev           bool
	Trend             []SharePoint // earlier periods, oldest first, then this one
	Teams             []TeamRow    // lowest share first
	TopFailing        []RuleCount  // most failed first
	NewlyFailing      []RuleCount  // rules that passed before for these services and fail now
	Promoted          []Move
	Demoted           []Move
}

// LevelCount is how many services sit at a level, and the change.
type LevelCount struct {
	Level  string
	Count  int
	Change int // meaningful when the digest is not First
}

// SharePoint is the share at target at one period.
type SharePoint struct {
	Label string
	Share float64
}

// TeamRow is one line of the per-team table.
type TeamRow struct {
	Team     string // identifier
	Name     string
	Services int
	Mix      []int // services per level, rank order
	AtTarget int
	Share    float64
	Change   float64 // in share points (0..1) since the previous period
	HasPrev  bool
}

// RuleCount is a rule with the services failing it and their teams.
type RuleCount struct {
	Rule, Title, Level string
	Count              int
	Teams              []string    // every team affected, by identifier, sorted
	ByTeam             []TeamCount // the same teams, most affected first
}

// TeamCount is how many of a team's services fail a rule.
type TeamCount struct {
	Team  string // identifier, or NoTeamLabel
	Count int
}

// Move is a service whose level changed.
type Move struct {
	Service  EntityRef
	From, To string
}

// BuildDigest computes the manager digest. It works on the snapshots only,
// so it can run for any period the history holds.
func BuildDigest(in DigestInput) *Digest {
	cur := in.Cur
	d := &Digest{Period: in.Period, Now: cur.Taken, Origin: cur.Origin, First: in.Prev == nil, Earlier: in.Prev == nil && in.Earlier, Failures: in.Failures, Stale: in.Stale,
		Exemptions: CountExemptions(cur)}
	var prevIdx map[string]int
	if in.Prev != nil {
		d.Since = in.Prev.Taken
		prevIdx = in.Prev.EntityIndex()
	}
	for e := range cur.Entities {
		if len(cur.Entities[e].Teams) == 0 {
			d.NoTeam = append(d.NoTeam, cur.Entities[e])
		}
	}
	for si := range cur.Scorecards {
		d.Scorecards = append(d.Scorecards, scorecardDigest(in, si, prevIdx))
	}
	return d
}

func targetRank(def *ScorecardDef, target string) int {
	target = targetOf(target, def.Identifier)
	if target != "" {
		if r := def.LevelRank(target); r >= 0 {
			return r
		}
	}
	return len(def.Levels) - 1
}

type teamAcc struct {
	row      TeamRow
	prevN    int
	prevAtTg int
}

func scorecardDigest(in DigestInput, si int, prevIdx map[string]int) ScorecardDigest {
	cur := in.Cur
	def := &cur.Scorecards[si]
	tr := targetRank(def, in.Target)
	sd := ScorecardDigest{Identifier: def.Identifier, Title: def.Name(), Target: def.Levels[tr]}
	counts := make([]int, len(def.Levels))
	ns := len(cur.Scorecards)

	// The previous snapshot's view of this scorecard, matched by identifiers.
	psi := -1
	var prevRule []int // current rule index -> previous rule index, -1 if new
	var prevTarget int
	if in.Prev != nil {
		psi = in.Prev.ScorecardIndex(def.Identifier)
	}
	var prevCounts map[string]int
	if psi >= 0 {
		pdef := &in.Prev.Scorecards[psi]
		prevTarget = targetRank(pdef, sd.Target)
		byID := make(map[string]int, len(pdef.Rules))
		for i := range pdef.Rules {
			byID[pdef.Rules[i].Identifier] = i
		}
		prevRule = make([]int, len(def.Rules))
		for i := range def.Rules {
			if j, ok := byID[def.Rules[i].Identifier]; ok {
				prevRule[i] = j
			} else {
				prevRule[i] = -1
			}
		}
		prevCounts = map[string]int{}
	}

	failing := make([]int, len(def.Rules))
	newly := make([]int, len(def.Rules))
	failTeams := make([]map[string]int, len(def.Rules))
	newTeams := make([]map[string]int, len(def.Rules))
	teams := map[string]*teamAcc{}
	prevAt, prevN := 0, 0

	for e := range cur.Entities {
		r := cur.Results[e*ns+si]
		ent := &cur.Entities[e]
		var pr Result
		hasPrev := false
		if psi >= 0 {
			if pe, ok := prevIdx[ent.Identifier]; ok {
				pr = in.Prev.Results[pe*len(in.Prev.Scorecards)+psi]
				hasPrev = pr.Applies
			}
		}
		if hasPrev {
			prevN++
			if pr.Level >= prevTarget {
				prevAt++
			}
			prevCounts[in.Prev.Scorecards[psi].Levels[pr.Level]]++
		}
		if !r.Applies {
			for _, t := range ent.Teams {
				if hasPrev {
					acc := team(teams, t, in.TeamNames, len(def.Levels))
					acc.prevN++
					if pr.Level >= prevTarget {
						acc.prevAtTg++
					}
				}
			}
			continue
		}
		sd.Services++
		counts[r.Level]++
		at := r.Level >= tr
		if at {
			sd.AtTarget++
		}
		for _, t := range ent.Teams {
			acc := team(teams, t, in.TeamNames, len(def.Levels))
			acc.row.Services++
			acc.row.Mix[r.Level]++
			if at {
				acc.row.AtTarget++
			}
			if hasPrev {
				acc.prevN++
				if pr.Level >= prevTarget {
					acc.prevAtTg++
				}
			}
		}
		for i := range def.Rules {
			if r.Passes(i) {
				continue
			}
			failing[i]++
			failTeams[i] = addTeams(failTeams[i], ent.Teams)
			if hasPrev && prevRule[i] >= 0 && pr.Passes(prevRule[i]) {
				newly[i]++
				newTeams[i] = addTeams(newTeams[i], ent.Teams)
			}
		}
		if hasPrev {
			from := in.Prev.Scorecards[psi].Levels[pr.Level]
			to := def.Levels[r.Level]
			// Compare ranks by name so a reordered ladder does not invent moves.
			fromRank := def.LevelRank(from)
			switch {
			case fromRank >= 0 && r.Level > fromRank:
				sd.Promoted = append(sd.Promoted, Move{Service: *ent, From: from, To: to})
			case fromRank >= 0 && r.Level < fromRank:
				sd.Demoted = append(sd.Demoted, Move{Service: *ent, From: from, To: to})
			}
		}
	}

	for i, n := range counts {
		lc := LevelCount{Level: def.Levels[i], Count: n}
		if prevCounts != nil {
			lc.Change = n - prevCounts[def.Levels[i]]
		}
		sd.Levels = append(sd.Levels, lc)
	}
	sd.Share = share(sd.AtTarget, sd.Services)
	if psi >= 0 && prevN > 0 {
		sd.HasPrev = true
		sd.PrevShare = share(prevAt, prevN)
	}
	for _, m := range in.History {
		c, ok := m.Counts[def.Identifier]
		if !ok {
			continue
		}
		total, at := 0, 0
		for lvl, n := range c {
			total += n
			if r := def.LevelRank(lvl); r >= tr {
				at += n
			}
		}
		sd.Trend = append(sd.Trend, SharePoint{Label: m.Label, Share: share(at, total)})
	}
	sd.Trend = append(sd.Trend, SharePoint{Label: in.Period.Key, Share: sd.Share})

	for _, acc := range teams {
		if acc.row.Services == 0 {
			continue
		}
		acc.row.Share = share(acc.row.AtTarget, acc.row.Services)
		if acc.prevN > 0 {
			acc.row.HasPrev = true
			acc.row.Change = acc.row.Share - share(acc.prevAtTg, acc.prevN)
		}
		sd.Teams = append(sd.Teams, acc.row)
	}
	sort.Slice(sd.Teams, func(i, j int) bool {
		a, b := sd.Teams[i], sd.Teams[j]
		if a.Share != b.Share {
			return a.Share < b.Share
		}
		return a.Team < b.Team
	})
	sd.TopFailing = ruleCounts(def, failing, failTeams)
	sd.NewlyFailing = ruleCounts(def, newly, newTeams)
	sortMoves(sd.Promoted)
	sortMoves(sd.Demoted)
	return sd
}

func team(m map[string]*teamAcc, id string, names map[string]string, levels int) *teamAcc {
	acc, ok := m[id]
	if !ok {
		name := names[id]
		if name == "" {
			name = id
		}
		acc = &teamAcc{row: TeamRow{Team: id, Name: name, Mix: make([]int, levels)}}
		m[id] = acc
	}
	return acc
}

func addTeams(set map[string]int, teams []string) map[string]int {
	if set == nil {
		set = map[string]int{}
	}
	if len(teams) == 0 {
		set[""]++
	}
	for _, t := range teams {
		set[t]++
	}
	return set
}

func ruleCounts(def *ScorecardDef, counts []int, teams []map[string]int) []RuleCount {
	var out []RuleCount
	for i, n := range counts {
		if n == 0 {
			continue
		}
		rc := RuleCount{Rule: def.Rules[i].Identifier, Title: def.Rules[i].Name(), Level: def.Rules[i].Level, Count: n}
		for t, n := range teams[i] {
			if t == "" {
				t = NoTeamLabel
			}
			rc.Teams = append(rc.Teams, t)
			rc.ByTeam = append(rc.ByTeam, TeamCount{Team: t, Count: n})
		}
		sort.Strings(rc.Teams)
		sort.Slice(rc.ByTeam, func(a, b int) bool {
			if rc.ByTeam[a].Count != rc.ByTeam[b].Count {
				return rc.ByTeam[a].Count > rc.ByTeam[b].Count
			}
			return rc.ByTeam[a].Team < rc.ByTeam[b].Team
		})
		out = append(out, rc)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// NoTeamLabel stands for services that name no owning team.
const NoTeamLabel = "(no team)"

func sortMoves(m []Move) {
	sort.Slice(m, func(i, j int) bool { return m[i].Service.Identifier < m[j].Service.Identifier })
}

func share(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}
