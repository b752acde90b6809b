// Package historysim generates a history of snapshots: services whose
// rule outcomes change at a chosen daily rate, at a chosen cadence, for
// the simulation program (cmd/simhistory), the store's benchmarks and the
// tests that compare two ways of storing the same history.
package historysim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/prodready/prodready/report"
)

// Config is a history to generate.
type Config struct {
	Services int
	Teams    int
	Start    time.Time
	Every    time.Duration // between snapshots
	// ChurnPerDay is the share of services that change one rule's
	// outcome per day (0.01: 1%), spread over the day's snapshots.
	ChurnPerDay float64
	// Variety adds the rarer changes: now and then a service is renamed,
	// moves team, is added or removed, and halfway through one scorecard
	// gains a rule (every service's result on it is then new).
	Variety bool
	Seed    uint64
}

// Gen produces the snapshots of a Config in order.
type Gen struct {
	cfg   Config
	rng   *rand.Rand
	defs  []report.ScorecardDef
	svcs  []service
	k     int     // snapshots made
	debt  float64 // changes due but not yet made
	added int
	// interned bitmasks per scorecard, so equal results share a string
	interned []map[string]string
	// addRuleAt is the snapshot at which scorecard 0 gains a rule.
	addRuleAt int
	// snap is the last snapshot made; dirty lists the services changed
	// since, or all of them when reshaped (services or rules added or
	// removed): only those are evaluated again.
	snap     *report.Snapshot
	dirty    []int
	reshaped bool
}

type service struct {
	ref  report.EntityRef
	pass [][]bool // per scorecard, per rule
}

// baseDefs are three scorecards of the shapes the demo has: a ladder of
// four levels, a yes/no gate, and three levels of rules in pairs.
func baseDefs() []report.ScorecardDef {
	mk := func(id, title string, levels []string, perLevel int) report.ScorecardDef {
		d := report.ScorecardDef{Identifier: id, Title: title, Levels: levels}
		for l := 1; l < len(levels); l++ {
			for r := 0; r < perLevel; r++ {
				d.Rules = append(d.Rules, report.RuleDef{Identifier: fmt.Sprintf("%s-%s-%d", id, levels[l], r), Title: fmt.Sprintf("%s rule %d", levels[l], r),
					Level: levels[l], Rank: l})
			}
		}
		return d
	}
	return []report.ScorecardDef{
		mk("readiness", "Production readiness", []string{"Basic", "Bronze", "Silver", "Gold"}, 2),
		mk("operations", "Operations", []string{"Unready", "Ready"}, 3),
		mk("security", "Security", []string{"None", "Low", "High"}, 2),
	}
}

// New starts a generator.
func New(cfg Config) *Gen {
	if cfg.Teams <= 0 {
		cfg.Teams = max(1, cfg.Services/50)
	}
	g := &Gen{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)), defs: baseDefs()}
	g.interned = make([]map[string]string, len(g.defs))
	for i := range g.interned {
		g.interned[i] = map[string]string{}
	}
	g.addRuleAt = -1
	if cfg.Variety && cfg.Every > 0 {
		g.addRuleAt = int(180 * 24 * time.Hour / cfg.Every)
	}
	for range cfg.Services {
		g.svcs = append(g.svcs, g.newService())
	}
	return g
}

func (g *Gen) newService() service {
	i := g.added
	g.added++
	s := service{ref: report.EntityRef{Identifier: fmt.Sprintf("svc-%06d", i), Title: fmt.Sprintf("Service %d", i),
		Teams: []string{fmt.Sprintf("team-%04d", i%g.cfg.Teams)}}}
	s.pass = make([][]bool, len(g.defs))
	for si := range g.defs {
		s.pass[si] = make([]bool, len(g.defs[si].Rules))
		for r := range s.pass[si] {
			s.pass[si][r] = g.rng.IntN(4) != 0
		}
	}
	return s
}

// Taken is when snapshot k is taken.
func (g *Gen) Taken(k int) time.Time { return g.cfg.Start.Add(time.Duration(k) * g.cfg.Every) }

// Next returns the next snapshot. It is the generator's own and changes
// with the next call: store or compare it before.
func (g *Gen) Next() *report.Snapshot {
	if g.k > 0 {
		g.change()
	}
	ns := len(g.defs)
	if g.snap == nil || g.reshaped {
		g.snap = &report.Snapshot{Origin: "historysim", Scorecards: g.defs}
		g.snap.Entities = make([]report.EntityRef, len(g.svcs))
		g.snap.Results = make([]report.Result, len(g.svcs)*ns)
		g.dirty = g.dirty[:0]
		for e := range g.svcs {
			g.dirty = append(g.dirty, e)
		}
		g.reshaped = false
	}
	snap := g.snap
	snap.Taken = g.Taken(g.k)
	buf := make([]byte, 0, 8)
	for _, e := range g.dirty {
		s := &g.svcs[e]
		snap.Entities[e] = s.ref
		for si := range g.defs {
			buf = buf[:0]
			level := 0
			failed := false
			for r, p := range s.pass[si] {
				if r%8 == 0 {
					buf = append(buf, 0)
				}
				if p {
					buf[r/8] |= 1 << (r % 8)
				}
			}
			// The level is the highest whose rules and all below it pass.
			for l := 1; l < len(g.defs[si].Levels) && !failed; l++ {
				for r, rd := range g.defs[si].Rules {
					if rd.Rank == l && !s.pass[si][r] {
						failed = true
					}
				}
				if !failed {
					level = l
				}
			}
			bits, ok := g.interned[si][string(buf)]
			if !ok {
				bits = string(buf)
				g.interned[si][bits] = bits
			}
			snap.Results[e*ns+si] = report.Result{Applies: true, Level: level, Pass: bits}
		}
	}
	g.dirty = g.dirty[:0]
	g.k++
	return snap
}

// change makes the changes due since the last snapshot.
func (g *Gen) change() {
	perSnap := g.cfg.ChurnPerDay * float64(len(g.svcs)) * float64(g.cfg.Every) / float64(24*time.Hour)
	g.debt += perSnap
	for ; g.debt >= 1; g.debt-- {
		i := g.rng.IntN(len(g.svcs))
		g.dirty = append(g.dirty, i)
		s := &g.svcs[i]
		si := g.rng.IntN(len(s.pass))
		r := g.rng.IntN(len(s.pass[si]))
		s.pass[si][r] = !s.pass[si][r]
	}
	if !g.cfg.Variety {
		return
	}
	if g.k == g.addRuleAt {
		d := &g.defs[0]
		// A new slice: snapshots already handed out keep the old definition.
		defs := append([]report.ScorecardDef(nil), g.defs...)
		nd := *d
		nd.Rules = append(append([]report.RuleDef(nil), d.Rules...), report.RuleDef{Identifier: "readiness-extra", Title: "Extra rule", Level: d.Levels[1], Rank: 1})
		defs[0] = nd
		g.defs = defs
		for i := range g.svcs {
			g.svcs[i].pass[0] = append(g.svcs[i].pass[0], g.rng.IntN(2) == 0)
		}
		g.reshaped = true
	}
	// Rarer changes: about one of each kind a few times a month.
	perSnapDays := float64(g.cfg.Every) / float64(24*time.Hour)
	if g.rng.Float64() < perSnapDays/3 {
		i := g.rng.IntN(len(g.svcs))
		g.svcs[i].ref.Title = fmt.Sprintf("Service %s, renamed at %d", g.svcs[i].ref.Identifier, g.k)
		g.dirty = append(g.dirty, i)
	}
	if g.rng.Float64() < perSnapDays/3 {
		i := g.rng.IntN(len(g.svcs))
		g.svcs[i].ref.Teams = []string{fmt.Sprintf("team-%04d", g.rng.IntN(g.cfg.Teams))}
		g.dirty = append(g.dirty, i)
	}
	if g.rng.Float64() < perSnapDays/5 {
		g.svcs = append(g.svcs, g.newService())
		g.reshaped = true
	}
	if g.rng.Float64() < perSnapDays/7 && len(g.svcs) > 1 {
		i := g.rng.IntN(len(g.svcs))
		g.svcs = append(g.svcs[:i], g.svcs[i+1:]...)
		g.reshaped = true
	}
}
