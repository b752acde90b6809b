package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/jobs"
)

// A regression found later the same day goes out at the next run, to its
// team only, once, however many runs race for it.
func TestSameDayRegressionSentAtNextRun(t *testing.T) {
	w := dgNewWorld(t)
	w.run(w.jobs(), jobs.Notices, engine.RunOptions{})
	before := w.noticesTo()

	// pay-api loses its README later the same day: Bronze → Basic.
	w.clock.add(2 * time.Hour)
	w.src.set(
		dgService("pay-api", 0, "payments"), dgService("pay-web", 3, "payments"), dgService("checkout", 2, "payments"),
		dgService("search-api", 2, "search"), dgService("indexer", 0, "search"),
		dgService("gateway", 1, "platform"), dgService("orphan", 2), dgService("gold-one", 3, "platform"))
	a, b := w.jobs(), w.jobs()
	var wg sync.WaitGroup
	outs := make([]engine.Outcome, 2)
	errs := make([]error, 2)
	for i, j := range []*engine.Jobs{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = j.Run(context.Background(), jobs.Notices, engine.RunOptions{})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	after := w.noticesTo()
	for ch := range after {
		want := 0
		if ch == w.payments {
			want = 1
		}
		if d := len(after[ch]) - len(before[ch]); d != want {
			t.Errorf("conversation %s got %d new notices after the regression, want %d (outcomes %+v %+v)", ch, d, want, outs[0], outs[1])
		}
	}
	if msgs := after[w.payments]; len(msgs) > 0 {
		if text := dgText(t, msgs[len(msgs)-1]); !strings.Contains(text, "pay-api") || !strings.Contains(text, ":new:") {
			t.Errorf("the regression notice should mark pay-api's new failure:\n%s", text)
		}
	}

	// Nothing new since: the next run the same day stays quiet.
	w.clock.add(time.Hour)
	out := w.run(w.jobs(), jobs.Notices, engine.RunOptions{})
	if out.Sent != 0 {
		t.Errorf("a run after the regression notice sent %d, want 0: %+v", out.Sent, out)
	}
}

// A second digest in the first week has a snapshot to look back on (the
// first digest's), but none from the previous week: it says that, not
// that there is no earlier snapshot.
func TestSecondDigestOfFirstWeekSaysWhatIsTrue(t *testing.T) {
	w := dgNewWorld(t)
	w.run(w.jobs(), jobs.Weekly, engine.RunOptions{})
	w.clock.add(time.Hour)
	w.run(w.jobs(), jobs.Weekly, engine.RunOptions{Force: true})
	msgs := w.emu.Messages(w.reports)
	if len(msgs) != 2 {
		t.Fatalf("%d digests, want 2", len(msgs))
	}
	if first := dgText(t, msgs[0]); !strings.Contains(first, "First digest") {
		t.Errorf("the first digest should say it is the first:\n%s", first)
	}
	second := dgText(t, msgs[1])
	if strings.Contains(second, "no earlier snapshot") || !strings.Contains(second, "the previous week has no snapshot yet; changes appear from next week") {
		t.Errorf("the second digest of the first week:\n%s", second)
	}
}

// A regression is the transition, not the day: pay-api drops to Basic
// (notice), climbs back, and drops again the same day; the second drop is
// a new regression and goes out once, however many runs race for it.
func TestSecondSameDayDropIsANewRegression(t *testing.T) {
	w := dgNewWorld(t)
	set := func(payAPI int) {
		w.src.set(
			dgService("pay-api", payAPI, "payments"), dgService("pay-web", 3, "payments"), dgService("checkout", 2, "payments"),
			dgService("search-api", 2, "search"), dgService("indexer", 0, "search"),
			dgService("gateway", 1, "platform"), dgService("orphan", 2), dgService("gold-one", 3, "platform"))
	}
	w.run(w.jobs(), jobs.Notices, engine.RunOptions{})
	steps := []struct {
		name   string
		payAPI int
		want   int // new notices to payments
	}{
		{"first drop", 0, 1},
		{"back up", 1, 0},
		{"second drop", 0, 1},
		{"unchanged", 0, 0},
	}
	for _, s := range steps {
		w.clock.add(time.Hour)
		set(s.payAPI)
		before := len(w.noticesTo()[w.payments])
		a, b := w.jobs(), w.jobs()
		var wg sync.WaitGroup
		outs := make([]engine.Outcome, 2)
		errs := make([]error, 2)
		for i, j := range []*engine.Jobs{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = j.Run(context.Background(), jobs.Notices, engine.RunOptions{})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("%s: run %d: %v", s.name, i, err)
			}
		}
		if got := len(w.noticesTo()[w.payments]) - before; got != s.want {
			t.Errorf("%s: payments got %d new notices, want %d (outcomes %+v %+v)", s.name, got, s.want, outs[0], outs[1])
		}
	}
}
