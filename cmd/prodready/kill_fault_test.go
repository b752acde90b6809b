package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard/demo"
)

// buildProdready builds the prodready binary into a temporary directory.
func buildProdready(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL tests need a Unix")
	}
	bin := filepath.Join(t.TempDir(), "prodready")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// childEnv is the environment of a prodready child process: only what the
// test sets, so that the developer's own variables and .env do not leak in.
func childEnv(vars map[string]string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TZ=UTC"}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// holdingProxy forwards to the Slack emulator and holds every
// chat.postMessage answer back for hold after the emulator took the
// message: a process killed meanwhile has had its message accepted by
// Slack and not recorded it.
func holdingProxy(t *testing.T, emu *slackemu.Server, hold time.Duration) string {
	var always atomic.Bool
	always.Store(true)
	return switchProxy(t, emu, &always, hold)
}

// keysInSlack counts the emulator's messages by their exactly-once key.
func keysInSlack(t *testing.T, emu *slackemu.Server) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range emu.AllMessages() {
		var meta slack.SlackMetadata
		if m.Metadata == nil || json.Unmarshal(m.Metadata, &meta) != nil || meta.EventType != blockkit.DeliveryEventType {
			continue
		}
		out[fmt.Sprint(meta.EventPayload["key"])]++
	}
	return out
}

// countOnce compares what reached Slack with the keys wanted, logs the
// count and fails on a loss or a duplicate.
func countOnce(t *testing.T, emu *slackemu.Server, want []string) {
	t.Helper()
	got := keysInSlack(t, emu)
	posted, dups, lost := 0, 0, 0
	for _, n := range got {
		posted += n
		if n > 1 {
			dups += n - 1
		}
	}
	for _, k := range want {
		if got[k] == 0 {
			lost++
			t.Errorf("lost: %s never reached Slack", k)
		} else if got[k] > 1 {
			t.Errorf("duplicate: %s reached Slack %d times", k, got[k])
		}
	}
	t.Logf("posted %d, duplicates %d, lost %d (of %d wanted)", posted, dups, lost, len(want))
	if posted-dups != len(want) {
		t.Errorf("%d distinct messages in Slack, want %d", posted-dups, len(want))
	}
}

// A replica killed with SIGKILL while delivering the team notices, with
// messages Slack accepted but it did not record, then started again:
// every team hears once.
func TestFaultKilledWhileDeliveringNotices(t *testing.T) {
	bin := buildProdready(t)
	emu := slackemu.New(t)
	chA, chB := emu.AddChannel("readiness-a"), emu.AddChannel("readiness-b")
	dir := t.TempDir()
	var teams strings.Builder
	fmt.Fprintf(&teams, "default_channel: %s\nteams:\n", chA)
	var want []string
	day := report.PeriodOf(report.Daily, time.Now().UTC()).Key
	for i, tm := range demo.Teams() {
		ch := []string{chA, chB}[i%2]
		fmt.Fprintf(&teams, "  %s:\n    channel: %s\n", tm.Identifier, ch)
		want = append(want, history.Claim{Job: jobs.Notices, Period: day, Destination: "team:" + tm.Identifier}.Key())
	}
	want = append(want, history.Claim{Job: jobs.Notices, Period: day, Destination: "team:"}.Key()) // services with no team
	sort.Strings(want)
	teamsFile := filepath.Join(dir, "teams.yaml")
	if err := os.WriteFile(teamsFile, []byte(teams.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "history.db")
	vars := map[string]string{
		"SLACK_BOT_TOKEN": emu.BotToken(), "PRODREADY_DB": db, "PRODREADY_TEAMS": teamsFile,
		"PRODREADY_DELIVERY_LEASE": "1s",
	}
	start := func(apiURL string) (*exec.Cmd, *lockedBuffer) {
		vars["SLACK_API_URL"] = apiURL
		cmd := exec.Command(bin, "run", jobs.Notices)
		cmd.Env, cmd.Dir = childEnv(vars), dir
		logs := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = io.Discard, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd, logs
	}

	// First run: answers held back 1.5s; killed once three messages reached Slack.
	first, logs := start(holdingProxy(t, emu, 1500*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for len(emu.AllMessages()) < 3 {
		select {
		case <-ctx.Done():
			t.Fatalf("three messages never reached Slack:\n%s", logs)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	atKill := len(emu.AllMessages())
	st, err := history.OpenSQLite(context.Background(), db, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recorded, _ := st.Sent(context.Background(), jobs.Notices, day)
	claims, _ := st.Claims(context.Background(), jobs.Notices)
	st.Close()
	pending := 0
	for _, c := range claims {
		if c.Status == history.ClaimPending {
			pending++
		}
	}
	t.Logf("killed: %d messages in Slack, %d recorded, %d claims pending, %d of %d not yet sent", atKill, len(recorded), pending, len(want)-atKill, len(want))
	if atKill <= len(recorded) || atKill >= len(want) {
		t.Fatalf("the kill should fall with messages accepted but unrecorded and others unsent: %d in Slack, %d recorded, %d wanted", atKill, len(recorded), len(want))
	}

	// Restart, straight to the emulator.
	again, logs := start(emu.URL())
	done := make(chan error, 1)
	go func() { done <- again.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("restart: %v\n%s", err, logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("restart did not finish:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "found in Slack") {
		t.Errorf("the restart should say it found the unrecorded messages in Slack:\n%s", logs)
	}
	countOnce(t, emu, want)
	st, err = history.OpenSQLite(context.Background(), db, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if recorded, err := st.Sent(context.Background(), jobs.Notices, day); err != nil || len(recorded) != len(want) {
		t.Errorf("%d notices recorded after the restart, want %d (%v)", len(recorded), len(want), err)
	}
}
