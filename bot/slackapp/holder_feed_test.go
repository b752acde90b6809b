package slackapp

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

// countingSource counts the loads of the demo.
type countingSource struct{ loads atomic.Int32 }

func (c *countingSource) Describe() string { return "counting demo" }
func (c *countingSource) Load(ctx context.Context, now time.Time) (*scorecard.Bundle, error) {
	c.loads.Add(1)
	return demo.Source{}.Load(ctx, now)
}

// A load through Feeding (the scheduled refresh job's) serves slash
// commands, and the holder's timer does not load the catalog again while
// that evaluation is fresh; without it, the timer loads.
func TestHolderFedByTheRefreshJob(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	for _, fed := range []bool{true, false} {
		src := &countingSource{}
		h := NewHolder(src, clock, nil)
		if fed {
			if _, err := h.Feeding(src).Load(context.Background(), now); err != nil {
				t.Fatal(err)
			}
			if s := h.Current(); s == nil || len(s.Bundle.Catalog.Entities) == 0 {
				t.Fatal("a load through Feeding did not reach the holder")
			}
		}
		// One turn of Run's loop: it loads, or finds the evaluation fresh.
		wait := h.tick(context.Background(), time.Hour)
		if _, err := h.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		if wait <= 0 || wait > time.Hour {
			t.Errorf("fed=%v: next refresh in %v", fed, wait)
		}
		if got := src.loads.Load(); got != 1 {
			t.Errorf("fed=%v: %d loads of the catalog, want 1", fed, got)
		}
	}
}
