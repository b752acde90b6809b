package history

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
)

func TestExemptionLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		x := scorecard.Exemption{Service: "pay", Scorecard: "pr", Rule: "readme", Until: now.Add(10 * 24 * time.Hour), Reason: "split"}
		req, err := s.RequestExemption(ctx, x, "U1", now)
		if err != nil {
			t.Fatal(err)
		}
		if req.Status != ExemptionRequested || req.Origin != scorecard.OriginSlack || req.RequestedBy != "U1" {
			t.Fatalf("request %+v", req)
		}
		if _, err := s.RequestExemption(ctx, x, "U2", now); !errors.Is(err, ErrAlreadyRequested) {
			t.Errorf("second request: %v", err)
		}
		if act, _ := s.ActiveExemptions(ctx, now); len(act) != 0 {
			t.Errorf("a request counts before approval: %v", act)
		}
		// Two approvers click at once: one decision is recorded.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = s.DecideExemption(ctx, req.ID, true, []string{"UA", "UB"}[i], now.Add(time.Minute))
			})
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("decisions: %v, %v", errs[0], errs[1])
		}
		for _, err := range errs {
			if err != nil && !errors.Is(err, ErrAlreadyDecided) {
				t.Errorf("the loser: %v", err)
			}
		}
		if _, err := s.DecideExemption(ctx, req.ID, false, "UC", now); !errors.Is(err, ErrAlreadyDecided) {
			t.Errorf("deny after approve: %v", err)
		}
		if _, err := s.DecideExemption(ctx, 9999, true, "UC", now); !errors.Is(err, ErrNoExemption) {
			t.Errorf("unknown id: %v", err)
		}
		act, err := s.ActiveExemptions(ctx, now)
		if err != nil || len(act) != 1 || act[0].By == "" || act[0].Origin != scorecard.OriginSlack {
			t.Fatalf("active %+v, %v", act, err)
		}
		// After until: it no longer counts, and it is expired-unnoticed once.
		later := x.Until.Add(time.Second)
		if act, _ := s.ActiveExemptions(ctx, later); len(act) != 0 {
			t.Errorf("expired one still active")
		}
		exp, err := s.ExpiredUnnoticed(ctx, later)
		if err != nil || len(exp) != 1 {
			t.Fatalf("expired %v, %v", exp, err)
		}
		if err := s.MarkExpiryNoticed(ctx, []int64{exp[0].ID}, later); err != nil {
			t.Fatal(err)
		}
		if exp, _ := s.ExpiredUnnoticed(ctx, later); len(exp) != 0 {
			t.Errorf("noticed twice: %v", exp)
		}
		// A new request for the same rule is possible once decided.
		if _, err := s.RequestExemption(ctx, x, "U1", later); err != nil {
			t.Errorf("request after decision: %v", err)
		}
	})
}

func TestSyncFileExemptions(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		a := scorecard.Exemption{Service: "a", Scorecard: "pr", Rule: "r", Until: now.Add(time.Hour), Reason: "x", By: "alice", Origin: scorecard.OriginFile}
		b := a
		b.Service = "b"
		for _, set := range [][]scorecard.Exemption{{a, b}, {a, b}, {b}} {
			if err := s.SyncFileExemptions(ctx, set, now); err != nil {
				t.Fatal(err)
			}
			all, err := s.Exemptions(ctx, ExemptionApproved)
			if err != nil || len(all) != len(set) {
				t.Fatalf("after sync of %d: %d rows, %v", len(set), len(all), err)
			}
			for _, r := range all {
				if r.Origin != scorecard.OriginFile || r.DecidedBy != "alice" || r.RequestedBy != "alice" {
					t.Errorf("row %+v", r)
				}
			}
		}
	})
}

func TestSnoozeTeam(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, dsn)
		now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		week := now.Add(7 * 24 * time.Hour)
		z, changed, err := s.SnoozeTeam(ctx, "payments", "U1", week, now)
		if err != nil || !changed || z.By != "U1" {
			t.Fatalf("snooze %+v %v %v", z, changed, err)
		}
		if _, changed, _ := s.SnoozeTeam(ctx, "payments", "U2", week.Add(time.Minute), now.Add(time.Minute)); changed {
			t.Error("a second click made a second snooze")
		}
		if cur, ok, _ := s.SnoozeOf(ctx, "payments", now.Add(time.Hour)); !ok || cur.By != "U1" {
			t.Errorf("snooze of %+v %v", cur, ok)
		}
		if _, ok, _ := s.SnoozeOf(ctx, "search", now); ok {
			t.Error("another team snoozed")
		}
		ended, err := s.EndedSnoozes(ctx, "payments", week)
		if err != nil || len(ended) != 1 || ended[0].By != "U1" {
			t.Fatalf("ended %+v %v", ended, err)
		}
		if err := s.MarkSnoozesNoticed(ctx, []int64{ended[0].ID}, week); err != nil {
			t.Fatal(err)
		}
		if ended, _ := s.EndedSnoozes(ctx, "payments", week); len(ended) != 0 {
			t.Errorf("noticed twice")
		}
	})
}
