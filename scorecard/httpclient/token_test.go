package httpclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrent callers share one renewal; a token is renewed when due or
// refused; replaced tokens and spent secrets stay in Secrets, the last
// Keep of them.
func TestToken(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	var renewals atomic.Int32
	started, release := make(chan struct{}, 1), make(chan struct{})
	tok := Token{What: "get a token", Keep: 2, Now: func() time.Time { return now },
		Renew: func(context.Context) (string, time.Time, error) {
			n := renewals.Add(1)
			select {
			case started <- struct{}{}:
			default:
			}
			<-release
			return fmt.Sprintf("tok-%d", n), now.Add(time.Hour), nil
		}}
	var wg sync.WaitGroup
	got := make([]string, 5)
	for i := range got {
		wg.Go(func() {
			s, err := tok.Get(context.Background())
			if err != nil {
				t.Error(err)
			}
			got[i] = s
		})
	}
	<-started // the renewal is under way before it is released
	close(release)
	wg.Wait()
	if distinct := slices.Compact(slices.Clone(got)); renewals.Load() != 1 || len(distinct) != 1 || distinct[0] != "tok-1" {
		t.Fatalf("%d renewals, tokens %q; want one renewal shared", renewals.Load(), got)
	}
	tok.Invalidate("tok-1")
	if s, _ := tok.Get(context.Background()); s != "tok-2" {
		t.Errorf("after Invalidate: %q, want a fresh token", s)
	}
	tok.Spend("jwt-a")
	tok.Spend("jwt-b")
	if s := tok.Secrets(); !slices.Equal(s, []string{"tok-2", "jwt-a", "jwt-b"}) {
		t.Errorf("Secrets %q", s)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("shutting down"))
	if _, err := tok.Get(ctx); err == nil || err.Error() != "get a token: shutting down" {
		t.Errorf("with a canceled context: %v", err)
	}
}
