package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report/history/historytest"
)

// switchProxy forwards to the Slack emulator; while hold is set, it holds
// chat.postMessage answers back for a while after the emulator took the
// message.
func switchProxy(t *testing.T, emu *slackemu.Server, hold *atomic.Bool, d time.Duration) string {
	t.Helper()
	base, err := url.Parse(emu.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(base)
	rp.ModifyResponse = func(res *http.Response) error {
		if hold.Load() && strings.HasSuffix(res.Request.URL.Path, "/chat.postMessage") {
			select {
			case <-time.After(d):
			case <-res.Request.Context().Done():
			}
		}
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL + "/api/"
}

type replica struct {
	cmd  *exec.Cmd
	logs *lockedBuffer
	dead bool
}

const leaderLine = "leader: this replica now runs the scheduled jobs"

// The acceptance test of replication: three `serve` replicas on one
// Postgres, a weekly digest due every 3 seconds, the leader killed with
// SIGKILL while posting one (Slack took it, the leader never recorded it):
// every period's digest reaches Slack exactly once.
//
// The period leaves room for a digest run (post, then the chart in its
// thread a second later, Slack's pace per channel) on a loaded machine: a
// run still going at the next period's start makes cron skip that period.
// digestPeriod is the test's PRODREADY_TEST_DIGEST_PERIOD.
const digestPeriod = 5 * time.Second

func TestReplicasDigestEveryPeriodOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three serve processes on Postgres")
	}
	dsn := historytest.PostgresDSN(t) // skips, saying why, with no server
	bin := buildProdready(t)
	emu := slackemu.New(t)
	reports := emu.AddChannel("eng-managers")
	var hold atomic.Bool
	api := switchProxy(t, emu, &hold, 2*time.Second)
	never := "0 0 1 1 *"
	vars := map[string]string{
		"SLACK_BOT_TOKEN": emu.BotToken(), "SLACK_API_URL": api, "SLACK_SIGNING_SECRET": emu.SigningSecret(),
		"PRODREADY_LISTEN_ADDR": "127.0.0.1:0", "PRODREADY_DB": dsn, "PRODREADY_REPORT_CHANNEL": reports,
		"PRODREADY_TEST_DIGEST_PERIOD": digestPeriod.String(), "PRODREADY_LEADER_POLL": "1s", "PRODREADY_DELIVERY_LEASE": "1s",
		"PRODREADY_REFRESH_CRON": never, "PRODREADY_MONTHLY_CRON": never, "PRODREADY_NOTICE_CRON": never,
	}
	dir := t.TempDir()
	var reps []*replica
	for range 3 {
		cmd := exec.Command(bin, "serve")
		cmd.Env, cmd.Dir = childEnv(vars), dir
		r := &replica{cmd: cmd, logs: &lockedBuffer{}}
		cmd.Stdout, cmd.Stderr = r.logs, r.logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		reps = append(reps, r)
	}
	dump := func() string {
		var b strings.Builder
		for i, r := range reps {
			fmt.Fprintf(&b, "--- replica %d:\n%s\n", i, r.logs)
		}
		return b.String()
	}
	wait := func(what string, d time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(d)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %s\n%s", what, d, dump())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	leader := func() int {
		for i, r := range reps {
			if !r.dead && strings.Contains(r.logs.String(), leaderLine) {
				return i
			}
		}
		return -1
	}
	digests := func() int { return len(emu.Messages(reports)) }

	wait("a leader", 30*time.Second, func() bool { return leader() >= 0 })
	first := leader()
	wait("three digests", 8*digestPeriod, func() bool { return digests() >= 3 })

	// Kill the leader while it posts the next digest: Slack takes it, the
	// answer is held, the leader dies before recording it.
	hold.Store(true)
	before := digests()
	wait("the next digest", 4*digestPeriod, func() bool { return digests() > before })
	killedAt := time.Now()
	if err := reps[first].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	reps[first].cmd.Wait()
	reps[first].dead = true
	hold.Store(false)
	atKill := digests()
	wait("a new leader", 30*time.Second, func() bool { return leader() >= 0 })
	second := leader()
	takeover := time.Since(killedAt)
	wait("three more digests", 10*digestPeriod, func() bool { return digests() >= atKill+3 })

	for _, r := range reps {
		if !r.dead {
			r.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, r := range reps {
		if r.dead {
			continue
		}
		done := make(chan error, 1)
		go func() { done <- r.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("replica stopped with %v", err)
			}
		case <-ctx.Done():
			t.Errorf("a replica did not stop on SIGTERM")
		}
	}

	// Every period from the first digest to the last, exactly once.
	got := keysInSlack(t, emu)
	var periods []time.Time
	dups := 0
	for k, n := range got {
		parts := strings.Split(k, "/")
		if len(parts) != 4 || parts[0] != "weekly-report" {
			t.Errorf("unexpected message key %q", k)
			continue
		}
		p, err := time.Parse(time.RFC3339, parts[1])
		if err != nil {
			t.Errorf("key %q: period: %v", k, err)
			continue
		}
		periods = append(periods, p)
		if n > 1 {
			dups += n - 1
			t.Errorf("duplicate: the digest of %s reached Slack %d times", parts[1], n)
		}
	}
	sort.Slice(periods, func(i, j int) bool { return periods[i].Before(periods[j]) })
	lost := 0
	for i := 1; i < len(periods); i++ {
		if gap := periods[i].Sub(periods[i-1]); gap != digestPeriod {
			lost += int(gap/digestPeriod) - 1
			t.Errorf("lost: no digest between the periods of %s and %s", periods[i-1].Format(time.TimeOnly), periods[i].Format(time.TimeOnly))
		}
	}
	posted := len(emu.Messages(reports))
	t.Logf("periods %d, posted %d, duplicates %d, lost %d; leader %d killed with %d digests in Slack, replica %d led %.1fs later",
		len(periods), posted, dups, lost, first, atKill, second, takeover.Seconds())
	found := strings.Contains(reps[second].logs.String(), "found in Slack")
	t.Logf("the new leader found the digest the killed one posted but never recorded in Slack, and did not post it again: %v", found)
	if posted != len(periods)+dups || len(periods) < atKill+2 {
		t.Errorf("%d digests for %d periods", posted, len(periods))
	}
	if t.Failed() {
		t.Log(dump())
	}
}
