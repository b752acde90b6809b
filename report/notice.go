package report

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"github.com/prodready/prodready/scorecard"
)

// Notice is what one owning team hears in one run: its services below the
// target level and what to fix, with what is new since its last notice marked.
type Notice struct {
	Team     string // identifier; "" for services that name no team
	TeamName string
	Services []NoticeService
	// Regressed is true when, since the team's last notice, a rule that
	// passed now fails or a level dropped: such a notice is never held back.
	Regressed bool
	// First is true when the team had no earlier notice to compare with.
	First bool
	// Hash identifies the content (not the "new" marks): an unchanged hash
	// means there is nothing new to say.
	Hash string
	// Expired lists the team's exemptions that stopped counting since the
	// last notice; Snoozed, the snooze that quieted the notices before this
	// one. Both are set by the notices job from the history.
	Expired []ExpiredExemption
	Snoozed *SnoozeNote
}

// NoticeService is one service below target on at least one scorecard.
type NoticeService struct {
	Service    EntityRef
	Scorecards []NoticeStanding
	New        bool // below target now, was not in the last notice
}

// NoticeStanding is the service's standing on one scorecard where it is below target.
type NoticeStanding struct {
	Scorecard, Title string
	Level, Target    string
	// NextStep: no target is set for the scorecard, so Target is the
	// service's next level up.
	NextStep bool
	Dropped  bool   // level is lower than at the last notice
	From     string // the level at the last notice, when Dropped
	Fix      []NoticeRule
}

// NoticeRule is a failing rule to fix to reach the target, and what to do.
type NoticeRule struct {
	Rule, Title, Level, Description string
	New                             bool     // passed at the last notice
	Why                             []string // what the service has, in words; only from a live evaluation
	Doc                             string   // the rule's documentation link, when its description gives one
	// Exempt is the exemption that lets the rule count as passing; the
	// rule is still listed, never hidden.
	Exempt *scorecard.Exemption
}

// Name is the team's display name.
func (n *Notice) Name() string {
	switch {
	case n.TeamName != "":
		return n.TeamName
	case n.Team != "":
		return n.Team
	}
	return NoTeamLabel
}

// BuildNotices returns one notice per team that has a service below target
// in cur, sorted by team; services with no team go in the notice of team "".
// names maps team identifiers to display names.
func BuildNotices(cur *Snapshot, target string, names map[string]string) []*Notice {
	ns := len(cur.Scorecards)
	targets := make([]int, ns)
	for si := range cur.Scorecards {
		// No target for the scorecard: each service is asked for its next
		// level up, not for the top level at once.
		targets[si] = -1
		if l := targetOf(target, cur.Scorecards[si].Identifier); l != "" {
			targets[si] = cur.Scorecards[si].LevelRank(l)
		}
	}
	byTeam := map[string]*Notice{}
	for e := range cur.Entities {
		ent := cur.Entities[e]
		var svc *NoticeService
		for si := range cur.Scorecards {
			r := cur.Results[e*ns+si]
			def := &cur.Scorecards[si]
			tr := targets[si]
			if tr < 0 && r.Applies {
				tr = def.nextRank(r.Level)
			}
			if !r.Applies || r.Level >= tr {
				continue
			}
			st := NoticeStanding{Scorecard: def.Identifier, Title: def.Name(), Level: def.Levels[r.Level], Target: def.Levels[tr], NextStep: targets[si] < 0}
			for i := range def.Rules {
				rd := &def.Rules[i]
				if rd.Rank <= tr && !r.Passes(i) {
					nr := NoticeRule{Rule: rd.Identifier, Title: rd.Name(), Level: rd.Level, Description: rd.Description, Doc: DocLink(rd.Description),
						Exempt: cur.Exemption(ent.Identifier, def.Identifier, rd.Identifier)}
					if cur.live != nil {
						nr.Why = Why(cur.live.Result(e, si), i, cur.Taken)
					}
					st.Fix = append(st.Fix, nr)
				}
			}
			sort.SliceStable(st.Fix, func(a, b int) bool {
				return def.LevelRank(st.Fix[a].Level) < def.LevelRank(st.Fix[b].Level)
			})
			if svc == nil {
				svc = &NoticeService{Service: ent}
			}
			svc.Scorecards = append(svc.Scorecards, st)
		}
		if svc == nil {
			continue
		}
		teams := ent.Teams
		if len(teams) == 0 {
			teams = []string{""}
		}
		for _, t := range teams {
			n, ok := byTeam[t]
			if !ok {
				n = &Notice{Team: t, TeamName: names[t]}
				byTeam[t] = n
			}
			n.Services = append(n.Services, *svc)
		}
	}
	out := make([]*Notice, 0, len(byTeam))
	for _, n := range byTeam {
		sort.Slice(n.Services, func(i, j int) bool { return n.Services[i].Service.Identifier < n.Services[j].Service.Identifier })
		n.Hash = n.hash()
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Team < out[j].Team })
	return out
}

// nextRank is the lowest level above level that has rules; level itself
// at the top.
func (d *ScorecardDef) nextRank(level int) int {
	next := -1
	for i := range d.Rules {
		if r := d.Rules[i].Rank; r > level && (next < 0 || r < next) {
			next = r
		}
	}
	if next < 0 {
		return level
	}
	return next
}

func (n *Notice) hash() string {
	h := sha256.New()
	for _, s := range n.Services {
		h.Write([]byte(s.Service.Identifier))
		h.Write([]byte{0})
		for _, st := range s.Scorecards {
			h.Write([]byte(st.Scorecard + "\x00" + st.Level + "\x00" + st.Target + "\x00"))
			for _, f := range st.Fix {
				h.Write([]byte(f.Rule + "\x00"))
			}
			h.Write([]byte{1})
		}
		h.Write([]byte{2})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// MarkSince marks what is new in n compared with prev, the snapshot the
// team's last notice was built from (nil when there was none), and sets
// Regressed when a level dropped or a rule that passed now fails.
func (n *Notice) MarkSince(prev *Snapshot, prevIdx map[string]int) {
	if prev == nil {
		n.First = true
		return
	}
	n.First, n.Regressed = false, false
	for i := range n.Services {
		s := &n.Services[i]
		pe, known := prevIdx[s.Service.Identifier]
		s.New = true
		compared := false // some scorecard of the service was known then
		for j := range s.Scorecards {
			st := &s.Scorecards[j]
			psi := prev.ScorecardIndex(st.Scorecard)
			if !known || psi < 0 {
				continue
			}
			pr := prev.Results[pe*len(prev.Scorecards)+psi]
			if !pr.Applies {
				continue
			}
			pdef := &prev.Scorecards[psi]
			compared = true
			below := pr.Level < pdef.LevelRank(st.Target)
			if st.NextStep {
				below = pdef.nextRank(pr.Level) > pr.Level // not at the top
			}
			if below {
				s.New = false // it was below target then too
			}
			if from := pdef.Levels[pr.Level]; pdef.LevelRank(st.Level) < pr.Level {
				st.Dropped, st.From = true, from
				n.Regressed = true
			}
			for k := range st.Fix {
				f := &st.Fix[k]
				for ri := range pdef.Rules {
					if pdef.Rules[ri].Identifier == f.Rule {
						if pr.Passes(ri) {
							f.New = true
							n.Regressed = true
						}
						break
					}
				}
			}
		}
		if s.New && compared {
			// Newly below target on a scorecard it had: a level dropped.
			n.Regressed = true
		}
	}
}

// Counts returns how many services and failing rules the notice lists.
func (n *Notice) Counts() (services, rules int) {
	for _, s := range n.Services {
		for _, st := range s.Scorecards {
			rules += len(st.Fix)
		}
	}
	return len(n.Services), rules
}

// MarkDropsSince sets Regressed, and marks the standing Dropped, where a
// service now stands below a level it held in an evaluation after the
// team's last notice: peak gives that level's rank (ok false: none). A
// regression is the transition, not the day: dropping, climbing back and
// dropping again is a second regression, though the level is the one the
// last notice showed. cur is the snapshot n was built from.
func (n *Notice) MarkDropsSince(cur *Snapshot, peak func(service, scorecard string) (int, bool)) {
	for i := range n.Services {
		s := &n.Services[i]
		for j := range s.Scorecards {
			st := &s.Scorecards[j]
			ci := cur.ScorecardIndex(st.Scorecard)
			if ci < 0 {
				continue
			}
			def := &cur.Scorecards[ci]
			rank, ok := peak(s.Service.Identifier, st.Scorecard)
			if !ok || rank < 0 || rank >= len(def.Levels) || def.LevelRank(st.Level) >= rank {
				continue
			}
			n.Regressed = true
			if !st.Dropped {
				st.Dropped, st.From = true, def.Levels[rank]
			}
		}
	}
}
