package slackapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prodready/prodready/bot/metrics"
	"github.com/prodready/prodready/scorecard"
)

// Evaluated is one evaluation of the catalog and the indexes the bot answers
// from. It is immutable once built, so readers need no lock.
type Evaluated struct {
	Bundle     *scorecard.Bundle
	Evaluation *scorecard.Evaluation
	LoadedAt   time.Time
	// Target is the level an answer's status marker counts as done
	// (PRODREADY_TARGET_LEVEL); "" or a level a scorecard lacks means its
	// top level.
	Target string

	teams     map[string]*teamIndex // lower-case team identifier or name -> team
	teamNames []string              // for "did you mean" only

	teamsNear *scorecard.NameIndex // "did you mean" over teams
}

// teamIndex is one owning team and the entities it owns, in catalog order.
type teamIndex struct {
	ID, Name string
	Entities []int

	// answer is the team's `team <team>` answer, laid out by the first
	// request for it: it depends only on this evaluation and its Target,
	// and a large team's costs milliseconds to lay out (see answerTeam).
	answer atomic.Pointer[teamAnswer]
}

// NewSnapshot evaluates bundle at now and indexes teams to their entities,
// once, so that answering `team <team>` never scans the catalog.
func NewEvaluated(b *scorecard.Bundle, now time.Time) *Evaluated {
	s := &Evaluated{Bundle: b, Evaluation: b.Evaluate(now), LoadedAt: now, teams: map[string]*teamIndex{}}
	byID := map[string]*teamIndex{}
	get := func(id string) *teamIndex {
		t, ok := byID[id]
		if !ok {
			t = &teamIndex{ID: id, Name: id}
			byID[id] = t
		}
		return t
	}
	for _, t := range b.Teams {
		if t.Identifier == "" {
			continue
		}
		ti := get(t.Identifier)
		if t.Name != "" {
			ti.Name = t.Name
		}
	}
	for i := range b.Catalog.Entities {
		for _, id := range b.Catalog.Entities[i].Team {
			ti := get(id)
			ti.Entities = append(ti.Entities, i)
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	// Identifiers win over names, as for entities.
	for _, id := range ids {
		t := byID[id]
		if k := strings.ToLower(t.Name); k != "" {
			if _, taken := s.teams[k]; !taken {
				s.teams[k] = t
			}
		}
	}
	for _, id := range ids {
		s.teams[strings.ToLower(id)] = byID[id]
		s.teamNames = append(s.teamNames, id)
		if !strings.EqualFold(byID[id].Name, id) {
			s.teamNames = append(s.teamNames, byID[id].Name)
		}
	}
	// Built now rather than on the first lookup or misspelling, so no
	// answer waits for them.
	b.Catalog.Index()
	s.teamsNear = scorecard.NewNameIndex(s.teamNames)
	return s
}

// SuggestServices returns up to max service identifiers or titles close to
// name (Catalog.Suggest, through the catalog's index).
func (s *Evaluated) SuggestServices(name string, max int) []string {
	return s.Evaluation.Catalog.Suggest(name, max)
}

// Team finds a team by identifier or name, any case, without scanning.
func (s *Evaluated) Team(name string) (id, display string, entities []int, ok bool) {
	t, ok := s.team(name)
	if !ok {
		return "", "", nil, false
	}
	return t.ID, t.Name, t.Entities, true
}

func (s *Evaluated) team(name string) (*teamIndex, bool) {
	t, ok := s.teams[strings.ToLower(strings.TrimSpace(name))]
	return t, ok
}

// SuggestTeams returns up to max team identifiers or names close to name.
func (s *Evaluated) SuggestTeams(name string, max int) []string {
	return s.teamsNear.Suggest(name, max)
}

// Holder holds the latest good evaluation. Readers take it with Current (an
// atomic load); Refresh replaces it, and a failed refresh keeps the old one.
// The digests' scheduler shares the same Holder.
type Holder struct {
	src     scorecard.Source
	now     func() time.Time
	log     *slog.Logger
	metrics atomic.Pointer[metrics.Metrics]

	cur     atomic.Pointer[Evaluated]
	target  atomic.Pointer[string]
	refresh sync.Mutex // one refresh at a time

	mu      sync.Mutex
	lastErr error
	changed chan struct{} // closed and replaced on every refresh outcome
}

// NewHolder makes a holder that loads from src; now may be nil (time.Now).
func NewHolder(src scorecard.Source, now func() time.Time, log *slog.Logger) *Holder {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Holder{src: src, now: now, log: log, changed: make(chan struct{})}
}

// SetMetrics records every refresh (and the failing rules of each new
// evaluation) in m from now on.
func (h *Holder) SetMetrics(m *metrics.Metrics) { h.metrics.Store(m) }

// SetTarget sets the level answers count as done, from the next
// evaluation on; see Evaluated.Target.
func (h *Holder) SetTarget(level string) { h.target.Store(&level) }

// Current returns the latest evaluation, or nil before the first good load.
func (h *Holder) Current() *Evaluated { return h.cur.Load() }

// Set makes b, evaluated at now, the current evaluation.
func (h *Holder) Set(b *scorecard.Bundle, now time.Time) *Evaluated {
	s := NewEvaluated(b, now)
	if t := h.target.Load(); t != nil {
		s.Target = *t
	}
	h.cur.Store(s)
	h.announce(nil)
	if m := h.metrics.Load(); m != nil {
		m.SetFailingRules(failingPerScorecard(s.Evaluation))
	}
	return s
}

// LastError is the error of the last refresh, nil when it succeeded.
func (h *Holder) LastError() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastErr
}

// announce records the outcome of a load and wakes those waiting for one.
func (h *Holder) announce(err error) {
	h.mu.Lock()
	h.lastErr = err
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

// Refresh loads the source and evaluates it. On failure the previous
// evaluation stays current, and the error is logged and returned.
func (h *Holder) Refresh(ctx context.Context) error {
	h.refresh.Lock()
	defer h.refresh.Unlock()
	start := h.now()
	took := time.Now()
	b, err := h.src.Load(ctx, start)
	if err == nil && (b == nil || b.Catalog == nil) {
		err = errors.New("the source returned no catalog")
	}
	if err != nil && ctx.Err() != nil {
		// Stopping, not failing: waiters hear it from their own context.
		return fmt.Errorf("refresh from %s interrupted: %w", h.src.Describe(), ctx.Err())
	}
	if err != nil {
		err = fmt.Errorf("refresh from %s: %w", h.src.Describe(), err)
		h.metrics.Load().ObserveEvaluation(time.Since(took), err)
		if prev := h.Current(); prev != nil {
			h.log.Error("refresh failed; still answering from the previous evaluation", "err", err, "evaluated_at", prev.LoadedAt.Format(time.RFC3339))
		} else {
			h.log.Error("refresh failed; no evaluation to answer from yet", "err", err)
		}
		h.announce(err)
		return err
	}
	// Rejected scorecards are left out of the answers: say so at every
	// refresh, not only once, since whoever reads the log may come later.
	for i, f := range b.Findings.Errors() {
		if i == 5 {
			h.log.Warn("more scorecard definitions rejected", "count", len(b.Findings.Errors())-5)
			break
		}
		h.log.Warn("scorecard definition rejected; it is left out of the answers", "finding", f.String())
	}
	s := h.Set(b, start)
	h.metrics.Load().ObserveEvaluation(time.Since(took), nil)
	h.log.Info("evaluation refreshed", "source", h.src.Describe(), "entities", len(b.Catalog.Entities),
		"scorecards", len(b.Scorecards), "took", time.Since(start).Round(time.Millisecond).String(),
		"teams", len(s.teamNames))
	return nil
}

// Wait returns the current evaluation. With none yet, it fails at once
// with the error of the last refresh if that failed, or else waits for the
// outcome of the refresh under way; it also fails when ctx ends.
func (h *Holder) Wait(ctx context.Context) (*Evaluated, error) {
	for {
		// The channel and the error are read together, so that an outcome
		// settled after this point closes the channel we wait on.
		h.mu.Lock()
		ch, lastErr := h.changed, h.lastErr
		h.mu.Unlock()
		if s := h.Current(); s != nil {
			return s, nil
		}
		if lastErr != nil {
			return nil, lastErr
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Run refreshes now and then every interval until ctx ends. After a failure
// it retries sooner (at most a minute later), since a bot with no or stale
// data is worse than an extra load.
func (h *Holder) Run(ctx context.Context, every time.Duration) {
	for {
		t := time.NewTimer(h.tick(ctx, every))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// tick refreshes unless the evaluation is fresh, and says how long to wait
// before the next tick.
func (h *Holder) tick(ctx context.Context, every time.Duration) time.Duration {
	if s := h.Current(); s != nil && h.now().Sub(s.LoadedAt) < every/2 {
		// Fed by the scheduled refresh job (see Feeding): loading the
		// catalog again now would only double the calls to its source.
		return every - h.now().Sub(s.LoadedAt)
	}
	if err := h.Refresh(ctx); err != nil && every > time.Minute {
		return time.Minute
	}
	return every
}

// Feeding wraps src so that every catalog it loads successfully also becomes
// the holder's evaluation. serve gives it to the scheduler: on the leader,
// the scheduled refresh job's load then serves slash commands too, and the
// holder's own timer finds its evaluation fresh and does not load again.
func (h *Holder) Feeding(src scorecard.Source) scorecard.Source { return feedingSource{src, h} }

type feedingSource struct {
	scorecard.Source
	h *Holder
}

func (f feedingSource) Load(ctx context.Context, now time.Time) (*scorecard.Bundle, error) {
	b, err := f.Source.Load(ctx, now)
	if err == nil && b != nil && b.Catalog != nil {
		f.h.Set(b, now)
	}
	return b, err
}

// failingPerScorecard counts failing rule results per scorecard identifier:
// one per applicable entity and failing rule.
func failingPerScorecard(ev *scorecard.Evaluation) map[string]int {
	out := make(map[string]int, len(ev.Scorecards))
	if ev.Catalog == nil {
		return out
	}
	for s, sc := range ev.Scorecards {
		n := 0
		for e := range ev.Catalog.Entities {
			r := ev.Result(e, s)
			if !r.Applies {
				continue
			}
			for _, ok := range r.Pass {
				if !ok {
					n++
				}
			}
		}
		out[sc.Identifier] = n
	}
	return out
}
