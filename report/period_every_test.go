package report

import (
	"testing"
	"time"
)

func TestEveryPeriods(t *testing.T) {
	k := Every(5 * time.Second)
	at := time.Date(2026, 11, 26, 8, 40, 7, 300, time.FixedZone("X", 3600))
	p := PeriodOf(k, at)
	if p.Key != "2026-11-26T07:40:05Z" || !p.Start.Equal(at.Truncate(5*time.Second)) || p.End.Sub(p.Start) != 5*time.Second {
		t.Errorf("period %+v", p)
	}
	if next := PeriodOf(k, p.End); next.Key != "2026-11-26T07:40:10Z" {
		t.Errorf("next period %q", next.Key)
	}
	if b := k.Back(at, 2); at.Sub(b) != 10*time.Second {
		t.Errorf("two periods back: %s", b)
	}
	if PeriodOf(Weekly, at).Key != "2026-W48" {
		t.Error("calendar kinds unchanged")
	}
}
