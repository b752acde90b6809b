package httpclient

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Token keeps one access token that expires (Port's, a GitHub App
// installation's), shared by concurrent callers: one renewal in flight at
// a time, detached from the caller that started it so that its
// cancellation does not fail the others, each caller waiting only as long
// as its own context allows. The tokens it replaced are kept (the last
// Keep) so that they are redacted too. Set Renew before first use.
type Token struct {
	// Renew fetches a fresh token and says when to renew it.
	Renew func(ctx context.Context) (tok string, renewAt time.Time, err error)
	// Now is the clock renewAt is read with; time.Now when nil.
	Now func() time.Time
	// Keep bounds the replaced tokens kept for redaction; 8 when 0.
	Keep int
	// What names the step in errors: "get an access token".
	What string

	mu       sync.Mutex
	token    string
	renewAt  time.Time
	renewing *renewal
	spent    []string
}

// renewal is one renewal in flight.
type renewal struct {
	done  chan struct{}
	token string
	err   error
}

// Get returns the cached token, or renews it.
func (t *Token) Get(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil { // do not start a renewal nobody waits for
		return "", fmt.Errorf("%s: %w", t.What, context.Cause(ctx))
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	t.mu.Lock()
	if t.token != "" && now().Before(t.renewAt) {
		tok := t.token
		t.mu.Unlock()
		return tok, nil
	}
	r := t.renewing
	if r == nil {
		r = &renewal{done: make(chan struct{})}
		t.renewing = r
		go t.renew(context.WithoutCancel(ctx), r)
	}
	t.mu.Unlock()
	select {
	case <-r.done:
		return r.token, r.err
	case <-ctx.Done():
		return "", fmt.Errorf("%s: %w", t.What, context.Cause(ctx))
	}
}

func (t *Token) renew(ctx context.Context, r *renewal) {
	tok, at, err := t.Renew(ctx)
	t.mu.Lock()
	if err == nil {
		t.spendLocked(t.token)
		t.token, t.renewAt = tok, at
	}
	t.renewing = nil
	r.token, r.err = tok, err
	t.mu.Unlock()
	close(r.done)
}

// Invalidate drops tok after the service refused it, unless it was
// already replaced.
func (t *Token) Invalidate(tok string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == tok && tok != "" {
		t.spendLocked(tok)
		t.token = ""
	}
}

// Spend keeps s, a secret issued beside the token (a GitHub App's JWT),
// for redaction.
func (t *Token) Spend(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.spendLocked(s)
}

func (t *Token) spendLocked(s string) {
	if s == "" {
		return
	}
	keep := t.Keep
	if keep <= 0 {
		keep = 8
	}
	t.spent = append(t.spent, s)
	if len(t.spent) > keep {
		t.spent = t.spent[len(t.spent)-keep:]
	}
}

// Secrets are the token and those it replaced.
func (t *Token) Secrets() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string{t.token}, t.spent...)
}
