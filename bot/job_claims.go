package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
)

// DefaultDeliveryLease is how long a message's claim lasts without being
// renewed: how long a process that died while posting holds the message
// back from the others.
const DefaultDeliveryLease = 30 * time.Second

// claimerID names this process (and this Jobs) in the claims it takes.
func claimerID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// claimGate is the jobs' Gate. Before each message is posted, it claims the
// message's key in the history (so no other process posts it), renews the
// claim while the message is being posted, and asks for a look at Slack
// when it takes over the claim of an attempt that did not finish.
type claimGate struct {
	j      *Jobs
	job    string
	period report.Period
	copies map[string]int // destination -> copy number of this send

	mu   sync.Mutex
	held map[*Outgoing]*heldClaim
}

type heldClaim struct {
	claim history.Claim
	stop  context.CancelFunc
}

func (j *Jobs) newGate(job string, period report.Period) *claimGate {
	return &claimGate{j: j, job: job, period: period, copies: map[string]int{}, held: map[*Outgoing]*heldClaim{}}
}

// key returns m's claim (without a claimer) and sets m's DeliveryKey.
func (g *claimGate) prepare(m *Outgoing, copyN int) {
	g.copies[m.Destination] = copyN
	m.DeliveryKey = g.claim(m, "").Key()
}

func (g *claimGate) claim(m *Outgoing, ch string) history.Claim {
	return history.Claim{Job: g.job, Period: g.period.Key, Destination: m.Destination, Copy: g.copies[m.Destination], Claimer: g.j.claimer, Channel: ch}
}

// Before claims m. A claim another process holds is waited for: it ends
// sent (nothing to do), or it expires because its holder died (taken
// over). The wait is bounded by two leases.
func (g *claimGate) Before(ctx context.Context, m *Outgoing, ch string) (GateDecision, error) {
	st, lease := g.j.deps.Store, g.j.lease
	c := g.claim(m, ch)
	giveUp := time.Now().Add(2 * lease)
	poll := max(min(lease/10, time.Second), 20*time.Millisecond)
	for {
		res, prev, err := st.Claim(ctx, c, g.j.deps.Now(), lease)
		if err != nil {
			return GateDecision{}, fmt.Errorf("claim message %s before posting it: %w", c.Key(), err)
		}
		switch res {
		case history.ClaimAlreadySent:
			return GateDecision{Skip: "already sent by another run"}, nil
		case history.ClaimedNew, history.ClaimedOver:
			dec := GateDecision{Lost: g.hold(m, c)}
			if res == history.ClaimedOver {
				dec.Verify, dec.Channel, dec.Since = true, prev.Channel, prev.First
				if dec.Channel == "" {
					dec.Channel = ch
				}
				g.j.deps.Log.Warn("an earlier attempt claimed this message and did not record it; looking for it in Slack before posting",
					"key", c.Key(), "earlier_claimer", prev.Claimer, "claimed", prev.First, "channel", dec.Channel)
			}
			return dec, nil
		}
		if time.Now().After(giveUp) {
			return GateDecision{Skip: fmt.Sprintf("being sent by %s (claimed %s), which still holds it", prev.Claimer, prev.Claimed.Format(time.RFC3339))}, nil
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return GateDecision{}, classify(ctx.Err())
		case <-t.C:
		}
	}
}

// hold renews c every third of the lease until released; the context it
// returns is done if the claim is lost to another process.
func (g *claimGate) hold(m *Outgoing, c history.Claim) context.Context {
	lost, markLost := context.WithCancel(context.Background())
	stopCtx, stop := context.WithCancel(context.Background())
	g.mu.Lock()
	g.held[m] = &heldClaim{claim: c, stop: func() { stop(); markLost() }}
	g.mu.Unlock()
	lease := g.j.lease
	go func() {
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-stopCtx.Done():
				return
			case <-t.C:
			}
			ok, err := g.j.deps.Store.RenewClaim(stopCtx, c, g.j.deps.Now(), lease)
			switch {
			case err != nil && stopCtx.Err() == nil:
				g.j.deps.Log.Warn("could not renew the claim on a message being posted", "key", c.Key(), "err", err)
			case err == nil && !ok:
				g.j.deps.Log.Error("another process took over the claim on a message being posted; stopping", "key", c.Key())
				markLost()
				return
			}
		}
	}()
	return lost
}

// release stops renewing m's claim and returns it.
func (g *claimGate) release(m *Outgoing) (history.Claim, bool) {
	g.mu.Lock()
	h, ok := g.held[m]
	delete(g.held, m)
	g.mu.Unlock()
	if !ok {
		return history.Claim{}, false
	}
	h.stop()
	return h.claim, true
}
