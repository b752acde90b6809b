package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestTargetLevelCheckedAtLoad(t *testing.T) {
	cases := []struct {
		target string
		code   int
		err    string
	}{
		{"production_readiness:Silver,operational_maturity:Operable", 0, ""},
		{"Silver", 0, `is not a level of scorecard "operational_maturity"`},
		{"production_readiness:Platinum", 2, `scorecard production_readiness has no level "Platinum"`},
		{"ProductionReadiness:Silver", 2, `it names scorecard "ProductionReadiness", which is not loaded`},
		{"Silver,Gold", 2, "PRODREADY_TARGET_LEVEL"},
	}
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			code, _, errs := cli(t, map[string]string{"PRODREADY_TARGET_LEVEL": tc.target}, "check", "payments-api", "--now", fixedNow)
			if code != tc.code || !strings.Contains(errs, tc.err) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant ~ %q", code, tc.code, errs, tc.err)
			}
		})
	}
}

// TestServeStopsOnATargetTheScorecardsLack: the scorecards are known at the
// first load only; a target level one of them lacks stops serve then.
func TestServeStopsOnATargetTheScorecardsLack(t *testing.T) {
	e := serveEnv(t, map[string]string{"SLACK_SIGNING_SECRET": "s3cret", "PRODREADY_LISTEN_ADDR": "127.0.0.1:0",
		"PRODREADY_TARGET_LEVEL": "production_readiness:Platinum"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := runServe(ctx, e, nil)
	if ctx.Err() != nil {
		t.Fatal("serve did not stop on its own")
	}
	if code != exitUsage || !strings.Contains(e.stderr.(*lockedBuffer).String(), `scorecard production_readiness has no level \"Platinum\"`) {
		t.Errorf("exit %d:\n%s", code, e.stderr.(*lockedBuffer).String())
	}
}
