package history

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestClaims(t *testing.T) { eachBackend(t, testClaims) }

func testClaims(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	lease := time.Minute
	key := Claim{Job: "team-notices", Period: "2026-11-23", Destination: "team:payments", Channel: "C1"}
	a, b := key, key
	a.Claimer, b.Claimer = "host-a/1", "host-b/2"

	steps := []struct {
		name   string
		do     func() (ClaimResult, Claim, error)
		want   ClaimResult
		prevBy string
	}{
		{"first claim", func() (ClaimResult, Claim, error) { return s.Claim(ctx, a, t0, lease) }, ClaimedNew, ""},
		{"other claimer while held", func() (ClaimResult, Claim, error) { return s.Claim(ctx, b, t0.Add(time.Second), lease) }, ClaimHeldByOther, a.Claimer},
		{"same claimer again takes its own over", func() (ClaimResult, Claim, error) { return s.Claim(ctx, a, t0.Add(2*time.Second), lease) }, ClaimedOver, a.Claimer},
		{"other claimer after expiry", func() (ClaimResult, Claim, error) { return s.Claim(ctx, b, t0.Add(2*time.Minute), lease) }, ClaimedOver, a.Claimer},
		{"first claimer now held out", func() (ClaimResult, Claim, error) { return s.Claim(ctx, a, t0.Add(2*time.Minute), lease) }, ClaimHeldByOther, b.Claimer},
	}
	for _, st := range steps {
		got, prev, err := st.do()
		if err != nil || got != st.want || prev.Claimer != st.prevBy {
			t.Fatalf("%s: got %v (previous by %q), %v; want %v (previous by %q)", st.name, got, prev.Claimer, err, st.want, st.prevBy)
		}
		if got == ClaimedOver && (!prev.First.Equal(t0) || prev.Channel != "C1") {
			t.Errorf("%s: previous claim %+v should keep when and where it was first claimed", st.name, prev)
		}
	}
	if ok, err := s.RenewClaim(ctx, a, t0.Add(3*time.Minute), lease); ok || err != nil {
		t.Errorf("a claimer that lost its claim renewed it: %v %v", ok, err)
	}
	if ok, err := s.RenewClaim(ctx, b, t0.Add(3*time.Minute), lease); !ok || err != nil {
		t.Errorf("the holder could not renew: %v %v", ok, err)
	}
	// Released unsure: the next claimer takes over at once.
	if err := s.ReleaseClaim(ctx, b, t0.Add(3*time.Minute), true); err != nil {
		t.Fatal(err)
	}
	if got, prev, err := s.Claim(ctx, a, t0.Add(3*time.Minute+time.Second), lease); got != ClaimedOver || prev.Claimer != b.Claimer || err != nil {
		t.Fatalf("after an unsure release: %v %+v %v", got, prev, err)
	}
	m := Message{Job: key.Job, Period: key.Period, Destination: key.Destination, Channel: "C1", TS: "1.000001", Sent: t0.Add(4 * time.Minute), RunID: 1}
	if err := s.RecordClaimedSent(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordClaimedSent(ctx, m); !errors.Is(err, ErrAlreadySent) {
		t.Errorf("second record: %v, want ErrAlreadySent", err)
	}
	if got, _, err := s.Claim(ctx, b, t0.Add(time.Hour), lease); got != ClaimAlreadySent || err != nil {
		t.Errorf("claim after sent: %v %v", got, err)
	}
	cs, err := s.Claims(ctx, key.Job)
	if err != nil || len(cs) != 1 || cs[0].Status != ClaimSent {
		t.Fatalf("claims %+v %v", cs, err)
	}
	// A refused message's claim is deleted: the next attempt is a new claim.
	other := a
	other.Destination = "team:search"
	if r, _, err := s.Claim(ctx, other, t0, lease); r != ClaimedNew || err != nil {
		t.Fatal(r, err)
	}
	if err := s.ReleaseClaim(ctx, other, t0, false); err != nil {
		t.Fatal(err)
	}
	if r, _, err := s.Claim(ctx, b, t0, lease); r != ClaimAlreadySent || err != nil {
		t.Fatal(r, err)
	}
	other.Claimer = b.Claimer
	if r, _, err := s.Claim(ctx, other, t0, lease); r != ClaimedNew || err != nil {
		t.Errorf("after a refused release: %v %v, want a new claim", r, err)
	}
	if n, err := s.PruneClaims(ctx, t0.Add(time.Minute)); n != 1 || err != nil {
		t.Errorf("pruned %d claims taken before the cut (%v), want the pending one", n, err)
	}
	if cs, err := s.Claims(ctx, ""); err != nil || len(cs) != 1 || cs[0].Status != ClaimSent {
		t.Errorf("after pruning: %+v %v; want the sent claim, taken later, kept", cs, err)
	}
}

// Of many claimers racing for one key, exactly one gets it.
func TestClaimRace(t *testing.T) { eachBackend(t, testClaimRace) }

func testClaimRace(t *testing.T, dsn string) {
	ctx := context.Background()
	stores := []*Store{openWait(t, dsn), openWait(t, dsn), openWait(t, dsn)}
	var mu sync.Mutex
	won := 0
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := Claim{Job: "weekly-report", Period: "2026-W48", Destination: "C1", Claimer: string(rune('a' + i))}
			r, _, err := stores[i%len(stores)].Claim(ctx, c, t0, time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			if r == ClaimedNew || r == ClaimedOver {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d claimers won the key, want exactly 1", won)
	}
}
