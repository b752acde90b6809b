package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
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

// ClaimerID names this process (and one of its users of claims) in the
// claims it takes.
func ClaimerID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// ClaimStore is what ClaimGate needs of the history (*history.Store).
type ClaimStore interface {
	Claim(ctx context.Context, c history.Claim, now time.Time, lease time.Duration) (history.ClaimResult, history.Claim, error)
	RenewClaim(ctx context.Context, c history.Claim, now time.Time, lease time.Duration) (bool, error)
}

// ClaimGate is the exactly-once Gate, whatever the notifier. Before each
// message is posted, it claims the message's key in the history (so no
// other process posts it), renews the claim while the message is being
// posted, and asks the notifier to look for the message when it takes over
// the claim of an attempt that did not finish.
type ClaimGate struct {
	Job    string
	Period report.Period

	store   ClaimStore
	claimer string
	lease   time.Duration
	log     *slog.Logger
	now     func() time.Time
	copies  map[string]int // destination -> copy number of this send

	mu   sync.Mutex
	held map[*Outgoing]*heldClaim
}

type heldClaim struct {
	claim history.Claim
	stop  context.CancelFunc
}

// NewClaimGate returns the gate for one run of job in period: claimer names
// the process in its claims, which last lease unless renewed.
func NewClaimGate(store ClaimStore, claimer string, lease time.Duration, log *slog.Logger, now func() time.Time, job string, period report.Period) *ClaimGate {
	return &ClaimGate{Job: job, Period: period, store: store, claimer: claimer, lease: lease, log: log, now: now,
		copies: map[string]int{}, held: map[*Outgoing]*heldClaim{}}
}

// Prepare records m's copy number and sets its DeliveryKey.
func (g *ClaimGate) Prepare(m *Outgoing, copyN int) {
	g.copies[m.Destination] = copyN
	m.DeliveryKey = g.claim(m, "").Key()
}

func (g *ClaimGate) claim(m *Outgoing, ch string) history.Claim {
	return history.Claim{Job: g.Job, Period: g.Period.Key, Destination: m.Destination, Copy: g.copies[m.Destination], Claimer: g.claimer, Channel: ch}
}

// Before claims m. A claim another process holds is waited for: it ends
// sent (nothing to do), or it expires because its holder died (taken
// over). The wait is bounded by two leases.
func (g *ClaimGate) Before(ctx context.Context, m *Outgoing, ch string) (GateDecision, error) {
	st, lease := g.store, g.lease
	c := g.claim(m, ch)
	giveUp := time.Now().Add(2 * lease)
	poll := max(min(lease/10, time.Second), 20*time.Millisecond)
	for {
		res, prev, err := st.Claim(ctx, c, g.now(), lease)
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
				g.log.Warn("an earlier attempt claimed this message and did not record it; looking for it before posting",
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
			return GateDecision{}, &Error{Reason: ReasonCanceled, Err: ctx.Err()}
		case <-t.C:
		}
	}
}

// hold renews c every third of the lease until released; the context it
// returns is done if the claim is lost to another process.
func (g *ClaimGate) hold(m *Outgoing, c history.Claim) context.Context {
	lost, markLost := context.WithCancel(context.Background())
	stopCtx, stop := context.WithCancel(context.Background())
	g.mu.Lock()
	g.held[m] = &heldClaim{claim: c, stop: func() { stop(); markLost() }}
	g.mu.Unlock()
	lease := g.lease
	go func() {
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-stopCtx.Done():
				return
			case <-t.C:
			}
			ok, err := g.store.RenewClaim(stopCtx, c, g.now(), lease)
			switch {
			case err != nil && stopCtx.Err() == nil:
				g.log.Warn("could not renew the claim on a message being posted", "key", c.Key(), "err", err)
			case err == nil && !ok:
				g.log.Error("another process took over the claim on a message being posted; stopping", "key", c.Key())
				markLost()
				return
			}
		}
	}()
	return lost
}

// Release stops renewing m's claim and returns it; false when the gate
// did not let m through.
func (g *ClaimGate) Release(m *Outgoing) (history.Claim, bool) {
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
